"""The team's recovery key, and laptops' store keys sealed to it (key escrow).

Councils escrow disk-encryption recovery keys; Caseworker does the same for each
laptop's store key. The team has one X25519 key pair. Its public half is in the
store, so every laptop can *seal* its store key to it; its private half is kept
offline by IT or a manager, in a file encrypted under a passphrase (argon2id and
AES-256-GCM, as people's signing keys are: :mod:`caseworker.domain.signing`).
The service only ever holds sealed text it cannot open.

Sealing is an ECIES "sealed box": a fresh (ephemeral) X25519 key pair per seal,
its shared secret with the recovery key run through HKDF-SHA256 (bound to both
public keys) to an AES-256-GCM key used once. The sealed text is versioned JSON;
its header (version, recovery key id, ephemeral public key) is the cipher's
associated data, so a changed header is caught like a changed ciphertext.

A laptop's *recovery file* (what IT gives a laptop whose keyring entry was lost)
is its store key sealed under a one-time passphrase with the same argon2id
scheme; the passphrase travels separately from the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import uuid
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from caseworker.domain import signing
from caseworker.domain.errors import Refused

RECOVERY_KEY_NAME = "recovery"  # the team_key row
SEALED_VERSION = 1
ALGORITHM = "X25519-HKDF-SHA256-AES256GCM"
FILE_VERSION = 1
KEY_FILE_KIND = "caseworker team recovery key"
LAPTOP_FILE_KIND = "caseworker laptop recovery"
_INFO = b"caseworker escrow v1\n"
_NONCE_BYTES = 12
MIN_PASSPHRASE = 12
# The one-time passphrase: 6 groups of 4 from 31 unambiguous characters, about 119 bits.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class RecoveryRefused(Refused):
    """A recovery key, escrow or recovery file could not be used; the message says why."""


class WrongPassphrase(RecoveryRefused):
    """The passphrase does not open the file (or the file was altered)."""


class Unreadable(RecoveryRefused):
    """Not a text this version of Caseworker can read."""


class NotThisKey(RecoveryRefused):
    """The escrow was sealed to another recovery key (one replaced since)."""


PrivateKey = X25519PrivateKey


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise Unreadable(_unreadable(what))
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise Unreadable(_unreadable(what)) from exc


def _unreadable(what: str) -> str:
    return (
        f"This {what} could not be read: it is damaged, not a Caseworker {what}, or made by "
        "a newer version of Caseworker."
    )


def public_hex(private: PrivateKey) -> str:
    """The public half, as 64 hex digits (what the store's ``team_key`` row holds)."""
    return _public_raw(private.public_key()).hex()


def _public_raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: str) -> str:
    """A short name for a recovery key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]


def _public_key(public: str) -> X25519PublicKey:
    try:
        raw = bytes.fromhex(public)
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise Unreadable(_unreadable("recovery key")) from exc


def new_key() -> PrivateKey:
    return X25519PrivateKey.generate()


def _box_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + ephemeral + recipient)
    return hkdf.derive(shared)


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_to(public: str, secret: bytes) -> str:
    """``secret`` sealed to the recovery key ``public`` (hex): only its private half opens
    it. A fresh ephemeral key each time, so two seals of one secret differ."""
    recipient = _public_key(public)
    ephemeral = X25519PrivateKey.generate()
    epk = _public_raw(ephemeral.public_key())
    key = _box_key(ephemeral.exchange(recipient), epk, _public_raw(recipient))
    header: dict[str, Any] = {
        "v": SEALED_VERSION,
        "alg": ALGORITHM,
        "kid": key_id(public),
        "epk": _b64(epk),
    }
    nonce = os.urandom(_NONCE_BYTES)
    box = AESGCM(key).encrypt(nonce, secret, _header_bytes(header))
    return json.dumps({**header, "nonce": _b64(nonce), "box": _b64(box)}, sort_keys=True)


def sealed_key_id(sealed: str) -> str:
    """Which recovery key ``sealed`` was sealed to (its key id)."""
    return str(_read_sealed(sealed)["kid"])


def _read_sealed(sealed: str) -> dict[str, Any]:
    try:
        data = json.loads(sealed)
    except (TypeError, ValueError) as exc:
        raise Unreadable(_unreadable("escrow")) from exc
    if (
        not isinstance(data, dict)
        or data.get("v") != SEALED_VERSION
        or data.get("alg") != ALGORITHM
        or not isinstance(data.get("kid"), str)
    ):
        raise Unreadable(_unreadable("escrow"))
    return data


def open_sealed(private: PrivateKey, sealed: str) -> bytes:
    """What :func:`seal_to` sealed, opened with the recovery key's private half."""
    data = _read_sealed(sealed)
    mine = public_hex(private)
    if data["kid"] != key_id(mine):
        raise NotThisKey(
            f"This escrow was sealed to recovery key {data['kid']}, not to this file's key "
            f"{key_id(mine)} (the team's recovery key was replaced since): use the earlier "
            "recovery key file, or let the laptop sync once to escrow again."
        )
    header = {k: data[k] for k in ("v", "alg", "kid", "epk")}
    epk = _unb64(data["epk"], "escrow")
    nonce, box = _unb64(data.get("nonce"), "escrow"), _unb64(data.get("box"), "escrow")
    if len(epk) != 32 or len(nonce) != _NONCE_BYTES:
        raise Unreadable(_unreadable("escrow"))
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
    except ValueError as exc:
        raise Unreadable(_unreadable("escrow")) from exc
    key = _box_key(shared, epk, bytes.fromhex(mine))
    try:
        return AESGCM(key).decrypt(nonce, box, _header_bytes(header))
    except InvalidTag as exc:
        raise Unreadable(
            "This escrow was altered or damaged: it does not open with the recovery key."
        ) from exc


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise RecoveryRefused(
            f"The passphrase must be at least {MIN_PASSPHRASE} characters: a few unrelated "
            "words make a good one."
        )


