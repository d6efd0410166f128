"""Times for people are in UK time: GMT in winter, BST in summer, whatever the machine says."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from caseworker.domain.dates import local_stamp, local_time
from caseworker.reports.common import instant

SUMMER = datetime(2026, 7, 1, 13, 30, tzinfo=UTC)  # BST: 14:30 on the wall
WINTER = datetime(2026, 11, 27, 10, 0)  # GMT; naive, as SQLite gives it back: UTC


@pytest.fixture
def machine_in_new_york() -> Iterator[None]:
    """A laptop set to another zone must still show UK times."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_bst_and_a_gmt_instant_as_people_read_them(machine_in_new_york: None) -> None:
    assert local_stamp(SUMMER) == "01/07/2026 14:30"
    assert local_stamp(WINTER) == "27/11/2026 10:00"
    assert instant(SUMMER) == "1 Jul 2026 14:30 BST"  # the case file's wording
    assert instant(WINTER) == "27 Nov 2026 10:00 GMT"
    assert instant(SUMMER, zone=False) == "1 Jul 2026 14:30"


def test_the_clocks_going_forward_and_back() -> None:
    # Last Sunday of March 2026: 01:00 UTC becomes 02:00 BST.
    assert local_time(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)).strftime("%H:%M %Z") == "00:59 GMT"
    assert local_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)).strftime("%H:%M %Z") == "02:00 BST"
    # Last Sunday of October 2026: 01:00 UTC becomes 01:00 GMT again.
    assert local_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).strftime("%H:%M %Z") == "01:30 BST"
    assert local_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).strftime("%H:%M %Z") == "01:30 GMT"


def test_a_late_summer_evening_is_still_that_day_in_the_uk(machine_in_new_york: None) -> None:
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
    assert local_stamp(late) == "02/07/2026 00:30"
