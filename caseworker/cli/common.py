"""Helpers shared by the headless subcommands."""

from __future__ import annotations

import sys

from caseworker import paths
from caseworker.store.database import Store
from caseworker.store.errors import StoreError


def open_store() -> Store:
    """Open the local store, or exit with the store's own plain-words message."""
    try:
        return Store.open_local(paths.local_store_path())
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
