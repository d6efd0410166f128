"""``caseworker sync`` in fresh processes, on SQLite and PostgreSQL stores.

Each laptop is a data folder. Records are made through the services (as the
window makes them); every sync, listing and decision goes through the installed
``caseworker`` command in a new process that imported nothing of the tests: a
process that knew only some of the changes once refused, and so deleted, an
officer's new households.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from sqlmodel import col, func, select

from caseworker.domain.packages import PaymentMethod
from caseworker.domain.users import Role, User
from caseworker.services import fund, households, packages, users
from caseworker.store.database import Store
from caseworker.store.encryption import KEYRING_SERVICE, open_encrypted
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import AuditEventRow, HouseholdRow, PackageRow
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules


@contextmanager
def laptop(data: Path) -> Iterator[Store]:
    """The laptop's encrypted store, as the app opens it, for making records."""
    data.mkdir(parents=True, exist_ok=True)
    store = open_encrypted(data / "caseworker.db")
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def team_store(store_url: str) -> str:
    """A shared store made ready by IT, as the deploy guide says: ``caseworker store init``."""
    done = caseworker("store", "init", store_url)
    assert done.returncode == 0, done.stderr
    assert "Shared store ready" in done.stdout
    return store_url


def sync(data: Path, url: str) -> str:
    done = caseworker("sync", "--store", url, data=data)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def listed(data: Path) -> list[dict[str, str]]:
    done = caseworker("households", "--json", "--limit", "100", data=data)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, str]] = json.loads(done.stdout)
    return rows


def audit_entries(data: Path) -> int:
    with laptop(data) as store, store.read() as session:
        return int(session.exec(select(func.count()).select_from(AuditEventRow)).one())


def team(data: Path, allowance: int = 30_000) -> tuple[User, User]:
    with laptop(data) as store:
        manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
        officer = users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
        fund.open_fund(store, manager, 200_000, TODAY)
        fund.grant_allowance(store, manager, officer.id, allowance, TODAY)
    return manager, officer


def yes_today(data: Path, officer: User, arrears: int = 20_000) -> uuid.UUID:
    """A new household, a visit and an on-the-spot yes; the household's id."""
    with laptop(data) as store:
        case = households.create_household(store, officer, household_with_arrears(arrears))
        visit = add_visit(store, officer, case)
        package = packages.propose(store, officer, rules(), visit.id, [], TODAY)
        packages.approve_on_the_spot(store, officer, rules(), package.id, TODAY)
        return case.id


def reference(data: Path, household_id: uuid.UUID) -> str:
    """The household's case reference as this laptop shows it now (the store renumbers
    a reference two laptops of one officer both gave out offline)."""
    with laptop(data) as store:
        return households.get_household(store, household_id).reference


def test_a_command_line_sync_sends_every_household_and_deletes_none(
    tmp_path: Path, team_store: str
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _manager, officer = team(a)
    with laptop(a) as store:
        made = [
            households.create_household(store, officer, household_with_arrears(n)).reference
            for n in (10_000, 12_000)
        ]
        add_visit(
            store, officer, households.get_household(store, households.search(store, made[0])[0].id)
        )
    before = audit_entries(a)
    out = sync(a, team_store)
    assert "not accepted" not in out.replace("0 not accepted", "")
    assert sorted(r["reference"] for r in listed(a)) == sorted(made)
    assert audit_entries(a) == before
    assert caseworker("audit", "verify", data=a).returncode == 0
    sync(b, team_store)  # a second laptop, new: it pulls everything
    assert sorted(r["reference"] for r in listed(b)) == sorted(made)
    assert sync(a, team_store).startswith("Pushed 0 changes")  # nothing twice


def test_a_refused_yes_is_parked_and_later_changes_still_flow(
    tmp_path: Path, team_store: str
) -> None:
    """The officer's allowance spent on two laptops offline: the store refuses the second
    yes. It is kept and listed with the reason; the payment that depends on it waits; an
    edit to the household itself goes; the next sync runs cleanly; a discard settles it."""
    a, b = tmp_path / "a", tmp_path / "b"
    _manager, officer = team(a)
    sync(a, team_store)
    sync(b, team_store)
    yes_today(a, officer)
    refused, package_id = yes_today(b, officer), _last_package(b)
    with laptop(b) as store:
        case = households.get_household(store, refused)
        households.update_household(
            store, officer, case.model_copy(update={"phone": "020 7946 0009"})
        )
        packages.record_payment(store, officer, package_id, PaymentMethod.BANK_TRANSFER, "PAY-1")
    sync(a, team_store)
    out = sync(b, team_store)
    assert "Not accepted by the team store:" in out and "allowance" in out
    assert "1 not accepted, 1 waiting behind one" in out
    again = sync(b, team_store)  # never wedged: the next sync runs cleanly
    assert "2 changes not accepted are kept on this laptop" in again, (out, again, _outbox(b))

    refused_ref = reference(b, refused)
    problems = caseworker("sync", "--problems", data=b)
    assert problems.returncode == 0, problems.stderr
    assert f"1. Yes today (on-the-spot approval) for {refused_ref}" in problems.stdout
    assert "2. " in problems.stdout
    assert "Waiting behind a change that was not accepted" in problems.stdout
    marks = {r["reference"]: r["not_accepted"] for r in listed(b)}
    assert marks[refused_ref] is True  # kept as typed, and marked
    assert sum(marks.values()) == 1
    with _shared(team_store) as shared, shared.read() as session:
        phones = {r.reference: r.phone for r in session.exec(select(HouseholdRow))}
    assert phones[refused_ref] == "020 7946 0009"  # the edit did not wait

    sign = {"data": b, "stdin": PASSWORD + "\n"}
    no_why = caseworker("sync", "--discard", "1", "--as", "JS01", "--password-stdin", **sign)
    assert no_why.returncode == 2 and "say why" in no_why.stderr
    wrong = caseworker("sync", "--discard", "7", "--as", "JS01", "--password-stdin", **sign)
    assert wrong.returncode == 2 and "listed: 1 to 2" in wrong.stderr
    why = ["--why", "Helped on the other laptop"]
    done = caseworker("sync", "--discard", "1", *why, "--as", "JS01", "--password-stdin", **sign)
    assert done.returncode == 0, done.stderr
    sync(b, team_store)
    settled = caseworker("sync", "--problems", data=b).stdout
    assert "Every change on this laptop was accepted" in settled
    assert not any(r["not_accepted"] for r in listed(b))
    with laptop(b) as store:
        assert fund.allowance_left(store, officer, TODAY) == 10_000


def _outbox(data: Path) -> list[tuple[int, str, str]]:
    """The laptop's queue, to explain a failure."""
    with laptop(data) as store, store.read() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.mutation_id))).all()
        return [(r.mutation_id, r.name, r.state) for r in rows]


