"""Each change on a laptop is signed by its author, with the key their password opened."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from caseworker.domain import signing
from caseworker.domain.users import Role, User
from caseworker.services import keys, signatures, users
from caseworker.services.outbox import queue
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import UserAccount
from tests.conftest import PASSWORD


def _account(store: Store, user_id: uuid.UUID) -> UserAccount:
    with store.read() as session:
        row = session.get(UserAccount, user_id)
    assert row is not None
    return row


def _outbox(store: Store, name: str) -> list[OutboxRow]:
    with store.read() as session:
        return [row for row in queue(session) if row.name == name]


def _signed_by(store: Store, row: OutboxRow, user_id: uuid.UUID) -> bool:
    public = _account(store, user_id).public_key
    return signing.verify(public, signing.change_message(row.digest), row.signature)


def test_accounts_get_sealed_keys_and_sign_in_unlocks_them(store: Store) -> None:
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    assert keys.key_for(manager.id) is not None  # set up and signed in in one step
    officer = users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    assert keys.key_for(officer.id) is None  # the manager typed it; Jo has not signed in
    row = _account(store, officer.id)
    assert len(row.public_key) == 64 and PASSWORD not in row.sealed_key
    assert signing.public_hex(signing.unseal(row.sealed_key, PASSWORD)) == row.public_key
    users.sign_in(store, "JS01", PASSWORD)
    unlocked = keys.key_for(officer.id)
    assert unlocked is not None and signing.public_hex(unlocked) == row.public_key
    users.forget_keys()
    assert keys.key_for(officer.id) is None and keys.key_for(manager.id) is None


def test_a_wrong_password_unlocks_nothing(store: Store, officer: User) -> None:
    keys.forget_all()
    with pytest.raises(users.SignInRefused):
        users.sign_in(store, "JS01", "not the password at all")
    assert keys.key_for(officer.id) is None


def test_changes_are_signed_by_their_author(store: Store) -> None:
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    officer = users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    first, added = _outbox(store, "users.add")
    assert first.actor_id is None and _signed_by(store, first, manager.id)  # its own key
    assert added.actor_id == manager.id and _signed_by(store, added, manager.id)
    assert not _signed_by(store, added, officer.id)


def test_without_an_unlocked_key_a_change_is_kept_unsigned(store: Store) -> None:
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    users.forget_keys()  # the screen locked
    users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    assert [row.signature for row in _outbox(store, "users.add")][1] == ""


def test_an_account_made_before_keys_gets_one_at_sign_in(store: Store) -> None:
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    old = User(name="Old Timer", officer_code="OT01", role=Role.OFFICER)
    users.save_account(store, manager, old, users._hasher.hash(PASSWORD))  # as before
    assert _account(store, old.id).public_key == ""
    users.sign_in(store, "OT01", PASSWORD)
    row = _account(store, old.id)
    assert len(row.public_key) == 64
    unlocked = keys.key_for(old.id)
    assert unlocked is not None and signing.public_hex(unlocked) == row.public_key
    (set_key,) = _outbox(store, "users.set_key")
    assert set_key.actor_id == old.id and _signed_by(store, set_key, old.id)
    # Signing in again opens that key; it is not replaced.
    users.forget_keys()
    users.sign_in(store, "OT01", PASSWORD)
    assert _account(store, old.id).public_key == row.public_key
    assert len(_outbox(store, "users.set_key")) == 1


def test_an_account_whose_sealed_key_does_not_open_still_signs_in(store: Store) -> None:
    """The password is right, so the person works; their changes go unsigned (the team
    store refuses them with a reason) rather than under some other key."""
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    with store.unit_of_work() as session:
        row = session.exec(select(UserAccount).where(UserAccount.id == manager.id)).one()
        row.sealed_key = signing.new_key("another password").sealed
        session.add(row)
    users.forget_keys()
    assert users.sign_in(store, "TM01", PASSWORD).id == manager.id
    assert keys.key_for(manager.id) is None


def test_a_signature_checked_ahead_answers_only_for_the_same_key_message_and_signature(
    store: Store,
) -> None:
    """``signatures.check_ahead`` (a signed push's batch) changes no answer of ``check``:
    a result from it is taken only for the very same signature."""
    manager = users.create_first_manager(store, "Tara Manager", "TM01", PASSWORD)
    users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    (added,) = _outbox(store, "users.add")[1:]
    forged = "00" * 64

    def check(signature: str) -> None:
        signatures.check(
            session,
            added.name,
            added.actor_id,
            added.args,
            added.digest,
            signature,
            tape=added.tape,
        )

    with store.unit_of_work() as session:
        signatures.check_ahead(session, [(added.actor_id, added.digest, forged)])
        check(added.signature)  # the forged one's result is not its answer
        with pytest.raises(signatures.SignatureRefused):
            check(forged)
    with store.unit_of_work() as session:
        signatures.check_ahead(session, [(added.actor_id, added.digest, added.signature)])
        with pytest.raises(signatures.SignatureRefused):
            check(forged)  # nor the signed one's
        check(added.signature)
