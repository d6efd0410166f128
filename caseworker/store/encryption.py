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


def local_path(store: Store) -> Path | None:
    """The file of a laptop's local store (None for a store that is not a local file)."""
    name = store.engine.url.database
    return Path(name) if store.engine.url.drivername.startswith("sqlite") and name else None


def saved_key(path: Path) -> str | None:
    """The store's key if the keyring holds one; never makes one (escrow, recovery)."""
    if not keyring_usable():
        return None
    return keyring.get_password(KEYRING_SERVICE, str(path.resolve()))


def restore_key(path: Path, key: str) -> bool:
    """Put a recovered key back in the keyring for the store at ``path``, only once it
    is shown to open the store; False if the keyring held that key already."""
    from caseworker.domain.recovery import RecoveryRefused  # cryptography: not at start-up

    if not path.exists() or is_plaintext(path):
        raise RecoveryRefused(
            f"There is no encrypted case store at {path} to recover: check the data folder "
            "(--data-dir) is the one the laptop used."
        )
    if not keyring_usable():
        store_key(path)  # raises KeyringUnavailable, saying what to do
    if not opens(path, key):
        raise RecoveryRefused(
            f"The recovered key does not open the case store at {path}: the recovery file "
            "is for another laptop or data folder. Nothing was changed."
        )
    account = str(path.resolve())
    if keyring.get_password(KEYRING_SERVICE, account) == key:
        return False
    keyring.set_password(KEYRING_SERVICE, account, key)
    log.info("restored the local store's key from a recovery file")
    return True


def opens(path: Path, key: str) -> bool:
    """Does ``key`` open the encrypted store at ``path``? (Read-only; changes nothing.)"""
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        return False  # every key made here is 64 hex digits; nothing else reaches the PRAGMA
    try:
        conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlcipher3.DatabaseError:
        return False
    try:
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()
    return True
