"""The facts a recommendation needs from the store, and live previews for the visit screen.

The engine itself is pure domain code; this module gathers what it reads
from the store (the household's awards, the officer's allowance left) so the
visit screen can re-evaluate on every keystroke without touching the store.

A household's awards are those of its whole family (6.1 counts one family once;
``facts_reader`` reads them). A likely duplicate that is *not* merged, with awards
in the policy's 6.1 window (``award_window_days``), is a fact gathered here too:
it sends the package to a team manager (:func:`route_for_duplicates`), so a
second record never gives a second cap.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, Select, bindparam, func, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from caseworker.domain.duplicates import Person, Profile, email_key, phone_key, rank
from caseworker.domain.household import Household
from caseworker.domain.money import format_pence
from caseworker.domain.rules import (
    AdjustedPackage,
    Adjustment,
    Facts,
    PriorAward,
    Recommendation,
    RuleSet,
    apply_adjustments,
    evaluate,
)
from caseworker.domain.search_terms import date_term
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.services.errors import ServiceError
from caseworker.services.facts_reader import (
    Families,
    award_rows,
    award_window_days,
    counted_total,
    families,
    prior_awards,
    prior_awards_of,
    refuse_bad_facts,
)
from caseworker.services.fund import fund_balances, fund_row
from caseworker.store import duplicates as duplicates_repo
from caseworker.store.database import Store
from caseworker.store.duplicates import CANDIDATE_LIMIT
from caseworker.store.tables import HouseholdRow, MemberRow, SearchTermRow


def allowance_left(session: Session, user: User, day: date) -> int | None:
    """The user's offline allowance left, or ``None`` when no fund is open."""
    try:
        fund = fund_row(session, day)
    except ServiceError:
        return None
    return fund_balances(session, fund.id).officers[user.id].left_pence


# -- likely duplicates with awards (6.1) ------------------------------------------------


@dataclass(frozen=True)
class DuplicateAwards:
    """A likely, unmerged duplicate of the household and its decided packages."""

    household_id: uuid.UUID
    reference: str
    awards: tuple[PriorAward, ...]

    def total_pence(self, visit_date: date, window_days: int) -> int:
        """Its approved or paid awards in the policy's window ending on ``visit_date`` (6.1)."""
        return counted_total(self.awards, visit_date, window_days)


def duplicates_with_awards(
    session: Session,
    household_id: uuid.UUID,
    rules: RuleSet | None = None,
    on: date | None = None,
) -> tuple[DuplicateAwards, ...]:
    """Live households that look like this one, are not merged with it and have awards
    (with ``rules`` and ``on``, only those approved in the policy's 6.1 window ending on
    ``on``).

    The households ``services.duplicates.likely_matches`` weighs (sharing a birth
    date, the postcode, the phone or the email) are narrowed in one query to those
    whose family has awards, and only those are scored, with the same matching: a
    decision stays quick even where hundreds of households share a postcode. Runs in
    the caller's session, so the store's replay checks the store's own facts.
    """
    profile = _profile(session, household_id)
    if profile is None:
        return ()
    fams = families(session)
    window = None
    if rules is not None and on is not None:
        days = award_window_days(rules, on)
        window = (on - timedelta(days=days - 1), on)
    awards = _lookalike_awards(session, profile, fams, window)
    for member in fams.records(household_id) if awards else ():
        awards.pop(member, None)  # already one family: its awards count in the cap
    if not awards:
        return ()
    profiles = duplicates_repo.profiles(session, awards)  # live households only
    matches = rank(profile, profiles, limit=len(profiles))
    return tuple(
        DuplicateAwards(m.household_id, m.reference, tuple(awards[m.household_id])) for m in matches
    )


_HOUSEHOLD_FACTS = sa_select(
    col(HouseholdRow.reference),
    col(HouseholdRow.postcode),
    col(HouseholdRow.phone),
    col(HouseholdRow.email),
).where(col(HouseholdRow.id) == bindparam("household_id"))
_PEOPLE = (
    sa_select(col(MemberRow.first_name), col(MemberRow.surname), col(MemberRow.date_of_birth))
    .where(col(MemberRow.household_id) == bindparam("household_id"))
    .order_by(col(MemberRow.position))
)


def _profile(session: Session, household_id: uuid.UUID) -> Profile | None:
    """What matching reads of a household (lead first), in two narrow queries."""
    given = {"household_id": household_id}
    row = session.execute(_HOUSEHOLD_FACTS, given).first()
    if row is None:
        return None
    people = tuple(Person(*p) for p in session.execute(_PEOPLE, given))
    reference, postcode, phone, email = row
    return Profile(people, postcode, phone, email, household_id, reference)


