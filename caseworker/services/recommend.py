"""The facts a recommendation needs from the store, and live previews for the visit screen.

The engine itself is pure domain code; this module gathers what it reads
from the store (the household's awards, the officer's allowance left) so the
visit screen can re-evaluate on every keystroke without touching the store.

A household's awards are those of its whole merge group (6.1 counts one family
once). A likely duplicate that is *not* merged, with awards in the last 365
days, is a fact gathered here too: it sends the package to a team manager
(:func:`route_for_duplicates`), so a second record never gives a second cap.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BindParameter, Date, Select, bindparam, func, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.duplicates import Person, Profile, email_key, phone_key, rank
from caseworker.domain.household import Household
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageStatus
from caseworker.domain.rules import (
    AdjustedPackage,
    Adjustment,
    AwardStatus,
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
from caseworker.services.fund import fund_balances, fund_row
from caseworker.services.merge import household_group
from caseworker.store import duplicates as duplicates_repo
from caseworker.store.database import Store
from caseworker.store.duplicates import CANDIDATE_LIMIT
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import HouseholdRow, MemberRow, PackageRow, SearchTermRow

_AWARD_STATUS = {
    PackageStatus.APPROVED_ON_SPOT: AwardStatus.APPROVED,
    PackageStatus.APPROVED: AwardStatus.APPROVED,
    PackageStatus.PAID: AwardStatus.PAID,
    PackageStatus.REJECTED: AwardStatus.REJECTED,
    PackageStatus.WITHDRAWN: AwardStatus.WITHDRAWN,
}


def prior_awards(
    session: Session, household_id: uuid.UUID, excluding: uuid.UUID | None = None
) -> list[PriorAward]:
    """The household's decided packages, dated by approval (the engine keeps those of 6.1);
    after a merge, those of every record of the family."""
    rows = session.exec(
        select(PackageRow).where(
            col(PackageRow.household_id).in_(household_group(session, household_id)),
            col(PackageRow.approved_on).is_not(None),
        )
    ).all()
    return [
        PriorAward(
            award_date=r.approved_on,
            amount_pence=r.total_pence,
            status=_AWARD_STATUS[PackageStatus(r.status)],
        )
        for r in rows
        if r.id != excluding and r.approved_on is not None
    ]


def allowance_left(session: Session, user: User, day: date) -> int | None:
    """The user's offline allowance left, or ``None`` when no fund is open."""
    try:
        fund = fund_row(session, day)
    except ServiceError:
        return None
    return fund_balances(session, fund.id).officers[user.id].left_pence


# -- likely duplicates with awards (6.1) ------------------------------------------------

_COUNTED = (AwardStatus.APPROVED, AwardStatus.PAID)
AWARD_WINDOW_DAYS = 365  # 6.1: the 365 days ending on the visit date
_COUNTED_STATUSES = [s.value for s, a in _AWARD_STATUS.items() if a in _COUNTED]


@dataclass(frozen=True)
class DuplicateAwards:
    """A likely, unmerged duplicate of the household and its decided packages."""

    household_id: uuid.UUID
    reference: str
    awards: tuple[PriorAward, ...]

    def total_pence(self, visit_date: date) -> int:
        """Its approved or paid awards in the 365 days ending on ``visit_date`` (6.1)."""
        return sum(
            a.amount_pence
            for a in self.awards
            if a.status in _COUNTED and 0 <= (visit_date - a.award_date).days < AWARD_WINDOW_DAYS
        )


