"""A merge and its undo travel between laptops like any change (SQLite and PostgreSQL).

The family is registered twice on two laptops (the second time with the surname
typed "Mensha"), each record with a visit, an approved package and its review.
A manager merges on laptop a; laptop b then shows one household with everything
of both, nothing lost and nothing doubled. An undo on b restores both everywhere.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Table
from sqlalchemy import select as sa_select

from caseworker.domain.household import Household
from caseworker.domain.packages import Package, PackageStatus
from caseworker.domain.rules import Adjustment
from caseworker.domain.users import Role, User
from caseworker.services import fund, households, packages, parked, reviews, users, visits
from caseworker.services.audit_check import verify_store
from caseworker.services.errors import NotFound
from caseworker.services.merge import merge_households, recent_merges, undo_merge
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import (
    AuditEventRow,
    FundEntryRow,
    HouseholdRow,
    PackageEventRow,
    PackageRow,
    VisitRow,
)
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears
from tests.sync.conftest import Laptop

TABLES = (
    HouseholdRow,
    VisitRow,
    PackageRow,
    PackageEventRow,
    FundEntryRow,
    ReviewRow,
    AuditEventRow,
    HouseholdMergeRow,
)


def _ids(store: Store) -> dict[str, list[uuid.UUID]]:
    """Every synced record's id, by table, with repeats kept (a doubled record shows)."""
    with store.read() as session:
        out = {}
        for model in TABLES:
            table: Table = model.__table__  # type: ignore[attr-defined]
            out[table.name] = sorted(session.execute(sa_select(table.c.id)).scalars())
        return out


def _case(laptop: Laptop, officer: User, household: Household) -> tuple[Household, Package]:
    """A household, a visit today and a £100 package proposed for it."""
    case = households.create_household(laptop.store, officer, household)
    visit = add_visit(laptop.store, officer, case, day=TODAY)
    proposed = packages.propose(
        laptop.store, officer, laptop.rules, visit.id, [Adjustment("5.1", 10_000)], TODAY
    )
    return case, proposed


def _typo() -> Household:
    """The family again, the surname typed "Mensha"."""
    typo = household_with_arrears(50_000)
    lead = typo.members[0].model_copy(update={"surname": "Mensha"})
    return typo.model_copy(update={"members": [lead]})