def _lookalike_awards(
    session: Session, profile: Profile, fams: Families, window: tuple[date, date] | None
) -> dict[uuid.UUID, list[PriorAward]]:
    """Approved or paid awards of the families of the households sharing a key fact with
    ``profile``, by surviving household (approved within ``window``, if given)."""
    params: dict[str, Any] = {}
    if births := sorted({date_term(p.date_of_birth) for p in profile.people if p.date_of_birth}):
        params["births"] = births
    if profile.postcode:
        params["postcode"] = profile.postcode
    if phone := phone_key(profile.phone):
        params["phones"] = duplicates_repo.phone_spellings(phone)
    if email := email_key(profile.email):
        params["email"] = email
    if not params:
        return {}
    found = list(session.execute(_lookalike_query(frozenset(params)), params).scalars())
    since, until = window if window is not None else (None, None)
    rows = award_rows(session, found, fams, since, until, counted_only=True)
    return {root: prior_awards_of(awards) for root, awards in rows.items()}


@functools.lru_cache(maxsize=64)
def _lookalike_query(given: frozenset[str]) -> CompoundSelect[Any]:
    """The households sharing the facts ``given``; the query is built once: building it
    costs more than running it."""
    household = col(HouseholdRow.id)
    keys: list[Select[Any]] = []
    if "births" in given:
        keys.append(
            sa_select(col(SearchTermRow.household_id)).where(
                col(SearchTermRow.term).in_(bindparam("births", expanding=True))
            )
        )
    if "postcode" in given:
        keys.append(sa_select(household).where(col(HouseholdRow.postcode) == bindparam("postcode")))
    if "phones" in given:
        phones: BindParameter[str] = bindparam("phones", expanding=True)
        keys.append(sa_select(household).where(col(HouseholdRow.phone).in_(phones)))
    if "email" in given:
        typed = func.lower(func.trim(col(HouseholdRow.email)))
        keys.append(sa_select(household).where(typed == bindparam("email")))
    # At most CANDIDATE_LIMIT households per fact, as the intake check: a birth date or
    # postcode shared by hundreds (a hostel, a placeholder date) must not slow a decision.
    limited = [sa_select(sub.c[0]) for sub in (k.limit(CANDIDATE_LIMIT).subquery() for k in keys)]
    return union(*limited)


def route_for_duplicates(
    adjusted: AdjustedPackage,
    duplicates: Sequence[DuplicateAwards],
    visit_date: date,
    window_days: int,
) -> AdjustedPackage:
    """The package sent to a team manager, saying why, when a likely duplicate of the
    household has awards in the 6.1 window ending on the visit date; else unchanged."""
    note = duplicate_note(duplicates, visit_date, window_days)
    if note is None or adjusted.route == "none":
        return adjusted
    if adjusted.route == "officer":
        return dataclasses.replace(adjusted, route="manager", route_explanation=note)
    return dataclasses.replace(adjusted, route_explanation=f"{adjusted.route_explanation} {note}")


def duplicate_note(
    duplicates: Sequence[DuplicateAwards], visit_date: date, window_days: int
) -> str | None:
    """The sentence that sends the package to a manager, or ``None`` if nothing counts."""
    counted = [(d, d.total_pence(visit_date, window_days)) for d in duplicates]
    counted = [(d, total) for d, total in counted if total > 0]
    if not counted:
        return None
    listed = "; ".join(f"{d.reference} ({format_pence(total)})" for d, total in counted)
    many = len(counted) > 1
    return (
        f"6.1 A team manager must decide: this household looks like "
        f"{'households' if many else 'household'} {listed}, not merged, with awards in the "
        f"{window_days} days before the visit. Merge {'them' if many else 'it'} first if it is "
        "the same family, so one household cap counts both."
    )


@dataclass(frozen=True)
class DecisionContext:
    """What the store contributes to a recommendation, read once per visit screen."""

    prior_awards: tuple[PriorAward, ...]
    allowance_left_pence: int | None
    duplicates: tuple[DuplicateAwards, ...] = ()


def decision_context(
    store: Store, user: User, household_id: uuid.UUID, day: date
) -> DecisionContext:
    with store.read() as session:
        return DecisionContext(
            tuple(prior_awards(session, household_id)),  # every record of the family
            allowance_left(session, user, day),
            duplicates_with_awards(session, household_id),
        )


def preview(
    rules: RuleSet,
    household: Household,
    visit: Visit,
    context: DecisionContext,
    adjustments: list[Adjustment],
) -> tuple[Recommendation, AdjustedPackage]:
    """The recommendation and the officer-adjusted package for a visit being typed.

    Facts the engine must not evaluate (a member born after the visit date, a child
    as lead contact) raise ``VisitFactsRefused``, saying what to correct.
    """
    facts = refuse_bad_facts(
        Facts(household=household, visit=visit, prior_awards=list(context.prior_awards)), rules
    )
    recommendation = evaluate(facts, rules, allowance_left_pence=context.allowance_left_pence)
    adjusted = apply_adjustments(recommendation, adjustments)
    window = award_window_days(rules, visit.visit_date)
    return recommendation, route_for_duplicates(
        adjusted, context.duplicates, visit.visit_date, window
    )
