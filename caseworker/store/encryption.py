"""The local store is encrypted at rest with SQLCipher; its key lives in the OS keyring.

The key (256 random bits) is made on first run and kept in the keyring
(Windows Credential Manager, macOS Keychain, Secret Service on Linux), never
on disk beside the database. A store left unencrypted by an earlier version
is converted in place, verified, then swapped in. Without a usable keyring
Caseworker refuses to keep personal data in clear; only the explicit demo
mode (synthetic data, its own file) runs unencrypted.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import keyring
import sqlcipher3
from keyring.backends import fail, null

from caseworker import paths
from caseworker.store.database import Store
from caseworker.store.errors import StoreError

log = logging.getLogger(__name__)
KEYRING_SERVICE = "Caseworker local store"
_PLAIN_HEADER = b"SQLite format 3\x00"


class KeyringUnavailable(StoreError):
    pass


def keyring_usable() -> bool:
    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring | null.Keyring) and backend.priority > 0


def store_key(path: Path) -> str:
    """The store's key from the keyring, made and saved there on first use."""
    if not keyring_usable():
        raise KeyringUnavailable(
            "Caseworker keeps families' data encrypted and needs the system keyring for "
            "the key, but none is available here. On Linux install and unlock a Secret "
            "Service keyring (GNOME Keyring or KWallet), or choose a keyring backend with "
            "the PYTHON_KEYRING_BACKEND setting; see the keyring documentation. To try "
            "Caseworker with synthetic data only, start it with --demo."
        )
    account = str(path.resolve())
    key = keyring.get_password(KEYRING_SERVICE, account)
    if key is None:
        if path.exists() and not is_plaintext(path):
            raise StoreError(
                f"The case store at {path} cannot be read: its key is not in this "
                "computer's keyring (the file came from another computer, or it is "
                "damaged). Move the file aside (do not delete it) and ask IT; syncing on "
                "a fresh install restores the cases from the shared store."
            )
        key = secrets.token_hex(32)
        keyring.set_password(KEYRING_SERVICE, account, key)
        log.info("made a new key for the local store")
    return key


def is_plaintext(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == _PLAIN_HEADER


def encrypt_in_place(path: Path, key: str) -> None:
    """Convert an unencrypted store to SQLCipher without losing a row.

    The encrypted copy is written beside it, checked, and only then swapped in
    (an atomic rename); the clear file and its journal are then removed.
    """
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key}'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    check = sqlcipher3.connect(str(target))
    try:
        check.execute(f"PRAGMA key = \"x'{key}'\"")
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError("The encrypted copy of the store failed its check; nothing changed.")
        for table, count in counts.items():
            if check.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] != count:
                raise StoreError(f"Encrypting the store lost rows of {table}; nothing changed.")
    finally:
        check.close()
    os.replace(target, path)
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    log.info("converted the local store to an encrypted one")


def open_encrypted(path: Path) -> Store:
    """The local store, encrypted (converting an unencrypted one first)."""
    key = store_key(path)
    if path.exists() and is_plaintext(path):
        encrypt_in_place(path, key)
    return Store.open_local(path, key)


def open_session_store() -> Store:
    """The store this run uses: encrypted, or the separate unencrypted demo store."""
    if paths.demo_mode():
        log.warning("DEMO MODE: unencrypted store, synthetic data only")
        return Store.open_local(paths.local_store_path())
    return open_encrypted(paths.local_store_path())