def duplicates_with_awards(
    session: Session, household_id: uuid.UUID, on: date | None = None
) -> tuple[DuplicateAwards, ...]:
    """Live households that look like this one, are not merged with it and have awards
    (with ``on``, only those approved in the 365 days ending on ``on``).

    The households ``services.duplicates.likely_matches`` weighs (sharing a birth
    date, the postcode, the phone or the email) are narrowed in one query to those
    whose family has awards, and only those are scored, with the same matching: a
    decision stays quick even where hundreds of households share a postcode. Runs in
    the caller's session, so the store's replay checks the store's own facts.
    """
    profile = _profile(session, household_id)
    if profile is None:
        return ()
    awards = _lookalike_awards(session, profile, on)
    for member in household_group(session, household_id) if awards else ():
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
    session: Session, profile: Profile, on: date | None
) -> dict[uuid.UUID, list[PriorAward]]:
    """Approved or paid awards of the households sharing a key fact with ``profile`` (and
    of the households merged into them), by household, in one round trip."""
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
    if on is not None:
        params["until"], params["after"] = on, on - timedelta(days=AWARD_WINDOW_DAYS)
    query = _lookalike_query(frozenset(params))
    out: dict[uuid.UUID, list[PriorAward]] = {}
    for root, approved_on, amount, status in session.execute(query, params).all():
        if approved_on is not None and status in _COUNTED_STATUSES:
            out.setdefault(root, []).append(
                PriorAward(
                    award_date=approved_on,
                    amount_pence=amount,
                    status=_AWARD_STATUS[PackageStatus(status)],
                )
            )
    return out


@functools.lru_cache(maxsize=64)
def _lookalike_query(given: frozenset[str]) -> Select[Any]:
    """The query for the facts ``given``, built once: building it costs more than running it.

    Households sharing a fact, plus (recursively) those merged into them; then their
    packages. The status is checked by the caller: in SQL it would lead SQLite to read
    every approval in the store instead of each candidate's few packages.
    """
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
    found = union(*limited).subquery("found")
    first = found.c[0]
    family = sa_select(first.label("root"), first.label("member")).cte("family", recursive=True)
    family = family.union(
        sa_select(family.c.root, col(HouseholdMergeRow.merged_id)).where(
            col(HouseholdMergeRow.kept_id) == family.c.member,
            col(HouseholdMergeRow.undone_at).is_(None),
        )
    )
    query = sa_select(
        family.c.root,
        col(PackageRow.approved_on),
        col(PackageRow.total_pence),
        col(PackageRow.status),
    ).join(PackageRow, col(PackageRow.household_id) == family.c.member)
    if "until" in given:
        query = query.where(
            col(PackageRow.approved_on) <= bindparam("until", type_=Date()),
            col(PackageRow.approved_on) > bindparam("after", type_=Date()),
        )
    return query


def route_for_duplicates(
    adjusted: AdjustedPackage, duplicates: Sequence[DuplicateAwards], visit_date: date
) -> AdjustedPackage:
    """The package sent to a team manager, saying why, when a likely duplicate of the
    household has awards in the 365 days ending on the visit date; else unchanged."""
    note = duplicate_note(duplicates, visit_date)
    if note is None or adjusted.route == "none":
        return adjusted
    if adjusted.route == "officer":
        return dataclasses.replace(adjusted, route="manager", route_explanation=note)
    return dataclasses.replace(adjusted, route_explanation=f"{adjusted.route_explanation} {note}")


def duplicate_note(duplicates: Sequence[DuplicateAwards], visit_date: date) -> str | None:
    """The sentence that sends the package to a manager, or ``None`` if nothing counts."""
    counted = [(d, d.total_pence(visit_date)) for d in duplicates]
    counted = [(d, total) for d, total in counted if total > 0]
    if not counted:
        return None
    listed = "; ".join(f"{d.reference} ({format_pence(total)})" for d, total in counted)
    many = len(counted) > 1
    return (
        f"6.1 A team manager must decide: this household looks like "
        f"{'households' if many else 'household'} {listed}, not merged, with awards in the "
        f"365 days before the visit. Merge {'them' if many else 'it'} first if it is the same "
        "family, so one household cap counts both."
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
            tuple(prior_awards(session, household_id)),
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
    """The recommendation and the officer-adjusted package for a visit being typed."""
    facts = Facts(household=household, visit=visit, prior_awards=list(context.prior_awards))
    recommendation = evaluate(facts, rules, allowance_left_pence=context.allowance_left_pence)
    adjusted = apply_adjustments(recommendation, adjustments)
    return recommendation, route_for_duplicates(adjusted, context.duplicates, visit.visit_date)
