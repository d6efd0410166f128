"""The machine's problems reach the officer in plain words, and nothing saved is lost.

Each test makes the problem happen for real where the machine allows it (SQLite
runs out of pages, a second connection holds the lock, PostgreSQL drops the
connection) and then checks the message and that what was saved before is intact.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from caseworker import paths
from caseworker.domain.errors import CaseworkerError, EnvironmentProblem, Refused
from caseworker.domain.users import Role, User
from caseworker.logs import ErrorNotifier
from caseworker.services import households, users
from caseworker.services.errors import NotFound, ServiceError
from caseworker.store.database import Store, _sqlite_engine
from caseworker.store.errors import (
    ConnectionLost,
    DiskFull,
    FolderReadOnly,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    translate,
)
from tests.conftest import PASSWORD, make_household

PG_SERVER = os.environ.get("CASEWORKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _saved(store: Store) -> list[str]:
    return sorted(s.reference for s in households.search(store, "", 0, 1000))


def _intact(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    finally:
        conn.close()


# -- the family ------------------------------------------------------------------------


def test_the_family_has_one_root_and_two_branches_with_their_exit_codes() -> None:
    assert issubclass(ServiceError, Refused) and issubclass(NotFound, Refused)
    assert issubclass(StoreError, EnvironmentProblem)
    for problem in (DiskFull, FolderReadOnly, StoreBusy, ConnectionLost):
        assert issubclass(problem, StoreUnavailable)  # old handlers still catch them
    assert issubclass(Refused, CaseworkerError) and issubclass(EnvironmentProblem, CaseworkerError)
    assert (Refused.exit_code, EnvironmentProblem.exit_code) == (2, 3)
    assert not issubclass(Refused, EnvironmentProblem)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), DiskFull),
        (sqlite3.OperationalError("database or disk is full"), DiskFull),
        (OSError(errno.EROFS, "Read-only file system"), FolderReadOnly),
        (PermissionError(errno.EACCES, "Permission denied"), FolderReadOnly),
        (sqlite3.OperationalError("attempt to write a readonly database"), FolderReadOnly),
        (sqlite3.OperationalError("database is locked"), StoreBusy),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), ConnectionLost),
    ],
)
def test_raw_errors_are_named(raw: BaseException, named: type[EnvironmentProblem]) -> None:
    wrapped = OperationalError("INSERT ...", {}, raw)  # as SQLAlchemy hands them over
    for exc in (raw, wrapped):
        assert type(translate(exc)) is named


def test_each_problem_says_what_happened_that_nothing_was_lost_and_what_to_do() -> None:
    for problem in (DiskFull, FolderReadOnly, StoreBusy, ConnectionLost):
        for shared in (False, True):
            words = str(problem(shared=shared))
            assert "Nothing" in words and "lost" in words, words
            assert "try again" in words, words
            assert "Traceback" not in words and "Error" not in words
    assert "disk" not in str(ConnectionLost(shared=True))  # the bug this family fixes
    assert "shared store" in str(DiskFull(shared=True))
    assert "laptop's disk" in str(DiskFull())


def test_bugs_and_refusals_are_not_environment_problems() -> None:
    assert translate(ValueError("database is locked")) is None  # a bug's text is not read
    assert translate(KeyError("x")) is None
    assert translate(NotFound("No such household.")) is None
    assert translate(sqlite3.OperationalError("no such table: households")) is None
    busy = StoreBusy()
    assert translate(busy) is busy


# -- the local store, for real --------------------------------------------------------


def _on_every_connection(store: Store, pragma: str) -> None:
    """Run ``pragma`` on each new connection of ``store`` (the pool is emptied first)."""

    def _apply(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(pragma)

    event.listen(store.engine, "connect", _apply)
    store.engine.dispose()


def test_disk_full_says_so_and_keeps_what_was_saved(store: Store, officer: User) -> None:
    first = households.create_household(store, officer, make_household())
    pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
    # The store may grow by a few pages, then SQLite finds the "disk" full.
    _on_every_connection(store, f"PRAGMA max_page_count = {int(pages or 0) + 3}")
    saved = [first.reference]
    with pytest.raises(DiskFull) as raised:
        for n in range(500):
            made = households.create_household(
                store, officer, make_household(address_line1=f"{n} Rye Lane " + "x" * 150)
            )
            saved.append(made.reference)
    assert str(raised.value) == DiskFull.LOCAL
    assert len(saved) < 500
    assert _saved(store) == sorted(saved)  # every household saved before is still there
    assert households.get_household(store, first.id).address_line1 == "12 Rye Lane"
    assert _intact(paths.local_store_path())


def test_busy_store_says_wait_and_keeps_what_was_saved(store: Store, officer: User) -> None:
    first = households.create_household(store, officer, make_household())
    _on_every_connection(store, "PRAGMA busy_timeout = 50")  # not the usual 10 seconds
    other = sqlite3.connect(paths.local_store_path(), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another window in the middle of a write
    try:
        with pytest.raises(StoreBusy) as raised:
            households.create_household(store, officer, make_household(postcode="SE22 8QW"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(raised.value) == StoreBusy.LOCAL
    assert _saved(store) == [first.reference]
    again = households.create_household(store, officer, make_household(postcode="SE22 8QW"))
    assert _saved(store) == sorted([first.reference, again.reference])
    assert _intact(paths.local_store_path())


@pytest.fixture
def read_only_store(store: Store, officer: User) -> Iterator[tuple[Store, str]]:
    """The store after its folder became read-only, and the reference saved before.

    As a normal user the folder and file are made read-only with chmod. Root ignores
    file permissions, so there SQLite itself opens the file read-only (``mode=ro``),
    which is what it does for a normal user who may not write it.
    """
    first = households.create_household(store, officer, make_household())
    store.dispose()
    path = paths.local_store_path()
    folder = path.parent
    modes = {p: p.stat().st_mode for p in [folder, *folder.glob("caseworker.db*")]}
    if os.geteuid() != 0:
        for p in modes:
            p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
        engine = _sqlite_engine(path)
    else:
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        yield Store(engine, keeps_outbox=True), first.reference
    finally:
        engine.dispose()
        for p, mode in modes.items():
            p.chmod(mode)


def test_read_only_folder_says_so_and_keeps_what_was_saved(
    read_only_store: tuple[Store, str], officer: User
) -> None:
    locked, reference = read_only_store
    assert _saved(locked) == [reference]
    with pytest.raises(FolderReadOnly) as raised:
        households.create_household(locked, officer, make_household(postcode="SE22 8QW"))
    assert str(raised.value) == FolderReadOnly.LOCAL
    assert _saved(locked) == [reference]
    assert _intact(paths.local_store_path())


# -- the shared store on PostgreSQL ------------------------------------------------------


@pytest.fixture
def pg_store() -> Iterator[tuple[Store, Any]]:
    """A fresh shared store on the PostgreSQL server, and an admin engine beside it."""
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    name = f"cw_errors_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store.open_shared(f"{PG_SERVER}/{name}", upgrade=True)
    try:
        yield store, admin
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_lost_connection_says_so_not_disk_full_and_keeps_what_was_saved(
    pg_store: tuple[Store, Any],
) -> None:
    shared, admin = pg_store
    manager = users.create_first_manager(shared, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(shared, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    first = households.create_household(shared, officer, make_household())
    # One transaction, as a sync push replays changes: the server drops it midway.
    with (
        pytest.raises(ConnectionLost) as raised,
        shared.unit_of_work() as session,
        shared.joined(session),
    ):
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        households.create_household(shared, officer, make_household(postcode="SE22 8QW"))
    message = str(raised.value)
    assert message == ConnectionLost.SHARED
    assert "disk" not in message
    assert _saved(shared) == [first.reference]  # a new connection: the first is there
    assert households.get_household(shared, first.id).postcode == "SE15 4QF"
    households.create_household(shared, officer, make_household(postcode="SE22 8QW"))
    assert len(_saved(shared)) == 2


# -- the notifier the window subscribes to ------------------------------------------------


def test_notifier_shows_an_environment_problem_in_its_own_words_and_a_bug_as_a_bug() -> None:
    shown: list[str] = []
    notifier = ErrorNotifier()
    notifier.subscribe(shown.append)
    notifier.report(OSError(errno.ENOSPC, "No space left on device"))
    notifier.report(ConnectionLost(shared=True))
    notifier.report(ValueError("x"))
    assert shown[:2] == [DiskFull.LOCAL, ConnectionLost.SHARED]
    assert shown[2].startswith("Something went wrong inside Caseworker")
    assert "ValueError" in shown[2]
