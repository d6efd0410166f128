import logging

import pytest

from caseworker.domain.users import Role, User
from caseworker.services import users
from caseworker.services.users import MAX_FAILURES, SignInRefused
from caseworker.store.database import Store
from caseworker.store.tables import UserAccount
from tests.conftest import PASSWORD


def test_first_run_needs_a_manager(store: Store) -> None:
    assert users.needs_first_manager(store)
    manager = users.create_first_manager(store, "Morgan Lee", "tm01", PASSWORD)
    assert manager.role is Role.MANAGER
    assert not users.needs_first_manager(store)
    assert users.sign_in(store, "TM01", PASSWORD).id == manager.id


def test_password_stored_only_as_argon2_hash(store: Store, officer: User) -> None:
    with store.read() as session:
        row = session.get(UserAccount, officer.id)
        assert row is not None and row.password_hash is not None
        assert row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash


def test_wrong_password_five_times_locks_and_changes_nothing_else(
    store: Store, officer: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for attempt in range(1, MAX_FAILURES):
        with pytest.raises(SignInRefused, match=f"{MAX_FAILURES - attempt} tries left"):
            users.sign_in(store, "JS01", f"wrong password {attempt}")
    with pytest.raises(SignInRefused, match="locked for 5 minutes"):
        users.sign_in(store, "JS01", "wrong password 5")
    with pytest.raises(SignInRefused, match="locked"):
        users.sign_in(store, "JS01", PASSWORD)  # even the right password waits
    assert "wrong password" not in caplog.text and PASSWORD not in caplog.text


def test_unknown_code_and_system_accounts_cannot_sign_in(store: Store, manager: User) -> None:
    users.system_user(store, "Demo Data", "DEMO")
    for code in ("NOPE1", "DEMO"):
        with pytest.raises(SignInRefused, match="officer code or password is wrong"):
            users.sign_in(store, code, PASSWORD)


def test_success_resets_the_failure_count(store: Store, officer: User) -> None:
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(SignInRefused):
            users.sign_in(store, "JS01", "not it at all")
    users.sign_in(store, "JS01", PASSWORD)
    with pytest.raises(SignInRefused, match=f"{MAX_FAILURES - 1} tries left"):
        users.sign_in(store, "JS01", "not it at all")
