"""People's signing keys: every change is signed by the person who made it.

Each person has an Ed25519 key pair. The public half is kept on their account in
the store, for anyone to check a signature. The private half is only ever stored
*sealed*: encrypted with AES-256-GCM under a key derived from the person's
password with argon2id. So a laptop can sign for a person only while that person
has typed their password on it, and a copied data folder or a store's dump holds
nothing that signs.

The sealed text is JSON: a format version, the argon2id parameters and salt, the
nonce and the ciphertext (base64). The parameters travel with it, so stronger
ones later still open keys sealed today; the header is the cipher's associated
data, so a changed parameter is caught like a changed ciphertext.

The message a change's signature covers is built by :func:`change_message` alone,
so the laptop that signs and the store that checks cannot disagree about it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
from typing import Any, NamedTuple

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from caseworker.domain.errors import Refused

PrivateKey = Ed25519PrivateKey

SEALED_VERSION = 1
# argon2-cffi's PasswordHasher defaults (RFC 9106 "low memory", OWASP's advice):
# 3 passes over 64 MiB with 4 lanes; a test checks they still match.
TIME_COST = 3
MEMORY_COST_KIB = 65_536
PARALLELISM = 4
SALT_BYTES = 16
NONCE_BYTES = 12
# Bounds on parameters read from a sealed text, so a doctored one cannot make
# unsealing take the machine's memory or minutes.
_MAX_TIME_COST = 20
_MAX_MEMORY_COST_KIB = 1_048_576  # 1 GiB
_MAX_PARALLELISM = 16

CHANGE_CONTEXT = b"caseworker change v1\n"


class SealedKeyRefused(Refused):
    """A sealed signing key could not be opened."""


class WrongPassword(SealedKeyRefused):
    """The password does not open the key (or the sealed text was altered)."""


class SealedKeyUnreadable(SealedKeyRefused):
    """The sealed text is not one this version can read."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise SealedKeyUnreadable(_UNREADABLE)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SealedKeyUnreadable(_UNREADABLE) from exc


_UNREADABLE = (
    "This signing key could not be read: it was damaged, or sealed by a newer version "
    "of Caseworker."
)
_WRONG = (
    "The password does not open this signing key (the password is wrong, or the sealed "
    "key was altered)."
)


def _derive(password: str, salt: bytes, time_cost: int, memory_cost: int, lanes: int) -> bytes:
    return hash_secret_raw(
        secret=password.encode("utf-8"),
        salt=salt,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=lanes,
        hash_len=32,
        type=Type.ID,
    )


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _raw(private: PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_hex(private: PrivateKey) -> str:
    """The public half of ``private``, as 64 hex digits (what the account stores)."""
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return raw.hex()


def seal(private: PrivateKey, password: str) -> str:
    """``private`` encrypted under ``password`` (a fresh salt and nonce each time)."""
    return seal_bytes(_raw(private), password)


def seal_bytes(secret: bytes, password: str) -> str:
    """Any short secret encrypted under ``password`` with argon2id and AES-256-GCM (a
    signing key here; the team's recovery key and a laptop's recovery file use it too)."""
    salt = os.urandom(SALT_BYTES)
    header: dict[str, Any] = {
        "v": SEALED_VERSION,
        "kdf": "argon2id",
        "t": TIME_COST,
        "m": MEMORY_COST_KIB,
        "p": PARALLELISM,
        "salt": _b64(salt),
    }
    key = _derive(password, salt, TIME_COST, MEMORY_COST_KIB, PARALLELISM)
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(key).encrypt(nonce, secret, _header_bytes(header))
    return json.dumps({**header, "nonce": _b64(nonce), "box": _b64(box)}, sort_keys=True)


class NewKey(NamedTuple):
    public: str  # hex, for the account
    sealed: str  # for the account
    private: PrivateKey  # to keep unlocked in memory (services.keys), never to store


def new_key(password: str) -> NewKey:
    """A new key pair, its private half sealed under ``password``."""
    private = Ed25519PrivateKey.generate()
    return NewKey(public_hex(private), seal(private, password), private)


def unseal(sealed: str, password: str) -> PrivateKey:
    """Open a sealed key with the password; :class:`WrongPassword` if it does not."""
    raw = unseal_bytes(sealed, password)
    if len(raw) != 32:
        raise SealedKeyUnreadable(_UNREADABLE)
    return Ed25519PrivateKey.from_private_bytes(raw)


def unseal_bytes(sealed: str, password: str) -> bytes:
    """Open what :func:`seal_bytes` sealed; :class:`WrongPassword` if the password does
    not open it, :class:`SealedKeyUnreadable` if the text is not one this version reads."""
    try:
        data = json.loads(sealed)
    except (TypeError, ValueError) as exc:
        raise SealedKeyUnreadable(_UNREADABLE) from exc
    if not isinstance(data, dict) or data.get("v") != SEALED_VERSION:
        raise SealedKeyUnreadable(_UNREADABLE)
    header: dict[str, Any] = {k: data.get(k) for k in ("v", "kdf", "t", "m", "p", "salt")}
    t, m, p = (_bounded(header[k], top) for k, top in _BOUNDS)
    if header["kdf"] != "argon2id" or m < 8 * p:
        raise SealedKeyUnreadable(_UNREADABLE)
    salt, nonce, box = _unb64(header["salt"]), _unb64(data.get("nonce")), _unb64(data.get("box"))
    if len(salt) < 8 or len(nonce) != NONCE_BYTES:
        raise SealedKeyUnreadable(_UNREADABLE)
    key = _derive(password, salt, t, m, p)
    try:
        return AESGCM(key).decrypt(nonce, box, _header_bytes(header))
    except InvalidTag as exc:
        raise WrongPassword(_WRONG) from exc


_BOUNDS = (("t", _MAX_TIME_COST), ("m", _MAX_MEMORY_COST_KIB), ("p", _MAX_PARALLELISM))


def _bounded(value: Any, top: int) -> int:
    if type(value) is not int or not 1 <= value <= top:
        raise SealedKeyUnreadable(_UNREADABLE)
    return value


def reseal(sealed: str, old_password: str, new_password: str) -> str:
    """The same key sealed under a new password (a password change keeps the key)."""
    return seal(unseal(sealed, old_password), new_password)


def sign(private: PrivateKey, message: bytes) -> str:
    """The signature of ``message``, as hex."""
    return private.sign(message).hex()


def verify(public: str, message: bytes, signature: str) -> bool:
    """True only if ``signature`` (hex) is ``public``'s (hex) signature of ``message``."""
    try:
        _public_key(public).verify(bytes.fromhex(signature), message)
    except (ValueError, InvalidSignature):
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _public_key(public: str) -> Ed25519PublicKey:
    """A public key (hex) read once: a push checks hundreds of changes by one author."""
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))


def change_message(digest: str) -> bytes:
    """What a change's signature covers: its digest (name, arguments and tape), with a
    fixed context so a change's signature means nothing anywhere else."""
    return CHANGE_CONTEXT + digest.encode("ascii")


REQUEST_CONTEXT = b"caseworker manager request v1\n"


def request_message(action: str, fields: dict[str, str]) -> bytes:
    """What a manager's signed request to the sync service covers (enrol a laptop,
    revoke one): the action and its fields, canonical, in their own context."""
    body = json.dumps({"action": action, **fields}, sort_keys=True, separators=(",", ":"))
    return REQUEST_CONTEXT + body.encode()
