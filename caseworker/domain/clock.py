"""The one clock every part of Caseworker reads "now" and "today" from.

Deadlines, retention, reviews and the dates printed on reports all depend on
the date. Reading it in one place lets the tests (and a support session
reproducing a report) fix the instant, and keeps "today" the same everywhere:
the council works in UK time, so today is the date in Europe/London whatever
zone the machine is set to, while instants are stored as aware UTC.

Elapsed-time measurements (timeouts, durations) are not dates and use
:func:`time.monotonic` / :func:`time.perf_counter` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: The zone whose calendar decides what "today" is.
LOCAL_ZONE = ZoneInfo("Europe/London")

#: Set to an ISO instant (``2026-11-27T10:00:00Z``) to fix the clock of a fresh
#: process - the tests use it for the ``caseworker`` command they run.
ENV_VAR = "CASEWORKER_CLOCK"


class Clock(Protocol):
    """Anything that can say what the instant is."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The machine's real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant, for tests and reproducible runs.

    Each reading ticks one microsecond on, so records made one after another
    still sort in the order they were made.
    """

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a fixed clock needs an aware instant")
        self._next = at.astimezone(UTC)

    def now(self) -> datetime:
        value = self._next
        self._next += timedelta(microseconds=1)
        return value


def parse_instant(text: str) -> datetime:
    """An aware instant from ISO text; a trailing ``Z`` means UTC, no zone means UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _from_environment() -> Clock:
    fixed = os.environ.get(ENV_VAR, "").strip()
    return FixedClock(parse_instant(fixed)) if fixed else SystemClock()


_clock: Clock = _from_environment()

# Today's date read once for a block of work (see :func:`one_day`), or None.
_day: ContextVar[date | None] = ContextVar("caseworker_day", default=None)


def now() -> datetime:
    """The current instant in UTC (aware)."""
    return _clock.now().astimezone(UTC)


def today() -> date:
    """Today's date as the council sees it: the calendar date in Europe/London."""
    day = _day.get()
    return day if day is not None else _clock.now().astimezone(LOCAL_ZONE).date()


@contextmanager
def one_day() -> Iterator[date]:
    """Read today's date once, and let :func:`today` answer it for the whole block.

    A sync replay checks a date of birth against today for every member of every
    household it reads (thousands per push): it reads the clock once, so the push is
    checked against one date however long it takes. Instants (:func:`now`) are still
    read each time. Nested blocks keep the outer block's date.
    """
    day = today()
    token = _day.set(day)
    try:
        yield day
    finally:
        _day.reset(token)


def local_now() -> datetime:
    """The current instant in UK time, for stamps a person reads (file names)."""
    return _clock.now().astimezone(LOCAL_ZONE)


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock | None) -> Clock:
    """Use ``clock`` from now on (``None``: what the environment asks for); returns the old one."""
    global _clock
    previous = _clock
    _clock = clock if clock is not None else _from_environment()
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Use ``clock`` for the duration of the block, then put the previous one back."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
