"""Push and pull between laptops through the shared store (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from caseworker.domain.users import Role, User
from caseworker.services import fund, households, packages, parked, retention, users
from caseworker.services.audit_check import verify_store
from caseworker.services.outbox import client_row
from caseworker.store.database import Store
from caseworker.store.errors import StoreUnavailable
from caseworker.store.sync_tables import HouseholdConflict, OutboxRow
from caseworker.store.tables import AuditEventRow, HouseholdRow
from caseworker.sync.run import sync
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears
from tests.sync.conftest import Laptop


def _team(a: Laptop, allowance: int = 50_000) -> tuple[User, User]:
    manager = users.create_first_manager(a.store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(a.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(a.store, manager, 200_000, TODAY)
    fund.grant_allowance(a.store, manager, officer.id, allowance, TODAY)
    return manager, officer


def test_changes_reach_another_laptop_once(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    _manager, officer = _team(a)
    created = households.create_household(a.store, officer, make_household())
    report = a.sync()
    assert report.pushed.applied == 5 and report.status is not None
    assert report.status.waiting == 0
    b.sync()
    assert households.get_household(b.store, created.id) == created
    assert users.sign_in(b.store, "JS01", PASSWORD).id == officer.id
    assert fund.allowance_left(b.store, officer, TODAY) == 50_000
    # A second sync with nothing to do changes nothing.
    again = a.sync()
    assert again.pushed.applied == 0 and again.pulled_rows == 0
    for laptop in (a, b):
        with laptop.store.read() as session:
            ids = session.exec(select(AuditEventRow.id)).all()
        assert len(ids) == len(set(ids))
        assert verify_store(laptop.store)[1] is None
    assert verify_store(a.shared)[1] is None


def test_every_edit_of_one_household_in_one_push_lands(laptops: list[Laptop]) -> None:
    """A push reads a run of household edits ahead; a second edit, or one after a
    visit, must still merge with the first, not with what was read ahead."""
    a, b, _ = laptops
    _manager, officer = _team(a)
    case = households.create_household(a.store, officer, make_household())
    a.sync()
    case = households.update_household(
        a.store, officer, case.model_copy(update={"phone": "07700 900001"})
    )
    case = households.update_household(
        a.store, officer, case.model_copy(update={"town": "Peckham"})
    )
    add_visit(a.store, officer, case)
    case = households.update_household(
        a.store, officer, case.model_copy(update={"phone": "07700 900002"})
    )
    report = a.sync()
    assert (report.pushed.applied, report.pushed.refused) == (4, 0)
    b.sync()
    for laptop in (a, b):
        assert households.get_household(laptop.store, case.id) == case
        with laptop.store.read() as session:
            assert session.exec(select(HouseholdConflict)).all() == []
            entries = session.exec(
                select(AuditEventRow.action).where(AuditEventRow.entity_id == case.id)
            ).all()
        assert entries.count("updated") == 3


def test_same_field_on_two_laptops_is_one_conflict_with_both_values(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    manager, officer = _team(a)
    created = households.create_household(a.store, officer, make_household(phone="020 7946 0001"))
    a.sync()
    b.sync()
    households.update_household(
        a.store, officer, created.model_copy(update={"phone": "07700 900001"})
    )
    on_b = households.get_household(b.store, created.id)
    households.update_household(
        b.store, manager, on_b.model_copy(update={"phone": "07700 900002", "town": "Peckham"})
    )
    a.sync()
    b.sync()
    a.sync()
    for laptop in (a, b):
        with laptop.store.read() as session:
            conflicts = session.exec(select(HouseholdConflict)).all()
        assert [(c.field, c.store_value, c.their_value) for c in conflicts] == [
            ("phone", '"07700 900001"', '"07700 900002"')
        ]
        merged = households.get_household(laptop.store, created.id)
        assert merged.phone == "07700 900001"  # the store's value stands until resolved
        assert merged.town == "Peckham"  # a different field merges
    # One audit trail: each laptop's entries are the store's, by id and by content
    # (b's own "updated" entry is replaced by the store's, which records the conflict).
    with a.shared.read() as session:
        store_trail = _trail(session)
    for laptop in (a, b):
        with laptop.store.read() as session:
            assert _trail(session) == store_trail
        assert verify_store(laptop.store)[1] is None


def _trail(session: Session) -> dict[uuid.UUID, tuple[str, str]]:
    return {r.id: (r.action, r.payload_digest) for r in session.exec(select(AuditEventRow))}


def test_refused_spend_is_parked_then_taken_back_when_discarded(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    _manager, officer = _team(a, allowance=30_000)
    a.sync()
    b.sync()
    # The same officer's allowance (£300) spent on two laptops offline: a clone.
    spent = []
    for laptop in (a, b):
        case = households.create_household(laptop.store, officer, household_with_arrears(20_000))
        visit = add_visit(laptop.store, officer, case)
        package = packages.propose(laptop.store, officer, laptop.rules, visit.id, [], TODAY)
        spent.append(
            packages.approve_on_the_spot(laptop.store, officer, laptop.rules, package.id, TODAY)
        )
    # A change after the refused one, in the same push batch, still lands.
    later = households.update_household(
        b.store, officer, case.model_copy(update={"phone": "07700 900123"})
    )
    a.sync()
    report = b.sync()
    assert len(report.refused) == 1 and "allowance" in report.refused[0]
    assert (report.pushed.applied, report.pushed.refused) == (4, 1)
    # What the batch did before the refused change is kept whole, its audit included.
    with b.shared.read() as session:
        actions = session.exec(
            select(AuditEventRow.action).where(AuditEventRow.household_id == case.id)
        ).all()
    assert sorted(actions) == ["created", "recommended", "recorded", "updated"]
    assert verify_store(b.shared)[1] is None
    with b.store.read() as session:
        [refused] = session.exec(select(OutboxRow).where(OutboxRow.state == "parked")).all()
    assert refused.name == "packages.approve_on_the_spot" and "allowance" in refused.reason
    # Not accepted, never deleted: b keeps the yes as typed until a person decides.
    assert packages.get_package(b.store, spent[1].id).status.value == "approved_on_the_spot"
    assert fund.allowance_left(b.store, officer, TODAY) == -10_000
    assert verify_store(b.store)[1] is None
    a.sync()
    assert fund.allowance_left(a.store, officer, TODAY) == 10_000
    assert households.get_household(a.store, later.id).phone == "07700 900123"
    # Discarded (a decision, with a reason): b takes the store's truth.
    parked.discard(b.store, officer, refused.client_id, refused.mutation_id, "Duplicate yes")
    b.sync()
    assert packages.get_package(b.store, spent[1].id).status.value == "recommended"
    assert fund.allowance_left(b.store, officer, TODAY) == 10_000
    assert verify_store(b.store)[1] is None


def test_edit_against_archive_is_a_conflict_not_a_resurrection(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    manager, officer = _team(a)
    created = households.create_household(a.store, officer, make_household(phone="020 7946 0001"))
    a.sync()
    b.sync()
    retention.deidentify(a.store, manager, created.id)
    on_b = households.get_household(b.store, created.id)
    households.update_household(b.store, officer, on_b.model_copy(update={"town": "Peckham"}))
    a.sync()
    b.sync()
    a.sync()
    for laptop in (a, b):
        with laptop.store.read() as session:
            row = session.get(HouseholdRow, created.id)
            conflicts = session.exec(select(HouseholdConflict)).all()
        assert row is not None and row.archived and row.town == ""
        assert [(c.field, c.their_value) for c in conflicts] == [("town", '"Peckham"')]


def test_store_refuses_changes_to_decisions_ledger_and_audit(laptops: list[Laptop]) -> None:
    """The shared store itself (not just the app) keeps these tables append-only."""
    a, _, _ = laptops
    _manager, officer = _team(a)
    case = households.create_household(a.store, officer, household_with_arrears(20_000))
    visit = add_visit(a.store, officer, case)
    package = packages.propose(a.store, officer, a.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(a.store, officer, a.rules, package.id, TODAY)
    a.sync()
    for table in ("audit_event", "package_event", "fund_entry"):
        for statement in (f"UPDATE {table} SET amount_pence = 0", f"DELETE FROM {table}"):
            if table == "audit_event":
                statement = statement.replace("amount_pence = 0", "action = 'x'")
            if table == "package_event":
                statement = statement.replace("amount_pence = 0", "status = 'paid'")
            with a.shared.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))


def test_copied_laptop_gets_a_new_client_id_and_loses_nothing(
    laptops: list[Laptop], tmp_path: Path
) -> None:
    a, b, _ = laptops
    _manager, officer = _team(a)
    a.sync()
    households.create_household(a.store, officer, make_household())
    # The disk is copied to a new laptop before a's change is pushed; a syncs first.
    copy = tmp_path / "copy.db"
    with sqlite3.connect(a.store.engine.url.database or "") as source, sqlite3.connect(copy) as to:
        source.backup(to)
    a.sync()
    clone = Store.open_local(copy)
    with clone.unit_of_work() as session:
        client_row(session).machine = "another-laptop"
    later = households.create_household(clone, officer, make_household(phone="07700 900009"))
    report = sync(clone, a.shared, a.rules)
    assert report.new_client_id
    assert report.pushed.duplicates == 1 and report.pushed.applied == 1
    b.sync()
    with b.store.read() as session:
        assert len(session.exec(select(HouseholdRow)).all()) == 2
    assert households.get_household(b.store, later.id).phone == "07700 900009"
    clone.dispose()


def test_unreachable_store_says_try_again_and_keeps_the_outbox(tmp_path: Path) -> None:
    laptop = Store.open_local(tmp_path / "laptop.db")
    manager = users.create_first_manager(laptop, "Morgan Lee", "TM01", PASSWORD)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        Store.open_shared("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
    with laptop.read() as session:
        [entry] = session.exec(select(OutboxRow)).all()
    assert entry.name == "users.add" and entry.actor_id is None
    assert users.sign_in(laptop, "TM01", PASSWORD).id == manager.id
    laptop.dispose()
