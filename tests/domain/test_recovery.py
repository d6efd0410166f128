"""Sealing a store key to the team's recovery key, and the passphrase-sealed files."""

from __future__ import annotations

import json
import uuid

import pytest

from caseworker.domain import recovery

STORE_KEY = "ab" * 32


def test_a_sealed_store_key_opens_only_with_the_recovery_keys_private_half() -> None:
    team = recovery.new_key()
    sealed = recovery.seal_to(recovery.public_hex(team), STORE_KEY.encode())
    assert STORE_KEY not in sealed and STORE_KEY.encode().hex() not in sealed
    assert recovery.open_sealed(team, sealed) == STORE_KEY.encode()
    assert recovery.sealed_key_id(sealed) == recovery.key_id(recovery.public_hex(team))
    again = recovery.seal_to(recovery.public_hex(team), STORE_KEY.encode())
    assert again != sealed  # a fresh ephemeral key and nonce each time
    with pytest.raises(recovery.NotThisKey, match="sealed to recovery key"):
        recovery.open_sealed(recovery.new_key(), sealed)


def test_an_altered_escrow_is_refused() -> None:
    team = recovery.new_key()
    data = json.loads(recovery.seal_to(recovery.public_hex(team), STORE_KEY.encode()))
    other = json.loads(recovery.seal_to(recovery.public_hex(team), b"another key"))
    data["epk"] = other["epk"]  # a header change is caught like a ciphertext change
    with pytest.raises(recovery.Unreadable, match="altered"):
        recovery.open_sealed(team, json.dumps(data))
    with pytest.raises(recovery.Unreadable):
        recovery.open_sealed(team, STORE_KEY)  # a key in clear is not an escrow


def test_the_recovery_key_file_needs_its_passphrase() -> None:
    team = recovery.new_key()
    text = recovery.key_file(team, "correct horse battery staple")
    assert recovery.public_hex(recovery.open_key_file(text, "correct horse battery staple")) == (
        recovery.public_hex(team)
    )
    with pytest.raises(recovery.WrongPassphrase, match="passphrase does not open"):
        recovery.open_key_file(text, "wrong horse battery staple")
    with pytest.raises(recovery.RecoveryRefused, match="at least 12"):
        recovery.key_file(team, "short")


def test_a_laptop_recovery_file_opens_with_its_one_time_passphrase_as_typed() -> None:
    device = uuid.uuid4()
    once = recovery.one_time_passphrase()
    assert len(once) == 29 and once.count("-") == 5
    text = recovery.laptop_file(device, STORE_KEY, once)
    assert STORE_KEY not in text
    typed = once.lower().replace("-", " ")
    assert recovery.open_laptop_file(text, typed) == (device, STORE_KEY)
    with pytest.raises(recovery.WrongPassphrase, match="Nothing was changed"):
        recovery.open_laptop_file(text, recovery.one_time_passphrase())
    with pytest.raises(recovery.Unreadable):
        recovery.open_laptop_file(recovery.key_file(recovery.new_key(), once), once)