def _sealed_file(kind: str, body: dict[str, Any], secret: bytes, passphrase: str) -> str:
    sealed = signing.seal_bytes(secret, passphrase)
    return json.dumps({"kind": kind, "v": FILE_VERSION, **body, "sealed": sealed}, indent=1)


def _open_file(text: str, kind: str, passphrase: str, what: str) -> tuple[dict[str, Any], bytes]:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise Unreadable(_unreadable(what)) from exc
    if not isinstance(data, dict) or data.get("kind") != kind or data.get("v") != FILE_VERSION:
        raise Unreadable(_unreadable(what))
    try:
        return data, signing.unseal_bytes(str(data.get("sealed")), passphrase)
    except signing.WrongPassword as exc:
        raise WrongPassphrase(
            f"The passphrase does not open this {what} (the passphrase is wrong, or the "
            "file was altered). Nothing was changed."
        ) from exc
    except signing.SealedKeyUnreadable as exc:
        raise Unreadable(_unreadable(what)) from exc


def key_file(private: PrivateKey, passphrase: str) -> str:
    """The recovery key's private half, encrypted under ``passphrase``, as a file's text."""
    check_passphrase(passphrase)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _sealed_file(KEY_FILE_KIND, {"key_id": key_id(public_hex(private))}, raw, passphrase)


def open_key_file(text: str, passphrase: str) -> PrivateKey:
    _data, raw = _open_file(text, KEY_FILE_KIND, passphrase, "recovery key file")
    if len(raw) != 32:
        raise Unreadable(_unreadable("recovery key file"))
    return X25519PrivateKey.from_private_bytes(raw)


def one_time_passphrase() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(24))
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


class LaptopRecovery(NamedTuple):
    device_id: uuid.UUID  # the laptop's old enrolment, to re-enrol it as a replacement
    store_key: str


def laptop_file(device_id: uuid.UUID, store_key: str, passphrase: str) -> str:
    """A one-laptop recovery file: its store key under a one-time passphrase."""
    return _sealed_file(
        LAPTOP_FILE_KIND, {"device": device_id.hex}, store_key.encode("utf-8"), passphrase
    )


def open_laptop_file(text: str, passphrase: str) -> LaptopRecovery:
    # Typed from a screen or a phone call: spaces and case do not matter.
    typed = "-".join(passphrase.upper().replace("-", " ").split())
    data, raw = _open_file(text, LAPTOP_FILE_KIND, typed, "recovery file")
    try:
        return LaptopRecovery(uuid.UUID(str(data.get("device"))), raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unreadable(_unreadable("recovery file")) from exc
