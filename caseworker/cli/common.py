"""Helpers shared by the headless subcommands."""

from __future__ import annotations

import sys

from caseworker.store.database import Store
from caseworker.store.encryption import open_session_store
from caseworker.store.errors import StoreError


def open_store() -> Store:
    """Open the local (encrypted) store, or exit with the store's own plain-words message
    and its exit code (3: the machine or store is the problem)."""
    try:
        return open_session_store()
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from exc
