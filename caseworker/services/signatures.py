"""The team store accepts a change only with its author's signature.

A laptop signs each change with its author's key, unlocked only while they have
typed their password on it (``services.keys``, ``services.outbox``). Before the
store replays a change it calls :func:`check`: the change's digest must be the
digest of what it carries, its author must be the one its arguments name, their
account must be in the store with a public key, and the signature must be theirs
over :func:`caseworker.domain.signing.change_message`. The role the change is
replayed with is always the store's (the replay loads the author's account).

Two changes have no key in the store to check against yet:

- ``users.add`` with no author: accepted only when it adds the first manager
  while the store has no one who can sign in, signed by the key it registers.
- ``users.set_key`` (an account made before keys existed gets its first key):
  accepted only while the account has no key in the store, signed by the key it
  registers. This is *trust on first use*, a documented limit: whoever first
  sends a key for an old account, with that person's account id, sets it; after
  that the key is fixed and every later change must be signed by it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlmodel import Session, col, select

from caseworker.domain.signing import change_message, verify
from caseworker.services.errors import ServiceError
from caseworker.services.outbox import mutation_digest
from caseworker.services.registry import MUTATIONS
from caseworker.store.database import transaction_cache
from caseworker.store.tables import UserAccount

AUDIT_ACTION = "refused: not signed by its author"
_WHY = (
    "the team store accepts a change only with its author's signature, made when they "
    "type their password on the laptop."
)


class SignatureRefused(ServiceError):
    """The team store refused a change its author did not sign."""


def check(
    session: Session,
    name: str,
    actor_id: uuid.UUID | None,
    args: str,
    digest: str,
    signature: str,
    *,
    tape: str,
    values: Any = None,
) -> None:
    """Raise :class:`SignatureRefused` unless the change is signed by its author.
    ``values``: ``args`` already read from JSON (the replay reads them once)."""
    spec = MUTATIONS.get(name)
    if spec is None:
        raise SignatureRefused(f"This store does not know the change {name!r}.")
    if mutation_digest(name, args, tape) != digest:
        raise SignatureRefused(
            "This change was altered after it was made: what it carries is not what its "
            "author signed."
        )
    try:
        if values is None:
            values = json.loads(args)
        named = spec.actor_id(values) if isinstance(values, dict) else None
    except (TypeError, ValueError) as exc:
        raise SignatureRefused("This change could not be read, so its author is unknown.") from exc
    if named != actor_id:
        raise SignatureRefused(
            "This change names another author than the one it was sent as; the team store "
            "does not accept it."
        )
    message = change_message(digest)
    if name == "users.set_key":
        _check_first_key(session, actor_id, values, message, signature)
        return
    if actor_id is None:
        _check_first_manager(session, name, values, message, signature)
        return
    author = _author(session, actor_id)
    if author is None:
        raise SignatureRefused(
            "Made by someone this team store does not know: the account that made it has "
            "not reached the store."
        )
    who, public_key = author
    if not public_key or not _verified(session, public_key, message, signature):
        raise SignatureRefused(f"Not signed by {who}: {_WHY}")


_KEYS = "signatures_public_keys"  # transaction_cache key: author id -> (who, public key)


def _author(session: Session, actor_id: uuid.UUID) -> tuple[str, str] | None:
    """The author's name and public key, read once per transaction: a push checks
    hundreds of changes by one author. Only a key that is set is kept, since a set key
    is never replaced (``users.set_key``); an account without one is read again."""
    known: dict[uuid.UUID, tuple[str, str]] = transaction_cache(session).setdefault(_KEYS, {})
    if actor_id in known:
        return known[actor_id]
    account = session.get(UserAccount, actor_id)
    if account is None:
        return None
    author = (_who(account), account.public_key)
    if account.public_key:
        known[actor_id] = author
    return author


# Checked ahead: a push's signatures are verified in a thread while the changes before
# them replay (the Ed25519 check is about a quarter of a change's replay, and releases
# the GIL), so on two cores it overlaps the replay instead of adding to it.
_AHEAD = "signatures_checked_ahead"  # transaction_cache key: (key, message, sig) -> result
_CHUNK = 16  # signatures per task: the first of a batch is ready soon, few tasks
_checker: ThreadPoolExecutor | None = None
_checker_made = threading.Lock()


def check_ahead(session: Session, changes: Sequence[tuple[uuid.UUID | None, str, str]]) -> None:
    """Start verifying the signatures of changes about to be replayed in this transaction,
    each given as (author id, digest, signature); :func:`check` still checks every change
    in full and in order, and takes a signature's result from here only when it is for
    the same key, message and signature (a pure function of the three). The authors'
    keys are read in one query (the keys :func:`_author` would read, kept the same way)."""
    known: dict[uuid.UUID, tuple[str, str]] = transaction_cache(session).setdefault(_KEYS, {})
    missing = {a for a, _, _ in changes if a is not None and a not in known}
    if missing:
        for account in session.exec(select(UserAccount).where(col(UserAccount.id).in_(missing))):
            if account.public_key:
                known[account.id] = (_who(account), account.public_key)
    work = [
        (known[a][1], change_message(d), s) for a, d, s in changes if a is not None and a in known
    ]
    ahead: dict[tuple[str, bytes, str], tuple[Future[list[bool]], int]] = transaction_cache(
        session
    ).setdefault(_AHEAD, {})
    for start in range(0, len(work), _CHUNK):
        chunk = work[start : start + _CHUNK]
        future = _pool().submit(_verify_all, chunk)
        for index, item in enumerate(chunk):
            ahead[item] = (future, index)


def _verified(session: Session, public: str, message: bytes, signature: str) -> bool:
    """``verify``, or its result from :func:`check_ahead` for the very same three."""
    ahead = transaction_cache(session).get(_AHEAD)
    found = ahead.pop((public, message, signature), None) if ahead else None
    if found is None:
        return verify(public, message, signature)
    future, index = found
    result: bool = future.result()[index]
    return result


def _verify_all(chunk: list[tuple[str, bytes, str]]) -> list[bool]:
    return [verify(public, message, signature) for public, message, signature in chunk]


def _pool() -> ThreadPoolExecutor:
    global _checker
    with _checker_made:
        if _checker is None:
            _checker = ThreadPoolExecutor(max_workers=2, thread_name_prefix="signature check")
        return _checker


def _who(account: UserAccount) -> str:
    return f"{account.name} ({account.officer_code})"


def _check_first_key(
    session: Session,
    actor_id: uuid.UUID | None,
    values: dict[str, Any],
    message: bytes,
    signature: str,
) -> None:
    """Trust on first use: the first key sent for an account without one, signed by it."""
    account = session.get(UserAccount, actor_id) if actor_id is not None else None
    if account is None:
        raise SignatureRefused(
            "A signing key for someone this team store does not know; it is not accepted."
        )
    if account.public_key:
        raise SignatureRefused(
            f"{_who(account)} already has a signing key in the team store; a key is never "
            "replaced by a laptop."
        )
    public = values.get("public_key")
    if not isinstance(public, str) or not verify(public, message, signature):
        raise SignatureRefused(f"Not signed by {_who(account)}'s new key: {_WHY}")


def _check_first_manager(
    session: Session, name: str, values: dict[str, Any], message: bytes, signature: str
) -> None:
    """A change without an author: only the first manager's account, self-signed."""
    if name != "users.add" or values.get("first_manager") is not True:
        raise SignatureRefused(
            "This change names no author; the team store accepts only changes signed by "
            "the person who made them."
        )
    if session.exec(
        select(UserAccount.id).where(col(UserAccount.password_hash).is_not(None))
    ).first():
        raise SignatureRefused(
            "The team store already has a team manager; a second first manager is not "
            "accepted. Ask a team manager to add the account."
        )
    public = values.get("public_key")
    if not isinstance(public, str) or not verify(public, message, signature):
        raise SignatureRefused(f"The first manager's account is not signed by their key: {_WHY}")
