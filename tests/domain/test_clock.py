"""The one clock: UTC instants, London dates, a fixed clock for tests and fresh processes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from caseworker.domain import clock, stamps
from caseworker.domain.clock import FixedClock, parse_instant, use_clock
from tests.conftest import FIXED_NOW, FIXED_TODAY

ROOT = Path(__file__).resolve().parents[2]


def test_tests_run_at_the_fixed_instant(fixed_clock: FixedClock) -> None:
    assert clock.now() == FIXED_NOW
    assert clock.today() == FIXED_TODAY
    assert clock.get_clock() is fixed_clock


def test_a_fixed_clock_ticks_a_microsecond_per_reading() -> None:
    first, second, third = clock.now(), stamps.utcnow(), clock.now()
    assert first < second < third
    assert third - first == timedelta(microseconds=2)
    assert first.tzinfo is not None and first.utcoffset() == timedelta(0)


def test_today_is_the_date_in_london_not_in_utc() -> None:
    with use_clock(FixedClock(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))):  # BST: 00:30
        assert clock.today() == date(2026, 7, 1)
        assert clock.now().date() == date(2026, 6, 30)
    with use_clock(FixedClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))):  # GMT
        assert clock.today() == date(2026, 12, 31)


class _DayPerReading:
    """A clock a day later at every reading: how many times was it read for a date?"""

    def __init__(self, start: datetime) -> None:
        self.readings = 0
        self._start = start

    def now(self) -> datetime:
        self.readings += 1
        return self._start + timedelta(days=self.readings - 1)


def test_one_day_reads_the_date_once_for_the_whole_block() -> None:
    moving = _DayPerReading(datetime(2026, 11, 27, 10, tzinfo=UTC))
    with use_clock(moving):
        with clock.one_day() as day:
            assert day == date(2026, 11, 27)
            assert [clock.today() for _ in range(3)] == [day] * 3
            with clock.one_day() as inner:  # a nested block keeps the outer date
                assert inner == day and clock.today() == day
            assert clock.now() == datetime(2026, 11, 28, 10, tzinfo=UTC)  # instants still read
        assert moving.readings == 2
        assert clock.today() == date(2026, 11, 29)  # after the block, the clock again


def test_use_clock_puts_the_previous_clock_back(fixed_clock: FixedClock) -> None:
    other = FixedClock(datetime(2031, 2, 28, 23, 50, tzinfo=timezone(timedelta(hours=-5))))
    with use_clock(other):
        assert clock.now() == datetime(2031, 3, 1, 4, 50, tzinfo=UTC)
    assert clock.get_clock() is fixed_clock


def test_a_fixed_clock_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 11, 27, 10, 0))


def test_instants_from_the_environment() -> None:
    assert parse_instant("2026-11-27T10:00:00Z") == FIXED_NOW
    assert parse_instant("2026-11-27T10:00:00") == FIXED_NOW
    assert parse_instant("2026-11-27T11:00:00+01:00") == FIXED_NOW


def test_a_fresh_process_takes_its_clock_from_the_environment() -> None:
    code = "from caseworker.domain import clock; print(clock.now().isoformat(), clock.today())"
    env = dict(os.environ, CASEWORKER_CLOCK="2031-02-28T23:50:00Z")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2031-02-28T23:50:00+00:00", "2031-02-28"]
