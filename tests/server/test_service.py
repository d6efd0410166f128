"""The sync service as laptops and attackers meet it (SQLite file and PostgreSQL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator, Sequence
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from caseworker.domain.users import Role
from caseworker.services import devices, fund, households, users
from caseworker.services.audit_check import verify_store
from caseworker.services.audit_seal import Head, ServiceKeys, latest_head, verify
from caseworker.store.errors import ConnectionLost
from caseworker.store.sync_tables import OutboxRow, SyncClient, SyncMutation
from caseworker.store.tables import AuditEventRow, HouseholdRow
from caseworker.sync.http import HttpRemote, ServiceRefused
from caseworker.sync.push import Entry, PushReport
from caseworker.sync.remote import Part, Remote
from caseworker.sync.run import sync
from tests.conftest import PASSWORD, make_household
from tests.server.conftest import Service, ServiceLaptop, free_port
from tests.services.packages_fixtures import TODAY


def _team(laptop: ServiceLaptop) -> tuple[users.User, users.User]:
    manager = users.create_first_manager(laptop.store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(laptop.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(laptop.store, manager, 200_000, TODAY)
    fund.grant_allowance(laptop.store, manager, officer.id, 50_000, TODAY)
    users.sign_in(laptop.store, "JS01", PASSWORD)  # unlocks the officer's signing key
    return manager, officer


def test_health_and_openapi_answer_anyone_every_other_endpoint_needs_a_credential(
    service: Service,
) -> None:
    health = httpx.get(f"{service.url}/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    document = httpx.get(f"{service.url}/openapi.json").json()
    assert document["info"]["title"] == "Caseworker sync service"
    paths = document["paths"]
    assert {"/health", "/v1/enrol", "/v1/push", "/v1/pull", "/v1/hello"} <= set(paths)
    checked = 0
    for path, operations in paths.items():
        if path in ("/health", "/v1/enrol"):
            continue
        for method in operations:
            for headers in ({}, {"Authorization": "Bearer not-a-device"}):
                answer = httpx.request(method, f"{service.url}{path}", headers=headers, json={})
                assert answer.status_code == 401, (method, path, answer.text)
                assert "enrol" in answer.json()["detail"]
                checked += 1
    assert checked >= 12


def test_laptops_sync_through_the_service(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, b = service_laptops
    _manager, officer = _team(a)
    made = households.create_household(a.store, officer, make_household())
    report = a.sync()
    assert report.pushed.applied == 5
    assert report.status is not None and report.status.waiting == 0
    b.sync()
    assert households.get_household(b.store, made.id) == made
    assert users.sign_in(b.store, "JS01", PASSWORD).id == officer.id
    assert fund.allowance_left(b.store, officer, TODAY) == 50_000
    again = a.sync()
    assert again.pushed.applied == 0 and again.pulled_rows == 0
    for laptop in (a, b):
        assert verify_store(laptop.store)[1] is None
    with service.store.read() as session:  # the store knows which laptop sent each
        senders = {m.device_id for m in session.exec(select(SyncMutation))}
    assert senders == {uuid.UUID(a.device_id)}


def sealed_to_the_end(service: Service) -> Head:
    """The service seals right after a push, on its own thread: wait for the head that
    covers every entry (a minute at most, on a busy machine)."""
    deadline = time.monotonic() + 60
    while True:
        with service.store.read() as session:
            head = latest_head(session)
            last_seq = session.exec(select(func.max(AuditEventRow.seq))).one()
        if head is not None and head.last_seq == last_seq:
            return head
        assert time.monotonic() < deadline, "the service did not seal after the sync"
        time.sleep(0.05)


def test_the_service_signs_the_audit_head_at_each_sync_that_changed_the_store(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, _b = service_laptops
    assert service.keys is not None
    keys = ServiceKeys.load(service.keys)
    _manager, officer = _team(a)
    a.sync()
    first = sealed_to_the_end(service)
    assert first.signature_problem(keys.public_key) is None
    households.create_household(a.store, officer, make_household())
    a.sync()
    second = sealed_to_the_end(service)
    assert second.last_seq > first.last_seq and second.id > first.id
    assert verify(service.store, keys).intact


def test_a_revoked_laptop_is_refused_from_its_next_request_and_keeps_its_changes(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, _b = service_laptops
    _manager, officer = _team(a)
    a.sync()
    devices.revoke(service.store, None, uuid.UUID(a.device_id))
    kept = households.create_household(a.store, officer, make_household(phone="07700 900123"))
    with pytest.raises(ServiceRefused, match="revoked"):
        a.sync()
    with a.store.read() as session:
        assert session.exec(select(OutboxRow).where(OutboxRow.state == "pending")).all()
    assert households.get_household(a.store, kept.id).phone == "07700 900123"
    with service.store.read() as session:
        assert session.get(HouseholdRow, kept.id) is None


def test_a_laptop_cannot_push_under_another_laptops_identity(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, b = service_laptops
    _manager, officer = _team(a)
    a.sync()
    with a.store.read() as session:
        client = session.get(SyncClient, 1)
        assert client is not None
        a_id = client.client_id
    households.create_household(a.store, officer, make_household())
    from caseworker.sync.run import outgoing

    out = outgoing(a.store)
    with pytest.raises(ServiceRefused, match="another laptop"):
        b.remote.push(a_id, out.entries, out.blocked)
    with service.store.read() as session:
        assert len(session.exec(select(HouseholdRow)).all()) == 0


def test_an_enrolment_code_works_once(service: Service) -> None:
    code = devices.make_code(service.store, None)
    first = httpx.post(f"{service.url}/v1/enrol", json={"code": code, "name": "one"})
    assert first.status_code == 200
    again = httpx.post(f"{service.url}/v1/enrol", json={"code": code, "name": "two"})
    assert again.status_code == 401 and "used already" in again.json()["detail"]
    wrong = httpx.post(f"{service.url}/v1/enrol", json={"code": "AAAA-BBBB-CCCC", "name": "x"})
    assert wrong.status_code == 401


class _CutOff:
    """A remote whose pages stop after ``parts`` parts, as a dropped connection does."""

    def __init__(self, inner: Remote, parts: int) -> None:
        self._inner, self._parts = inner, parts

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def page(self, client_id: uuid.UUID, after: int, upto: int) -> Generator[Part, None, None]:
        with closing(self._inner.page(client_id, after, upto)) as parts:
            for count, part in enumerate(parts):
                if count == self._parts:
                    raise ConnectionLost(shared=True)
                yield part

    def push(self, client_id: uuid.UUID, entries: list[Entry], blocked: set[str]) -> PushReport:
        return self._inner.push(client_id, entries, blocked)

    def rows(self, touched: Sequence[Sequence[str]]) -> Generator[Part, None, None]:
        return self._inner.rows(touched)


def test_a_first_pull_cut_off_half_way_resumes_where_it_stopped(
    service_laptops: list[ServiceLaptop],
) -> None:
    a, b = service_laptops
    _manager, officer = _team(a)
    for number in range(30):
        households.create_household(a.store, officer, make_household(phone=f"07700 9{number:05}"))
        if number % 10 == 9:
            a.sync()  # three store versions apart
    with pytest.raises(ConnectionLost):
        sync(b.store, _CutOff(b.remote, 3), b.rules)  # type: ignore[arg-type]
    with b.store.read() as session:
        cursor = session.get(SyncClient, 1)
        assert cursor is not None
        stopped_at = cursor.cursor
        half = len(session.exec(select(HouseholdRow)).all())
    assert stopped_at >= 0 and half < 30  # the page cut off left nothing of itself
    b.sync()
    with b.store.read() as session:
        assert len(session.exec(select(HouseholdRow)).all()) == 30


class _Flaky(httpx.BaseTransport):
    """Fails the first ``failures`` requests on the way, then passes them on."""

    def __init__(self, failures: int) -> None:
        self.failures, self.sent = failures, 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent <= self.failures:
            raise httpx.ConnectError("connection refused", request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_a_failed_upload_is_tried_again_with_backoff(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    a, _b = service_laptops
    _team(a)
    token = service.enrol("flaky")[1]
    waits: list[float] = []
    flaky = _Flaky(failures=3)
    with closing(HttpRemote(service.url, token, transport=flaky, sleep=waits.append)) as remote:
        report = sync(a.store, remote, a.rules)
    assert report.pushed.applied == 4
    assert waits == [0.5, 1.0, 2.0]  # each wait twice the one before
    gone = HttpRemote(service.url, token, transport=_Flaky(failures=99), sleep=waits.append)
    with closing(gone), pytest.raises(ConnectionLost):
        sync(a.store, gone, a.rules)


def test_audit_verify_finds_a_change_not_signed_by_its_author(
    service: Service, service_laptops: list[ServiceLaptop]
) -> None:
    """A superuser making an officer's change look like the manager's is found."""
    a, _b = service_laptops
    assert service.keys is not None
    keys = ServiceKeys.load(service.keys)
    manager, officer = _team(a)
    households.create_household(a.store, officer, make_household())
    a.sync()
    sealed_to_the_end(service)
    assert verify(service.store, keys).intact
    with service.store.unit_of_work() as session:
        answer = session.exec(
            select(SyncMutation).where(SyncMutation.name == "households.create")
        ).one()
        answer.actor_id = manager.id
        session.add(answer)
    report = verify(service.store, keys)
    assert not report.intact
    assert any(
        "households.create" in f.what and "not signed by its author TM01" in f.what
        for f in report.findings
    )


def test_two_instances_serve_one_store(
    service: Service, service_laptops: list[ServiceLaptop], tmp_path: Path
) -> None:
    """The service keeps no state of its own: a second instance on the same store and
    keys folder (as behind a load balancer) serves the same laptops."""
    a, b = service_laptops
    second = Service(
        f"http://127.0.0.1:{free_port()}",
        service.store_url,
        service.store,
        log=tmp_path / "second.log",
        keys=service.keys,
    )
    second.start()
    try:
        _manager, officer = _team(a)
        a.sync()  # through the first
        with closing(HttpRemote(second.url, b.token)) as other:
            sync(b.store, other, b.rules)  # b through the second
            made = households.create_household(b.store, officer, make_household())
            assert sync(b.store, other, b.rules).pushed.applied == 1
        a.sync()
        assert households.get_household(a.store, made.id) == made
        assert service.keys is not None
        sealed_to_the_end(service)
        assert verify(service.store, ServiceKeys.load(service.keys)).intact
    finally:
        second.stop()
