"""Helpers shared by the headless subcommands."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from caseworker.store.database import Store
from caseworker.store.encryption import open_session_store
from caseworker.store.errors import StoreError

if TYPE_CHECKING:
    from caseworker.domain.users import User


def open_store() -> Store:
    """Open the local (encrypted) store, or exit with the store's own plain-words message
    and its exit code (3: the machine or store is the problem)."""
    try:
        return open_session_store()
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from exc


def read_password(prompt: str, from_stdin: bool) -> str:
    """A password: the next line of stdin (scripts, tests) or asked without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    return getpass.getpass(prompt)


def sign_in(store: Store, code: str, from_stdin: bool) -> User:
    """The person a command acts as, from their code and password (asked, or stdin's next
    line); a wrong password is a ``ServiceError`` the command reports with :func:`refused`."""
    from caseworker.services import users

    return users.sign_in(store, code, read_password(f"Password for {code}: ", from_stdin))


def refused(exc: Exception) -> int:
    """Print a service's refusal in its own words, one line per form field; exit code 2."""
    from caseworker.services.errors import InvalidInput

    messages = exc.fields.values() if isinstance(exc, InvalidInput) else [str(exc)]
    for message in messages:
        print(f"caseworker: {message}", file=sys.stderr)
    return 2
