"""Ids and instants for new records, recorded so a change can be replayed exactly.

A change made on a laptop is later replayed in the shared store through the
same service code (see ``caseworker.sync``). For the store to hold the very
same records - the same audit entry ids, the same decision times - every id
and instant a change makes comes from here. While a change runs for the first
time its values are written on a :class:`Tape`; the replay plays the tape
back. A replay that asks for more values than were recorded (it took another
branch, say a merge conflict) gets fresh ones and the tape notes that it
diverged, so the laptop knows to take the store's version.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from caseworker.domain import clock


class Tape:
    """The ids and instants one change used, in the order it asked for them."""

    def __init__(self, values: list[str] | None = None) -> None:
        self.replaying = values is not None
        self.values: list[str] = list(values or [])
        self._next = 0
        self.diverged = False

    def _take(self, kind: str) -> str | None:
        if not self.replaying:
            return None
        if self._next < len(self.values) and self.values[self._next].startswith(kind):
            value = self.values[self._next]
            self._next += 1
            return value[len(kind) :]
        self.diverged = True
        return None

    def new_id(self) -> uuid.UUID:
        recorded = self._take("u:")
        if recorded is not None:
            return uuid.UUID(recorded)
        value = random_id()
        if not self.replaying:
            self.values.append(f"u:{value.hex}")
        return value

    def utcnow(self) -> datetime:
        recorded = self._take("t:")
        if recorded is not None:
            return datetime.fromisoformat(recorded)
        value = clock.now()
        if not self.replaying:
            self.values.append(f"t:{value.isoformat()}")
        return value

    @property
    def finished(self) -> bool:
        """True when a replay used exactly the recorded values, no more and no fewer."""
        return not self.diverged and self._next == len(self.values)


_tape: ContextVar[Tape | None] = ContextVar("caseworker_tape", default=None)

# Random version-4 ids, made from one read of the system's random source for every
# _IDS_AT_ONCE ids: ``uuid.uuid4`` reads it once per id, and the facts of a
# household (its id, its visit's, each member's) need several. Reading the facts of
# 10,000 households (``caseworker rules evaluate``) spent about 0.6 s in uuid4.
_IDS_AT_ONCE = 256
_VERSION_4_MASK = ~(0xC000 << 48 | 0xF000 << 64)
_VERSION_4_BITS = 0x8000 << 48 | 0x4000 << 64
_random_ints: list[int] = []
_new_uuid = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def _refill() -> None:
    data = os.urandom(16 * _IDS_AT_ONCE)
    from_bytes = int.from_bytes
    _random_ints[:] = [
        (from_bytes(data[i : i + 16]) & _VERSION_4_MASK) | _VERSION_4_BITS
        for i in range(0, len(data), 16)
    ]


def _forget_random_ints() -> None:
    """In a forked child: the parent's unused ids are the parent's (and its other children's)."""
    _random_ints.clear()


os.register_at_fork(after_in_child=_forget_random_ints)


def random_id() -> uuid.UUID:
    """A new random id, as ``uuid.uuid4()`` makes (122 random bits from ``os.urandom``,
    version 4, the RFC 4122 variant), in a fraction of its time; never on a tape."""
    while True:  # threads share the list: each pop is atomic, a check then a pop is not
        try:
            number = _random_ints.pop()
            break
        except IndexError:
            _refill()
    value = _new_uuid(uuid.UUID)
    _set(value, "int", number)
    _set(value, "is_safe", _UNKNOWN)
    return value


def new_id() -> uuid.UUID:
    tape = _tape.get()
    return tape.new_id() if tape is not None else random_id()


def utcnow() -> datetime:
    """Now, in UTC, from the one clock (:mod:`caseworker.domain.clock`) or the tape."""
    tape = _tape.get()
    return tape.utcnow() if tape is not None else clock.now()


@contextmanager
def on_tape(tape: Tape) -> Iterator[Tape]:
    """Record to (or replay from) ``tape`` for the duration of the block."""
    token = _tape.set(tape)
    try:
        yield tape
    finally:
        _tape.reset(token)


def current_tape() -> Tape | None:
    return _tape.get()