def _team(a: Laptop) -> tuple[User, User, User, User]:
    manager = users.create_first_manager(a.store, "Morgan Lee", "TM01", PASSWORD)
    other = users.add_user(a.store, manager, "Sam Roy", "TM02", Role.MANAGER, PASSWORD)
    jo = users.add_user(a.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    ali = users.add_user(a.store, manager, "Ali Khan", "AK01", Role.OFFICER, PASSWORD)
    fund.open_fund(a.store, manager, 200_000, TODAY)
    for officer in (jo, ali):
        fund.grant_allowance(a.store, manager, officer.id, 50_000, TODAY)
    return manager, other, jo, ali


@pytest.fixture
def family(laptops: list[Laptop]) -> tuple[User, Household, Household, Package, Package]:
    """The family registered on laptop a (a today's yes), and again on laptop b, where the
    second record's package went to a manager because of the first one's award."""
    a, b, _ = laptops
    manager, other, jo, ali = _team(a)
    kept, first = _case(a, jo, household_with_arrears(50_000))
    first = packages.approve_on_the_spot(a.store, jo, a.rules, first.id, TODAY)
    a.sync()
    b.sync()
    merged, second = _case(b, ali, _typo())
    assert second.route == "manager"
    packages.send_to_manager(b.store, ali, second.id)
    second = packages.approve(b.store, other, b.rules, second.id, TODAY)
    for laptop in (b, a):
        assert not laptop.sync().refused
    return manager, kept, merged, first, second


def test_merge_on_one_laptop_shows_everything_on_another(
    laptops: list[Laptop], family: tuple[User, Household, Household, Package, Package]
) -> None:
    a, b, _ = laptops
    manager, kept, merged, first, second = family
    before = _ids(a.shared)
    assert _ids(a.store) == _ids(b.store) == before

    record = merge_households(a.store, manager, kept.id, merged.id, "Same family: surname typo")
    assert a.sync().pushed.applied == 1
    b.sync()

    merged_ids = _ids(a.shared)
    for table, ids in before.items():
        assert set(ids) <= set(merged_ids[table]), f"{table}: a record was lost"
    assert len(merged_ids["audit_event"]) == len(before["audit_event"]) + 2
    assert len(merged_ids["household_merge"]) == 1
    for laptop in (a, b):
        assert _ids(laptop.store) == merged_ids, f"laptop {laptop.name} differs from the store"
        store = laptop.store
        assert {p.id for p in packages.packages_of(store, kept.id)} == {first.id, second.id}
        assert {v.household_id for v in visits.visits_of(store, kept.id)} == {kept.id, merged.id}
        assert {r.package_id for r in reviews.reviews_of(store, kept.id)} == {first.id, second.id}
        with pytest.raises(NotFound, match=f"merged into {kept.reference}"):
            households.get_household(store, merged.id)
        assert merged.reference not in {s.reference for s in households.search(store, "")}
        assert not {s.reference for s in households.search(store, "Mensha")}
        assert [m.id for m in recent_merges(store, manager)] == [record.id]
        assert verify_store(store)[1] is None
    assert verify_store(a.shared)[1] is None


def test_undo_on_the_other_laptop_restores_both_everywhere(
    laptops: list[Laptop], family: tuple[User, Household, Household, Package, Package]
) -> None:
    a, b, _ = laptops
    manager, kept, merged, first, second = family
    record = merge_households(a.store, manager, kept.id, merged.id, "Same family")
    a.sync()
    b.sync()

    undo_merge(b.store, manager, record.id)
    assert b.sync().pushed.applied == 1
    a.sync()

    for laptop in (a, b):
        store = laptop.store
        assert _ids(store) == _ids(a.shared)
        assert households.get_household(store, merged.id).reference == merged.reference
        assert [p.id for p in packages.packages_of(store, kept.id)] == [first.id]
        assert [p.id for p in packages.packages_of(store, merged.id)] == [second.id]
        assert [s.reference for s in households.search(store, "Mensha")] == [merged.reference]
        [shown] = recent_merges(store, manager)
        assert shown.undone and shown.undone_by == manager.name
        assert verify_store(store)[1] is None


def test_the_same_merge_made_on_two_laptops_is_kept_once(
    laptops: list[Laptop], family: tuple[User, Household, Household, Package, Package]
) -> None:
    """Two managers merge the same pair offline: the store keeps the first and refuses
    the second. The second laptop keeps its merge, parked with the store's reason, until
    its manager discards it (saying why); then it takes the store's copy."""
    a, b, _ = laptops
    manager, kept, merged, _first, _second = family
    other = users.sign_in(b.store, "TM02", PASSWORD)
    merge_households(a.store, manager, kept.id, merged.id, "Same family")
    merge_households(b.store, other, kept.id, merged.id, "Same family, seen at the hub")
    a.sync()
    report = b.sync()
    assert len(report.refused) == 1 and "already merged" in report.refused[0]
    [waiting] = parked.parked_changes(b.store)
    assert waiting.name == "households.merge" and "already merged" in waiting.reason
    assert len(_ids(b.store)["household_merge"]) == 2  # kept as the manager typed it
    parked.discard(
        b.store, other, waiting.client_id, waiting.mutation_id, "Merged already at the office"
    )
    b.sync()
    a.sync()
    assert parked.parked_changes(b.store) == []
    for laptop in (a, b):
        assert _ids(laptop.store) == _ids(a.shared)
        assert [m.merged_by for m in recent_merges(laptop.store, manager)] == [manager.name]
        assert verify_store(laptop.store)[1] is None


def test_a_yes_said_offline_to_a_duplicate_of_an_awarded_household_is_refused(
    laptops: list[Laptop],
) -> None:
    """Neither laptop knew of the other record: the store, which knows both, re-checks
    the second on-the-spot yes (6.1) and refuses it, saying which household and how much."""
    a, b, _ = laptops
    _manager, _other, jo, ali = _team(a)
    a.sync()
    b.sync()
    kept, first = _case(a, jo, household_with_arrears(50_000))
    packages.approve_on_the_spot(a.store, jo, a.rules, first.id, TODAY)
    _merged, second = _case(b, ali, _typo())
    assert second.route == "officer"  # b cannot know yet
    packages.approve_on_the_spot(b.store, ali, b.rules, second.id, TODAY)
    a.sync()
    report = b.sync()
    assert len(report.refused) == 1
    assert kept.reference in report.refused[0] and "£100.00" in report.refused[0]
    # Not accepted, but not lost: the yes stays on b, parked, until a person decides.
    assert packages.get_package(b.store, second.id).status is PackageStatus.APPROVED_ON_SPOT
    assert fund.allowance_left(b.store, ali, TODAY) == 40_000
    [waiting] = parked.parked_changes(b.store)
    assert waiting.reference == _merged.reference and "£100.00" in waiting.reason
    parked.discard(b.store, ali, waiting.client_id, waiting.mutation_id, "Already helped")
    b.sync()
    shown = packages.get_package(b.store, second.id)
    assert shown.status is PackageStatus.RECOMMENDED and shown.route == "manager"
    assert fund.allowance_left(b.store, ali, TODAY) == 50_000
