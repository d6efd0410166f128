"""The local store is encrypted at rest; its key is only in the keyring."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null

from caseworker import paths
from caseworker.services import households, users
from caseworker.store.database import Store
from caseworker.store.encryption import (
    KeyringUnavailable,
    is_plaintext,
    open_encrypted,
    open_session_store,
    store_key,
)
from caseworker.store.errors import StoreUnreadable
from tests.conftest import PASSWORD, make_household

SURNAME = "Quillfeatherstone"


def _fill(store: Store) -> None:
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    households.create_household(
        store,
        manager,
        make_household(
            postcode="SE22 8QW",
            members=[
                households.build_member({"first_name": "Ada", "surname": SURNAME}),
            ],
        ),
    )


def _bytes_of(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_no_plaintext_on_disk_and_plain_sqlite_cannot_open(data_dir: Path) -> None:
    path = paths.local_store_path()
    store = open_encrypted(path)
    _fill(store)
    on_disk = _bytes_of(path)  # the database, its WAL and shared memory
    assert SURNAME.encode() not in on_disk
    assert b"SE22 8QW" not in on_disk and b"Morgan Lee" not in on_disk
    store.dispose()
    assert not is_plaintext(path)
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM household").fetchone()
    reopened = open_encrypted(path)  # the key comes back from the keyring
    assert households.search(reopened, SURNAME)[0].postcode == "SE22 8QW"
    reopened.dispose()


def test_wrong_key_fails_clearly(data_dir: Path) -> None:
    path = paths.local_store_path()
    open_encrypted(path).dispose()
    with pytest.raises(StoreUnreadable, match="different key"):
        Store.open_local(path, secrets.token_hex(32))


def test_unencrypted_store_from_an_earlier_version_is_encrypted_without_loss(
    data_dir: Path,
) -> None:
    path = paths.local_store_path()
    plain = Store.open_local(path)  # as an earlier version left it
    _fill(plain)
    plain.dispose()
    assert is_plaintext(path)
    store = open_encrypted(path)
    assert not is_plaintext(path)
    assert SURNAME.encode() not in _bytes_of(path)
    [found] = households.search(store, SURNAME)
    assert households.get_household(store, found.id).members[0].surname == SURNAME
    assert users.sign_in(store, "TM01", PASSWORD).name == "Morgan Lee"
    store.dispose()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


def test_without_a_keyring_personal_data_is_refused(data_dir: Path, no_keyring: None) -> None:
    with pytest.raises(KeyringUnavailable, match="PYTHON_KEYRING_BACKEND") as info:
        store_key(paths.local_store_path())
    assert "--demo" in str(info.value)
    assert not paths.local_store_path().exists()


def test_demo_mode_uses_its_own_unencrypted_file(data_dir: Path, no_keyring: None) -> None:
    paths.set_demo_mode(True)
    try:
        store = open_session_store()
        _fill(store)
        store.dispose()
        assert paths.local_store_path().name == "demo-unencrypted.db"
        assert is_plaintext(paths.local_store_path())
    finally:
        paths.set_demo_mode(False)
    assert not paths.local_store_path().exists()  # the real store was never touched
