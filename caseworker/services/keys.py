"""Signing keys unlocked in this process: a person's key is opened when they type
their password (``users.sign_in``) and forgotten at sign-out and lock.

Kept in memory only, never written anywhere; ``outbox`` signs each change with
its author's key from here. Several people may have a key unlocked at once (a
manager approving in person on an officer's laptop). Services run on worker
threads, hence the lock.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported at the first signature, not at start-up
    from caseworker.domain.signing import PrivateKey

_unlocked: dict[uuid.UUID, PrivateKey] = {}
_lock = threading.Lock()


def remember(user_id: uuid.UUID, private: PrivateKey) -> None:
    with _lock:
        _unlocked[user_id] = private


def forget(user_id: uuid.UUID) -> None:
    with _lock:
        _unlocked.pop(user_id, None)


def forget_all() -> None:
    with _lock:
        _unlocked.clear()


def key_for(user_id: uuid.UUID) -> PrivateKey | None:
    with _lock:
        return _unlocked.get(user_id)


def sign_change(user_id: uuid.UUID | None, digest: str) -> str:
    """``user_id``'s signature of the change with ``digest``; empty when their key is
    not unlocked here (the change is kept, and the team store will refuse it)."""
    private = key_for(user_id) if user_id is not None else None
    if private is None:
        return ""
    from caseworker.domain.signing import change_message, sign

    return sign(private, change_message(digest))
