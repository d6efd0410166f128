"""Store queries for the duplicate check: a few candidates by index, or every profile.

The intake check runs as the officer types, over 100,000 households, so it must
never read them all: it asks the (term, household) index for households with a
member born that day, the postcode index for the address, and the phone and
email columns for the contact details, then loads only those households.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.duplicates import Person, Profile
from caseworker.domain.search_terms import date_term
from caseworker.store.tables import HouseholdRow, MemberRow, SearchTermRow

# More households than this sharing one birth date or postcode would not be a
# duplicate check any more; the limit keeps a keystroke's cost bounded.
CANDIDATE_LIMIT = 300


def ids_born_on(session: Session, dob: date) -> list[uuid.UUID]:
    """Households with a member born on ``dob``, from the search-term index."""
    rows = session.exec(
        select(SearchTermRow.household_id)
        .where(SearchTermRow.term == date_term(dob))
        .limit(CANDIDATE_LIMIT)
    ).all()
    return list(rows)


def ids_at_postcode(session: Session, postcode: str) -> list[uuid.UUID]:
    """Households at a (normalised) postcode, from the postcode index."""
    rows = session.exec(
        select(HouseholdRow.id).where(HouseholdRow.postcode == postcode).limit(CANDIDATE_LIMIT)
    ).all()
    return list(rows)


def phone_spellings(digits: str) -> list[str]:
    """The ways a UK number is usually written: 07700900123, 07700 900123, +44 7700 900123...

    Comparing the stored text with these (rather than stripping spaces in SQL) keeps
    the unindexed scan of the phone column to about a fifth of the time; the full
    scan normalises every number, so an unusual spelling is still found there.
    """
    spellings = {digits}
    if len(digits) == 11 and digits.startswith("0"):
        groups = (
            (5, 11),  # 07700 900123
            (4, 7, 11),  # 0770 090 0123
            (3, 7, 11),  # 020 7946 0123
            (4, 8, 11),  # 0770 0900 123
        )
        for cuts in groups:
            parts, start = [], 0
            for cut in cuts:
                parts.append(digits[start:cut])
                start = cut
            for joiner in (" ", "-"):
                spellings.add(joiner.join(parts))
        national = digits[1:]
        for text in (
            national,
            f"{national[:4]} {national[4:]}",
            f"{national[:2]} {national[2:6]} {national[6:]}",
        ):
            spellings.update({f"+44{text}", f"+44 {text}"})
    return sorted(spellings)


def ids_with_phone(session: Session, digits: str) -> list[uuid.UUID]:
    """Households whose phone is written one of the usual ways for ``digits``.

    The phone column has no index, so this reads every household row; it runs only
    once a whole phone number has been typed.
    """
    rows = session.exec(
        select(HouseholdRow.id)
        .where(col(HouseholdRow.phone).in_(phone_spellings(digits)))
        .limit(CANDIDATE_LIMIT)
    ).all()
    return list(rows)


def ids_with_email(session: Session, email: str) -> list[uuid.UUID]:
    """Households with this email address, ignoring case (a scan, like the phone)."""
    rows = session.exec(
        select(HouseholdRow.id)
        .where(func.lower(func.trim(col(HouseholdRow.email))) == email.casefold())
        .limit(CANDIDATE_LIMIT)
    ).all()
    return list(rows)


def profiles(session: Session, ids: Iterable[uuid.UUID]) -> list[Profile]:
    """Profiles of the live (not archived) households among ``ids``."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    households = session.exec(
        select(HouseholdRow)
        .where(col(HouseholdRow.id).in_(wanted))
        .where(col(HouseholdRow.archived).is_(False))
    ).all()
    members = session.exec(
        select(MemberRow)
        .where(col(MemberRow.household_id).in_(wanted))
        .order_by(col(MemberRow.household_id), col(MemberRow.position))
    ).all()
    people: dict[uuid.UUID, list[Person]] = defaultdict(list)
    for m in members:
        people[m.household_id].append(Person(m.first_name, m.surname, m.date_of_birth))
    return [
        Profile(tuple(people[h.id]), h.postcode, h.phone, h.email, h.id, h.reference)
        for h in households
    ]


def all_profiles(session: Session) -> list[Profile]:
    """Every live household's profile, for a full scan: two queries, columns only."""
    people: dict[uuid.UUID, list[Person]] = defaultdict(list)
    member_rows = session.exec(
        select(
            col(MemberRow.household_id),
            col(MemberRow.first_name),
            col(MemberRow.surname),
            col(MemberRow.date_of_birth),
        ).order_by(col(MemberRow.household_id), col(MemberRow.position))
    )
    for household_id, first, surname, dob in member_rows:
        people[household_id].append(Person(first, surname, dob))
    household_rows = session.execute(
        sa_select(
            col(HouseholdRow.id),
            col(HouseholdRow.reference),
            col(HouseholdRow.postcode),
            col(HouseholdRow.phone),
            col(HouseholdRow.email),
        ).where(col(HouseholdRow.archived).is_(False))
    )
    return [
        Profile(tuple(people.get(hid, ())), postcode, phone, email, hid, reference)
        for hid, reference, postcode, phone, email in household_rows
    ]
