"""A page is received and decoded ahead of the part being applied (``sync.http``): the
parts arrive in order, a failure on the way is raised in its place, and a page the
laptop stops applying stops being read."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from caseworker.store.errors import ConnectionLost
from caseworker.sync.http import read_ahead
from caseworker.sync.remote import ROWS, Part


def _parts(count: int, fail_after: int | None, closed: list[int]) -> Generator[Part, None, None]:
    n = 0
    try:
        for n in range(count):
            if n == fail_after:
                raise ConnectionLost(shared=True)
            yield Part(ROWS, [{"n": n}], table="household")
    finally:
        closed.append(n)  # how far it was read


def test_parts_arrive_in_order() -> None:
    closed: list[int] = []
    got = [p.rows[0]["n"] for p in read_ahead(_parts(50, None, closed))]
    assert got == list(range(50)) and closed == [49]


def test_a_failure_on_the_way_is_raised_after_the_parts_before_it() -> None:
    closed: list[int] = []
    got: list[int] = []
    with pytest.raises(ConnectionLost):
        for part in read_ahead(_parts(50, 7, closed)):
            got.append(part.rows[0]["n"])
    assert got == list(range(7)) and closed == [7]


def test_a_page_closed_half_way_stops_the_reading() -> None:
    closed: list[int] = []
    ahead = read_ahead(_parts(10_000, None, closed))
    assert next(ahead).rows[0]["n"] == 0
    ahead.close()  # the laptop's page failed: the answer is closed, not read to the end
    assert len(closed) == 1 and closed[0] < 10  # a few parts ahead, not the whole page
