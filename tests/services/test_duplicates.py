"""Duplicate scan and intake check over synthetic households with planted duplicates.

The background is ``services.demo`` data; on top we plant re-registrations of
existing families the ways officers make them, and a crowd of unrelated Smiths.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from caseworker.domain.household import Household, Member, Relationship
from caseworker.domain.users import User
from caseworker.services import demo, duplicates, households
from caseworker.store.database import Store
from caseworker.store.tables import HouseholdRow, MemberRow

BACKGROUND = 1_500
NEW_POSTCODE = "N1 9GU"  # outside the demo's outward codes: the family moved


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name))
    letter = "e" if name[i].lower() != "e" else "a"
    return name[:i] + letter + name[i + 1 :]


def _transpose(name: str, rng: random.Random) -> str:
    for _ in range(20):
        i = rng.randrange(1, len(name) - 1)
        if name[i] != name[i + 1]:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return _typo(name, rng)


Variant = Callable[[Member, random.Random], tuple[str, str]]
VARIANTS: dict[str, Variant] = {
    "surname typo": lambda m, r: (m.first_name, _typo(m.surname, r)),
    "surname letters swapped": lambda m, r: (m.first_name, _transpose(m.surname, r)),
    "first name typo": lambda m, r: (_typo(m.first_name, r), m.surname),
    "first and last swapped": lambda m, _r: (m.surname, m.first_name),
    "hyphenated surname": lambda m, _r: (m.first_name, f"Okonkwo-{m.surname}"),
    "same names, new postcode": lambda m, _r: (m.first_name, m.surname),
}


@dataclass(frozen=True)
class Planted:
    original: uuid.UUID
    duplicate: uuid.UUID
    kind: str
    typed: dict[str, str]


@dataclass(frozen=True)
class Seeded:
    planted: list[Planted]
    smiths: set[uuid.UUID]


def _lead(household: Household) -> Member:
    assert household.lead is not None
    return household.lead


def seed(store: Store, officer: User, per_variant: int = 6) -> Seeded:
    assert demo.generate(store, officer, BACKGROUND, seed=7) == BACKGROUND
    rng = random.Random(11)
    with store.read() as session:
        # Names long enough that a one-letter slip is still the same name to a reader.
        ids = session.exec(
            select(MemberRow.household_id)
            .where(col(MemberRow.position) == 0)
            .where(col(MemberRow.date_of_birth).is_not(None))
            .order_by(col(MemberRow.household_id))
        ).all()
    originals = rng.sample(list(ids), per_variant * len(VARIANTS))
    planted: list[Planted] = []
    for number, household_id in enumerate(originals):
        kind = list(VARIANTS)[number % len(VARIANTS)]
        old = households.get_household(store, household_id)
        lead = _lead(old)
        first, surname = VARIANTS[kind](lead, rng)
        assert lead.date_of_birth is not None
        new = Household(
            address_line1="3 Upper Street",
            postcode=NEW_POSTCODE,
            members=[Member(first_name=first, surname=surname, date_of_birth=lead.date_of_birth)],
        )
        saved = households.create_household(store, officer, new)
        typed = {
            "first_name": first,
            "surname": surname,
            "date_of_birth": lead.date_of_birth.strftime("%d/%m/%Y"),
            "postcode": NEW_POSTCODE,
        }
        planted.append(Planted(old.id, saved.id, kind, typed))
    smiths: set[uuid.UUID] = set()
    for i in range(40):
        smith = Household(
            postcode=f"SE{1 + i % 20} {1 + i % 9}AB",
            members=[
                Member(
                    first_name=("John", "Mary", "David", "Sarah")[i % 4],
                    surname="Smith",
                    date_of_birth=date(1950, 1, 1) + timedelta(days=371 * i),
                    relationship=Relationship.LEAD,
                )
            ],
        )
        smiths.add(households.create_household(store, officer, smith).id)
    return Seeded(planted, smiths)


@pytest.fixture
def seeded(store: Store, officer: User) -> Seeded:
    return seed(store, officer)


@pytest.mark.slow
def test_scan_finds_planted_duplicates_with_high_precision_and_recall(
    store: Store, seeded: Seeded
) -> None:
    truth = {frozenset((p.original, p.duplicate)): p.kind for p in seeded.planted}
    pairs = duplicates.scan(store)
    flagged = {frozenset((p.first, p.second)) for p in pairs}
    found = flagged & truth.keys()
    recall = len(found) / len(truth)
    precision = len(found) / len(flagged)
    missed = sorted(kind for key, kind in truth.items() if key not in found)
    assert recall >= 0.9, f"recall {recall:.2f}; missed {missed}"
    assert precision >= 0.9, f"precision {precision:.2f} of {len(flagged)} flagged"
    # Every pair says why, and is in id order exactly once.
    assert all(p.reasons and p.first < p.second for p in pairs)
    assert len(flagged) == len(pairs)
    # Each kind of slip is found at least once.
    assert {truth[key] for key in found} == set(VARIANTS)


@pytest.mark.slow
def test_scan_leaves_namesakes_with_a_common_surname_alone(store: Store, seeded: Seeded) -> None:
    pairs = duplicates.scan(store)
    among_smiths = [p for p in pairs if p.first in seeded.smiths and p.second in seeded.smiths]
    assert among_smiths == []
    assert len(seeded.smiths) == 40


@pytest.mark.slow
def test_likely_matches_ranks_the_original_first_for_a_typed_duplicate(
    store: Store, seeded: Seeded
) -> None:
    misses = []
    for planted in seeded.planted:
        matches = duplicates.likely_matches(store, planted.typed)
        # The planted duplicate itself is saved too; the original must beat everything else.
        others = [m for m in matches if m.household_id != planted.duplicate]
        if not others or others[0].household_id != planted.original:
            misses.append(planted.kind)
        else:
            assert others[0].reasons
    assert len(misses) <= len(seeded.planted) // 10, misses


def test_likely_matches_uses_birth_date_and_postcode_only_once_whole(
    store: Store, officer: User
) -> None:
    saved = households.create_household(
        store,
        officer,
        Household(
            postcode="SE15 4QF",
            phone="07700 900123",
            members=[
                Member(first_name="Zoë", surname="O'Brien-Smith", date_of_birth=date(1985, 3, 12))
            ],
        ),
    )
    assert duplicates.likely_matches(store, {"surname": "Smith", "date_of_birth": "12/03/19"}) == []
    found = duplicates.likely_matches(
        store, {"first_name": "Zoe", "surname": "Smith", "date_of_birth": "12/03/1985"}
    )
    assert [m.household_id for m in found] == [saved.id]
    assert "hyphenated or changed surname" in found[0].why
    by_phone = duplicates.likely_matches(store, {"first_name": "Zoe", "phone": "+447700900123"})
    assert [m.household_id for m in by_phone] == [saved.id]
    assert "same phone number" in by_phone[0].reasons


def test_archived_households_are_not_offered(store: Store, officer: User) -> None:
    saved = households.create_household(
        store,
        officer,
        Household(
            postcode="SE15 4QF",
            members=[Member(first_name="Zoe", surname="Smith", date_of_birth=date(1985, 3, 12))],
        ),
    )
    fields = {"first_name": "Zoe", "surname": "Smith", "date_of_birth": "12/03/1985"}
    assert len(duplicates.likely_matches(store, fields)) == 1
    with store.unit_of_work() as session:
        row = session.get(HouseholdRow, saved.id)
        assert row is not None
        row.archived = True
        session.add(row)
    assert duplicates.likely_matches(store, fields) == []
    assert duplicates.scan(store) == []
