"""Laptops that try what they may not, through the sync service: each is refused and
the store is left as it was. (Signatures: tests/sync/test_signed_push.py; revoked
devices and another laptop's identity: test_service.py.)"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from contextlib import closing
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from caseworker.domain.users import Role, User
from caseworker.services import fund, households, users
from caseworker.store.errors import ConnectionLost
from caseworker.store.sync_tables import OutboxRow, SyncClientState, SyncMutation
from caseworker.store.tables import FundEntryRow, HouseholdRow, VisitRow
from caseworker.sync.http import HttpRemote, ServiceRefused
from caseworker.sync.run import outgoing, sync
from tests.conftest import PASSWORD, make_household
from tests.server.conftest import Service, ServiceLaptop
from tests.services.packages_fixtures import TODAY, add_visit


def _team(laptop: ServiceLaptop, budget: int = 100_000) -> tuple[User, User]:
    manager = users.create_first_manager(laptop.store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(laptop.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(laptop.store, manager, budget, TODAY)
    fund.grant_allowance(laptop.store, manager, officer.id, 20_000, TODAY)
    users.sign_in(laptop.store, "JS01", PASSWORD)
    return manager, officer


def _counts(service: Service) -> tuple[int, int, int]:
    with service.store.read() as session:
        return (
            session.exec(select(func.count()).select_from(HouseholdRow)).one(),
            session.exec(select(func.count()).select_from(FundEntryRow)).one(),
            session.exec(select(func.count()).select_from(SyncMutation)).one(),
        )


def test_changes_sent_out_of_order_are_refused_whole(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, _b = service_laptops
    _team(a)
    a.sync()
    households.create_household(a.store, a_officer(a), make_household())
    households.create_household(a.store, a_officer(a), make_household(phone="07700 900222"))
    out = outgoing(a.store)
    before = _counts(service)
    with pytest.raises(ServiceRefused, match="expected change"):
        a.remote.push(out.client_id, out.entries[1:], out.blocked)  # the first left out
    assert _counts(service) == before
    assert a.sync().pushed.applied == 2  # sent in order, both go


def a_officer(laptop: ServiceLaptop) -> User:
    return users.sign_in(laptop.store, "JS01", PASSWORD)


def test_a_grant_that_would_overspend_the_fund_is_refused_and_flagged(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, b = service_laptops
    _manager, officer = _team(a, budget=30_000)
    a.sync()
    b.sync()
    # Laptop b's own copy of the ledger is doctored to show money the fund never had.
    with b.store.unit_of_work() as session:
        entry = session.exec(select(FundEntryRow)).first()
        assert entry is not None
        session.execute(
            text(
                "INSERT INTO fund_entry (id, fund_id, kind, amount_pence, officer_id, at,"
                " actor_id, server_version) SELECT :id, fund_id, kind, 500000, NULL, at,"
                " actor_id, NULL FROM fund_entry WHERE id = :first"
            ),
            {"id": uuid.uuid4().hex, "first": entry.id.hex},
        )
    manager = users.sign_in(b.store, "TM01", PASSWORD)  # the manager's own signature
    fund.grant_allowance(b.store, manager, officer.id, 200_000, TODAY)
    before = _counts(service)
    report = b.sync()
    assert report.pushed.refused == 1
    after = _counts(service)
    assert after[:2] == before[:2]  # no ledger row
    with service.store.read() as session:
        refused = session.exec(select(SyncMutation).where(SyncMutation.status == "refused")).one()
    assert refused.flagged and refused.name == "fund.grant_allowance"


def test_a_visit_for_a_household_the_store_does_not_have_is_refused(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    """As another team's household would be: the store knows nothing of it."""
    a, _b = service_laptops
    _team(a)
    a.sync()
    officer = a_officer(a)
    stranger = households.create_household(a.store, officer, make_household())
    add_visit(a.store, officer, stranger)
    out = outgoing(a.store)
    visit = next(e for e in out.entries if e.name == "visits.record")
    # Sent alone, as the next change: its household's creation never reaches the store.
    alone = replace(visit, mutation_id=service_last(service, out.client_id) + 1)
    report = a.remote.push(out.client_id, [alone], set())
    assert report.refused == 1
    with service.store.read() as session:
        assert session.exec(select(VisitRow)).all() == []
        assert session.get(HouseholdRow, stranger.id) is None


def service_last(service: Service, client_id: uuid.UUID) -> int:
    with service.store.read() as session:
        state = session.get(SyncClientState, client_id)
        return state.last_mutation_id if state else 0


def test_the_service_killed_mid_push_loses_nothing_and_applies_nothing_twice(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, _b = service_laptops
    _team(a)
    a.sync()
    officer = a_officer(a)
    made = [
        households.create_household(a.store, officer, make_household(phone=f"07700 8{n:05}")).id
        for n in range(600)  # three batches of 250 and one of 100
    ]
    out = outgoing(a.store)
    killed = threading.Event()

    def kill_after_first_batch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if service_last(service, out.client_id) >= out.entries[0].mutation_id + 249:
                service.stop(signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=kill_after_first_batch)
    watcher.start()
    impatient = HttpRemote(service.url, a.token, sleep=lambda _seconds: None)
    with closing(impatient), pytest.raises(ConnectionLost):
        sync(a.store, impatient, a.rules)
    watcher.join()
    assert killed.is_set()
    part_way = service_last(service, out.client_id)
    assert out.entries[0].mutation_id + 249 <= part_way < out.entries[-1].mutation_id
    service.start()
    a.sync()
    with service.store.read() as session:
        stored = session.exec(select(HouseholdRow.id)).all()
        applied = session.exec(
            select(func.count())
            .select_from(SyncMutation)
            .where(SyncMutation.client_id == out.client_id)
        ).one()
    assert set(made) <= set(stored) and len(stored) == len(set(stored)) == 600
    assert applied == out.entries[-1].mutation_id  # each change answered once
    with a.store.read() as session:
        assert session.exec(select(OutboxRow)).all() == []
