"""People's signing keys: sealed under the password, opened only by it."""

from __future__ import annotations

import base64
import json

import pytest
from argon2 import PasswordHasher

from caseworker.domain import signing

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def made() -> signing.NewKey:
    return signing.new_key(PASSWORD)


def test_sealed_key_opens_with_its_password_and_signs(made: signing.NewKey) -> None:
    opened = signing.unseal(made.sealed, PASSWORD)
    assert signing.public_hex(opened) == made.public == signing.public_hex(made.private)
    message = signing.change_message("ab" * 32)
    signature = signing.sign(opened, message)
    assert signing.verify(made.public, message, signature)
    assert not signing.verify(made.public, signing.change_message("cd" * 32), signature)
    other = signing.new_key(PASSWORD)
    assert not signing.verify(other.public, message, signature)
    assert not signing.verify(made.public, message, "")
    assert not signing.verify(made.public, message, "not hex")
    assert not signing.verify("", message, signature)


def test_the_sealed_text_holds_no_key_in_clear(made: signing.NewKey) -> None:
    data = json.loads(made.sealed)
    assert data["v"] == signing.SEALED_VERSION and data["kdf"] == "argon2id"
    raw = signing.unseal(made.sealed, PASSWORD).private_bytes_raw()
    assert raw.hex() not in made.sealed and base64.b64encode(raw).decode() not in made.sealed
    # A fresh salt and nonce each time: the same key sealed twice reads differently.
    assert signing.seal(made.private, PASSWORD) != made.sealed


def test_wrong_password_is_refused(made: signing.NewKey) -> None:
    with pytest.raises(signing.WrongPassword, match="password does not open"):
        signing.unseal(made.sealed, "correct horse batterY")


def _altered(sealed: str, **changes: object) -> str:
    return json.dumps({**json.loads(sealed), **changes})


def test_tampered_sealed_text_is_refused(made: signing.NewKey) -> None:
    box = bytearray(base64.b64decode(json.loads(made.sealed)["box"]))
    box[0] ^= 1
    with pytest.raises(signing.WrongPassword):
        signing.unseal(_altered(made.sealed, box=base64.b64encode(box).decode()), PASSWORD)
    # The parameters are covered too: a lighter one changes the key, and a valid one
    # moved into the header is caught by the cipher's associated data.
    with pytest.raises(signing.WrongPassword):
        signing.unseal(_altered(made.sealed, t=2), PASSWORD)
    for bad in (
        "not json",
        _altered(made.sealed, v=2),
        _altered(made.sealed, kdf="scrypt"),
        _altered(made.sealed, m=10**9),  # would take the machine's memory
        _altered(made.sealed, t="3"),
        _altered(made.sealed, nonce="***"),
    ):
        with pytest.raises(signing.SealedKeyUnreadable):
            signing.unseal(bad, PASSWORD)


def test_reseal_keeps_the_key_under_a_new_password(made: signing.NewKey) -> None:
    resealed = signing.reseal(made.sealed, PASSWORD, "a brand new passphrase")
    opened = signing.unseal(resealed, "a brand new passphrase")
    assert signing.public_hex(opened) == made.public
    with pytest.raises(signing.WrongPassword):
        signing.unseal(resealed, PASSWORD)
    with pytest.raises(signing.WrongPassword):
        signing.reseal(made.sealed, "not the password", "whatever else")


def test_argon2_parameters_are_the_password_hashers() -> None:
    """The key is as hard to guess as the password's hash, and no harder to open."""
    hasher = PasswordHasher()
    assert (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
    ) == (signing.TIME_COST, signing.MEMORY_COST_KIB, signing.PARALLELISM)
    data = json.loads(signing.new_key(PASSWORD).sealed)
    assert (data["t"], data["m"], data["p"]) == (3, 65_536, 4)
    assert len(base64.b64decode(data["salt"])) == 16


def test_a_change_signature_covers_its_digest_with_a_fixed_context() -> None:
    assert signing.change_message("0f" * 32) == b"caseworker change v1\n" + b"0f" * 32
