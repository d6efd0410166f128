"""Normalised search terms: what an officer may type to find a household.

Terms and queries go through the same normalisation (accents folded, case
folded, apostrophes and hyphens dropped), so "obrien" finds "O'Brien-Smith"
and "zoe" finds "Zoë", while names are stored and shown exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from caseworker.domain.dates import written_date

# Apostrophes (straight and curly), hyphens, spaces and dots join parts of a name.
_JOINERS = re.compile("['\u2019`\\-\\s.]+")
DATE_PREFIX = "#"  # dates sort apart from names and cannot be typed by accident


def fold(text: str) -> str:
    """Fold accents and case; keep letters of every script."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold()


def name_terms(name: str) -> set[str]:
    """The whole name without joiners, plus each part of a hyphenated or spaced name."""
    return set(_name_terms(name))


@lru_cache(maxsize=16_384)
def _name_terms(name: str) -> frozenset[str]:
    """:func:`name_terms`, kept: a first pull folds the same names again and again."""
    folded = fold(name)
    terms = {_JOINERS.sub("", folded)}
    terms.update(_JOINERS.sub("", part) for part in re.split(r"[-\s]+", folded))
    return frozenset(t for t in terms if t)


def date_term(value: date) -> str:
    return f"{DATE_PREFIX}{value.isoformat()}"


def postcode_terms(postcode: str) -> set[str]:
    """Compact postcode ("se154qf") and inward code ("4qf"), so "SE15 4QF" finds it."""
    compact = postcode.replace(" ", "").casefold()
    return {compact, compact[-3:]} if compact else set()


def household_terms(
    reference: str, postcode: str, members: Iterable[tuple[str, str, date | None]]
) -> set[str]:
    """Every term for a household: reference, postcode and each member's names and birth date."""
    terms = {_JOINERS.sub("", fold(reference))} | postcode_terms(postcode)
    for first_name, surname, dob in members:
        terms |= _name_terms(first_name) | _name_terms(surname)
        if dob is not None:
            terms.add(date_term(dob))
    return {t for t in terms if t}


@dataclass(frozen=True)
class TermRange:
    """Match terms ``lo <= term < hi`` (a prefix), or exactly ``lo`` when ``hi`` is None."""

    lo: str
    hi: str | None


_OUTWARD = re.compile(r"^[a-z]{1,2}\d[a-z\d]?$")
_INWARD_START = re.compile(r"^\d[a-z]{0,2}$")


def _join_postcodes(words: list[str]) -> list[str]:
    """ "SE1 4PQ" is one postcode, not two words: "se1" alone would match SE11, SE14..."""
    joined: list[str] = []
    for word in words:
        if (
            joined
            and _INWARD_START.match(word.casefold())
            and _OUTWARD.match(joined[-1].casefold())
        ):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def parse_query(text: str) -> list[TermRange]:
    """Split what was typed into one term range per word; a date matches a birth date."""
    ranges: list[TermRange] = []
    for word in _join_postcodes(text.split()):
        as_date = _parse_date(word)
        if as_date is not None:
            ranges.append(TermRange(date_term(as_date), None))
            continue
        token = _JOINERS.sub("", fold(word))
        if token:
            ranges.append(TermRange(token, token[:-1] + chr(ord(token[-1]) + 1)))
    return ranges


def _parse_date(word: str) -> date | None:
    return written_date(word)
