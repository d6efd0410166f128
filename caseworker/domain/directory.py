"""The borough's services directory, as Caseworker keeps it: services, opening times, order.

A service comes from the borough's Open Referral UK feed (``caseworker.sync.oruk``
reads and checks it); here it is a plain record with what the family copy and
the officer need. Opening times are the feed's regular schedules, in UK local
time. :func:`rank` orders the services that match a referral for one
household: open at the visit, in the household's postcode district, in its
language first. Nothing here reads the clock: the instant is passed in.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from caseworker.domain.clock import LOCAL_ZONE

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_BYDAY_RE = re.compile(r"([+-]?[0-9]+)?(MO|TU|WE|TH|FR|SA|SU)")
_DISTRICT_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*[0-9][A-Z]{2}$")


class Opening(BaseModel):
    """One regular schedule: on these days (``byday``), from ``opens`` to ``closes``.

    ``days`` holds iCal day codes, an ordinal before a code (``2MO``, ``-1FR``) for a
    monthly schedule; no days means every day. ``valid_from``/``valid_to`` bound it.
    """

    model_config = ConfigDict(frozen=True)

    days: tuple[str, ...] = ()
    monthly: bool = False
    opens: time | None = None
    closes: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = ""

    def is_open(self, local: datetime) -> bool:
        """Open at ``local`` (UK local time)?"""
        day = local.date()
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_to is not None and day > self.valid_to:
            return False
        if self.opens is None or self.closes is None:
            return False
        if not self._on(day):
            return False
        return self.opens <= local.time().replace(tzinfo=None) < self.closes

    def _on(self, day: date) -> bool:
        if not self.days:
            return True
        code = DAYS[day.weekday()]
        for entry in self.days:
            found = _BYDAY_RE.fullmatch(entry)
            if found is None or found.group(2) != code:
                continue
            if not found.group(1) or not self.monthly:
                return True
            n = int(found.group(1))
            last = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            if n > 0 and (day.day - 1) // 7 + 1 == n:
                return True
            if n < 0 and (last.day - day.day) // 7 + 1 == -n:
                return True
        return False

    def words(self) -> str:
        """``Monday, Tuesday 09:00 to 17:00`` (or the feed's own description)."""
        if self.opens is None or self.closes is None:
            return self.description
        hours = f"{self.opens:%H:%M} to {self.closes:%H:%M}"
        if not self.days:
            return f"Every day {hours}"
        names = []
        for entry in self.days:
            code = entry[-2:]
            name = DAY_NAMES[DAYS.index(code)] if code in DAYS else entry
            ordinal = entry[:-2]
            names.append(f"{_ordinal(ordinal)} {name} of the month" if ordinal else name)
        return f"{', '.join(names)} {hours}"


def _ordinal(text: str) -> str:
    words = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
    return words.get(text.lstrip("+"), text)


class DirectoryService(BaseModel):
    """One service of the directory, as read from the feed."""

    model_config = ConfigDict(frozen=True)

    service_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1)
    organisation: str = ""
    description: str = ""
    status: str = "active"
    address: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    email: str = ""
    url: str = ""
    languages: tuple[str, ...] = ()
    cost: str = ""
    assured_date: date | None = None
    terms: tuple[str, ...] = ()
    opening: tuple[Opening, ...] = ()

    def is_open(self, at: datetime) -> bool:
        """Open at the instant ``at`` (aware; read in UK local time)?"""
        local = local_time(at)
        return any(o.is_open(local) for o in self.opening)

    def opening_words(self) -> list[str]:
        return [w for w in (o.words() for o in self.opening) if w]


def district(postcode: str) -> str:
    """The outward code of a postcode (``SE15 4QF`` -> ``SE15``), or "" if it is not one."""
    match = _DISTRICT_RE.match(postcode.strip().upper())
    return match.group(1) if match else ""


def term_key(term: str) -> str:
    """How a taxonomy term is compared: case and spacing do not matter."""
    return " ".join(term.casefold().split())


def language_key(language: str) -> str:
    return term_key(language)


class Ranked(NamedTuple):
    service: DirectoryService
    open_now: bool
    in_district: bool
    in_language: bool


def order_key(
    open_now: bool, in_district: bool, in_language: bool, name: str, service_id: str
) -> tuple[bool, bool, bool, str, str]:
    """Where a service goes in the officer's list: open at the visit first, then in the
    household's postcode district, then in its language; then by name."""
    return (not open_now, not in_district, not in_language, name.casefold(), service_id)


def local_time(at: datetime) -> datetime:
    """``at`` in UK local time (opening times are local); a naive value is taken as local."""
    return at.astimezone(LOCAL_ZONE) if at.tzinfo is not None else at


@functools.lru_cache(maxsize=8192)
def openings(text: str) -> tuple[Opening, ...]:
    """Opening times stored as JSON (many services share the same ones: read once)."""
    return tuple(Opening.model_validate(o) for o in json.loads(text or "[]"))


def rank(
    services: Iterable[DirectoryService],
    *,
    postcode: str,
    languages: Sequence[str],
    at: datetime,
) -> list[Ranked]:
    """The services in the order the officer sees them (:func:`order_key`)."""
    home = district(postcode)
    wanted = {language_key(x) for x in languages if x.strip()}
    ranked = [
        Ranked(
            s,
            s.is_open(at),
            bool(home) and district(s.postcode) == home,
            bool(wanted) and any(language_key(x) in wanted for x in s.languages),
        )
        for s in services
    ]
    ranked.sort(
        key=lambda r: order_key(
            r.open_now, r.in_district, r.in_language, r.service.name, r.service.service_id
        )
    )
    return ranked
