"""Environment errors: the machine or a store is the problem, not the request.

Each carries a message in plain words that says what happened, that nothing
already saved was lost, and what to do next. ``translate`` is the one place
that reads raw SQLite, PostgreSQL and operating-system errors and names the
problem, so a lost connection is never described as a full disk.

This module imports neither SQLAlchemy nor a database driver: the command line
uses it to explain an error without loading them.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import ClassVar

from caseworker.domain.errors import EnvironmentProblem


class StoreError(EnvironmentProblem):
    """A problem with a store that the user (or IT) can fix."""


class StoreUnreadable(StoreError):
    pass


class StoreTooNew(StoreError):
    pass


class StoreUnavailable(StoreError):
    """The store could not be used just now; the work can be done again later."""


class _Explained(StoreUnavailable):
    """A named problem with one message for this laptop's store and one for the team's."""

    LOCAL: ClassVar[str]
    SHARED: ClassVar[str]

    def __init__(self, message: str | None = None, *, shared: bool = False) -> None:
        self.shared = shared
        super().__init__(message or (self.SHARED if shared else self.LOCAL))


class DiskFull(_Explained):
    LOCAL = (
        "This laptop's disk is full, so this step was not saved. Nothing saved before "
        "was lost. Free some space (empty the Downloads folder or the recycle bin), then "
        "try again."
    )
    SHARED = (
        "The team's shared store has run out of disk space, so it did not take these "
        "changes. Nothing was lost: they are kept on this laptop. Tell IT the shared "
        "store is full; sync will try again."
    )


class FolderReadOnly(_Explained):
    LOCAL = (
        "Caseworker may not write to its data folder (it is read-only, or your account "
        "lacks permission), so this step was not saved. Nothing saved before was lost. "
        "Ask IT to make the folder writable for you, then try again."
    )
    SHARED = (
        "The team's shared store is not accepting changes (it is read-only, or this "
        "login may not write to it). Nothing was lost: your changes are kept on this "
        "laptop. Tell IT; sync will try again."
    )


class StoreBusy(_Explained):
    LOCAL = (
        "The case store is busy with another Caseworker window or a sync, so this step "
        "was not saved. Nothing saved before was lost. Wait a moment, then try again."
    )
    SHARED = (
        "The team's shared store is busy with another laptop's sync. Nothing was lost: "
        "your changes are kept on this laptop. Sync will try again in a few minutes."
    )


class ConnectionLost(_Explained):
    LOCAL = (
        "The connection to the case store was lost, so this step was not saved. Nothing "
        "saved before was lost. Check the network, then try again."
    )
    SHARED = (
        "The connection to the team's shared store was lost. Nothing was lost: your "
        "changes are kept on this laptop and sync will try again. If it keeps happening, "
        "check the network (or VPN) and tell IT."
    )


_OS_ERRNOS: dict[int, type[_Explained]] = {
    errno.ENOSPC: DiskFull,
    errno.EDQUOT: DiskFull,
    errno.EROFS: FolderReadOnly,
    errno.EACCES: FolderReadOnly,
    errno.EPERM: FolderReadOnly,
    errno.ECONNREFUSED: ConnectionLost,
    errno.ECONNRESET: ConnectionLost,
    errno.ECONNABORTED: ConnectionLost,
    errno.EPIPE: ConnectionLost,
    errno.ETIMEDOUT: ConnectionLost,
    errno.EHOSTUNREACH: ConnectionLost,
    errno.ENETUNREACH: ConnectionLost,
    errno.ENETDOWN: ConnectionLost,
}
# SQLite primary result codes (the low byte of an extended code).
_SQLITE_CODES: dict[int, type[_Explained]] = {
    5: StoreBusy,  # SQLITE_BUSY
    6: StoreBusy,  # SQLITE_LOCKED
    8: FolderReadOnly,  # SQLITE_READONLY
    13: DiskFull,  # SQLITE_FULL
}
# PostgreSQL SQLSTATEs: exact codes, then classes (the first two characters).
_SQLSTATES: dict[str, type[_Explained]] = {
    "53100": DiskFull,  # disk_full
    "25006": FolderReadOnly,  # read_only_sql_transaction
    "55P03": StoreBusy,  # lock_not_available
    "57P01": ConnectionLost,  # admin_shutdown (pg_terminate_backend)
    "57P02": ConnectionLost,  # crash_shutdown
    "57P03": ConnectionLost,  # cannot_connect_now
    "08": ConnectionLost,  # connection exceptions
}
_DRIVER_ERRORS = ("OperationalError", "InterfaceError", "DatabaseError", "PendingRollbackError")
# Words in driver messages, for drivers that give no code (SQLCipher, closed sockets).
_PHRASES: tuple[tuple[str, type[_Explained]], ...] = (
    ("database or disk is full", DiskFull),
    ("no space left on device", DiskFull),
    ("could not extend file", DiskFull),
    ("readonly database", FolderReadOnly),
    ("read-only file system", FolderReadOnly),
    ("unable to open database file", FolderReadOnly),
    ("permission denied", FolderReadOnly),
    ("database is locked", StoreBusy),
    ("database table is locked", StoreBusy),
    ("database is busy", StoreBusy),
    ("connection refused", ConnectionLost),
    ("server closed the connection", ConnectionLost),
    ("terminating connection", ConnectionLost),
    ("connection is closed", ConnectionLost),
    ("connection already closed", ConnectionLost),
    ("connection is lost", ConnectionLost),
    ("connection has been closed", ConnectionLost),
    ("could not connect to server", ConnectionLost),
    ("connection timed out", ConnectionLost),
    ("lost synchronization with server", ConnectionLost),
    ("can't reconnect until invalid transaction is rolled back", ConnectionLost),
)


def translate(exc: BaseException, shared: bool = False) -> EnvironmentProblem | None:
    """The named environment problem behind ``exc``, or None when it is not one (a bug
    or a refusal, which the caller re-raises as it is).

    ``shared`` says the error came from the team's shared store rather than this
    laptop's, which changes what the person is told to do. Raise the result ``from exc``
    so the log keeps the driver's error.
    """
    if isinstance(exc, EnvironmentProblem):
        return exc
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify(current)
        if found is not None:
            return found(shared=shared)
        # SQLAlchemy wraps the driver's error in ``orig``; others chain with ``from``.
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return None


def _classify(exc: BaseException) -> type[_Explained] | None:
    if getattr(exc, "connection_invalidated", False):  # SQLAlchemy saw the socket drop
        return ConnectionLost
    if isinstance(exc, OSError) and exc.errno in _OS_ERRNOS:
        return _OS_ERRNOS[exc.errno]
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.Error) and isinstance(code, int):
        by_code = _SQLITE_CODES.get(code & 0xFF)
        if by_code is not None:
            return by_code
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(sqlstate, str):
        by_state = _SQLSTATES.get(sqlstate) or _SQLSTATES.get(sqlstate[:2])
        if by_state is not None:
            return by_state
    if type(exc).__name__ not in _DRIVER_ERRORS:
        return None  # only driver errors are read by their words; a bug's text is not
    text = str(exc).lower()
    for phrase, found in _PHRASES:
        if phrase in text:
            return found
    return None