def _last_package(data: Path) -> uuid.UUID:
    with laptop(data) as store, store.read() as session:
        row = session.exec(select(PackageRow).order_by(col(PackageRow.created_at).desc())).first()
        assert row is not None
        return row.id


@contextmanager
def _shared(url: str) -> Iterator[Store]:
    store = Store.open_shared(url)
    try:
        yield store
    finally:
        store.dispose()


def test_a_copied_data_folder_keeps_every_change_and_applies_none_twice(
    tmp_path: Path, team_store: str
) -> None:
    """Another account on the same machine copies the data folder: same hostname, same
    identity. Both work offline; both sync. Nothing vanishes, nothing is doubled, the
    copy's allowance is not negative, and the managers are told."""
    a, copy = tmp_path / "a", tmp_path / "copy"
    _manager, officer = team(a, allowance=40_000)
    sync(a, team_store)
    shutil.copytree(a, copy)
    key = keyring.get_password(KEYRING_SERVICE, str((a / "caseworker.db").resolve()))
    assert key is not None
    keyring.set_password(KEYRING_SERVICE, str((copy / "caseworker.db").resolve()), key)
    first = yes_today(a, officer, arrears=10_000)
    second = yes_today(copy, officer, arrears=10_000)
    sync(a, team_store)
    out = sync(copy, team_store)
    assert "is a copy or was restored" in out
    sync(a, team_store)
    with _shared(team_store) as shared, shared.read() as session:
        refs = sorted(r.reference for r in session.exec(select(HouseholdRow)))
        told = session.exec(
            select(AuditEventRow).where(AuditEventRow.action == "copied data folder found")
        ).all()
    # Both households arrived, the copy's renumbered (the same officer gave out one
    # reference twice).
    assert refs == sorted({reference(a, first), reference(copy, second)})
    assert len(told) == 1
    for data in (a, copy):
        assert len(listed(data)) == 2
        with laptop(data) as store:
            assert fund.allowance_left(store, officer, TODAY) == 40_000 - 2 * 10_000


def test_the_sync_says_how_many_changes_the_team_store_is_still_applying() -> None:
    """A push the sync service kept but had not replayed when the laptop stopped waiting
    (answered 202): the officer is told those changes are not lost and not yet in."""
    from caseworker.cli.sync import pushed_lines
    from caseworker.sync.push import PushReport
    from caseworker.sync.run import SyncReport

    done = SyncReport(pushed=PushReport(applied=3), pulled_rows=7)
    assert pushed_lines(done) == [
        "Pushed 3 changes (0 not accepted, 0 waiting behind one, 0 already in the store); "
        "pulled 7 records."
    ]
    kept = SyncReport(pushed=PushReport(applied=3, queued=2000), pulled_rows=7)
    assert pushed_lines(kept)[1] == (
        "2000 more changes are with the team store, which is still applying them. They "
        "stay on this laptop until it confirms them, at the next sync."
    )
