"""Likely duplicate households: who might already be on the system, and why.

Officers at a busy drop-in create a new household when they cannot find the
old one: the surname was misspelt, letters were swapped, the names went in the
wrong boxes, the surname changed on marriage, or the family moved. Matching
here is pure (no storage): it scores a candidate against existing households
and says in plain English why each looks like the same family, so the officer
can open the old record instead of creating a second one.

Evidence is added up (points below) and a household is flagged only when the
total reaches ``THRESHOLD`` *and* at least one identifying fact agrees: the
date of birth, the postcode, the phone number or the email address. Names
alone never flag a household, so the borough's many Smiths are left alone.
Facts that disagree count against a match (a different date of birth, a
clearly different first name), so twins and namesakes are not flagged either.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import combinations

from rapidfuzz.distance import OSA, Levenshtein

from caseworker.domain.dates import typed_date
from caseworker.domain.household import Household
from caseworker.domain.postcode import PostcodeError, normalise_postcode
from caseworker.domain.search_terms import fold

THRESHOLD = 60
# Points for each piece of evidence. A different date of birth weighs heavily:
# two people with the same name but different birthdays are two people.
SAME_DOB = 40
DIFFERENT_DOB = -40
SURNAME_SAME = 30
SURNAME_SIMILAR = 25
SURNAME_DIFFERENT = -10
FIRST_SAME = 25
FIRST_SIMILAR = 20
FIRST_INITIAL = 5
FIRST_DIFFERENT = -20
NAMES_SWAPPED = 50
SAME_POSTCODE = 35
SAME_PHONE = 45
SAME_EMAIL = 45
# A block (households sharing a key) larger than this is a shared office phone or a
# hostel's postcode: comparing every pair in it would be slow and flag nothing useful.
MAX_BLOCK = 200
_MIN_PHONE_DIGITS = 10
_NOT_NAME = re.compile(r"[^\w]|_")
_PART_SPLIT = re.compile(r"[-\s]+")


@dataclass(frozen=True)
class Person:
    first_name: str
    surname: str
    date_of_birth: date | None = None


@dataclass(frozen=True)
class Profile:
    """What matching reads from a household, or from a new-household form as typed.

    ``people`` puts the lead contact first; an existing household has an id.
    """

    people: tuple[Person, ...]
    postcode: str = ""
    phone: str = ""
    email: str = ""
    household_id: uuid.UUID | None = None
    reference: str = ""


def as_sentence(reasons: Sequence[str]) -> str:
    """Why two records look alike, as one sentence: ``Same name; same postcode``."""
    text = "; ".join(reasons)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Match:
    """An existing household that looks like the candidate, with the reasons why."""

    household_id: uuid.UUID
    reference: str
    score: int
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return as_sentence(self.reasons)


@dataclass(frozen=True)
class Pair:
    """Two existing households that look like the same family (``first`` < ``second``)."""

    first: uuid.UUID
    first_reference: str
    second: uuid.UUID
    second_reference: str
    score: int
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return as_sentence(self.reasons)


# -- building profiles --------------------------------------------------------------


def profile_of(household: Household) -> Profile:
    """The profile of a saved or about-to-be-saved household, lead contact first."""
    lead = household.lead
    ordered = sorted(household.members, key=lambda m: m is not lead)
    return Profile(
        people=tuple(Person(m.first_name, m.surname, m.date_of_birth) for m in ordered),
        postcode=household.postcode,
        phone=household.phone,
        email=household.email,
        household_id=household.id,
        reference=household.reference,
    )


def profile_from_fields(fields: Mapping[str, str]) -> Profile:
    """The lead contact and address as typed so far; half-typed values are ignored.

    A date of birth counts only once it is a whole date and a postcode once it is a
    whole postcode, so the check does not chase every keystroke.
    """
    first = fields.get("first_name", "").strip()
    surname = fields.get("surname", "").strip()
    dob = parse_date(fields.get("date_of_birth", ""))
    people = (Person(first, surname, dob),) if first or surname or dob else ()
    return Profile(
        people=people,
        postcode=whole_postcode(fields.get("postcode", "")),
        phone=fields.get("phone", "").strip(),
        email=fields.get("email", "").strip(),
    )


def parse_date(text: str) -> date | None:
    return typed_date(text)


@lru_cache(maxsize=65_536)
def whole_postcode(text: str) -> str:
    """``SE15 4QF`` for any spacing or case of a whole UK postcode, else ``""``."""
    try:
        return normalise_postcode(text) if text.strip() else ""
    except PostcodeError:
        return ""


@lru_cache(maxsize=65_536)
def phone_key(phone: str) -> str:
    """Digits only, +44 as 0; ``""`` when too short to identify anyone."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44") and phone.strip().startswith("+"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    return digits if len(digits) >= _MIN_PHONE_DIGITS else ""


def email_key(email: str) -> str:
    text = email.strip().casefold()
    return text if "@" in text else ""


# -- names --------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _name_key(name: str) -> tuple[str, frozenset[str]]:
    """The whole name folded without punctuation ("obriensmith"), and its parts."""
    folded = fold(name)
    whole = _NOT_NAME.sub("", folded)
    parts = frozenset(p for p in (_NOT_NAME.sub("", x) for x in _PART_SPLIT.split(folded)) if p)
    return whole, parts


_SAME, _SIMILAR, _PART, _INITIAL, _DIFFERENT, _UNKNOWN = range(6)


def _compare_names(a: str, b: str) -> tuple[int, str]:
    """How two names relate, and a plain description of a near miss."""
    ka, parts_a = _name_key(a)
    kb, parts_b = _name_key(b)
    if not ka or not kb:
        return _UNKNOWN, ""
    if ka == kb:
        return _SAME, "" if a.strip() == b.strip() else "accents or punctuation aside"
    if len(ka) == 1 or len(kb) == 1:
        return (_INITIAL, "") if ka[0] == kb[0] else (_DIFFERENT, "")
    # Short names differ by one letter all the time (Lee, Lea, Leo): among them only a
    # dropped or added letter (Jon, John) counts as a slip of the keyboard.
    shortest, longest = min(len(ka), len(kb)), max(len(ka), len(kb))
    if shortest <= 3:
        allowed = 1 if shortest == 3 and longest == 4 else 0
    else:
        allowed = 1 if longest <= 6 else 2
    distance = OSA.distance(ka, kb, score_cutoff=allowed)
    if distance <= allowed:
        if Levenshtein.distance(ka, kb) > distance:
            return _SIMILAR, "letters swapped"
        return _SIMILAR, "one letter different" if distance == 1 else "two letters different"
    if (len(parts_a) > 1 or len(parts_b) > 1) and any(len(p) >= 3 for p in parts_a & parts_b):
        return _PART, "hyphenated or changed surname"
    return _DIFFERENT, ""


def _pair_text(kind: str, a: str, b: str, detail: str) -> str:
    both = a if a.strip() == b.strip() else f"{a} and {b}"
    return f"{kind} ({both}{': ' + detail if detail else ''})"


# -- scoring ------------------------------------------------------------------------


def _dob_near(a: date, b: date) -> bool:
    """One digit mistyped, or day and month the wrong way round."""
    sa, sb = a.isoformat(), b.isoformat()
    if sum(x != y for x, y in zip(sa, sb, strict=True)) == 1:
        return True
    return a.year == b.year and a.month == b.day and a.day == b.month


def _score_people(new: Person, old: Person) -> tuple[int, list[str], bool]:
    """Points, reasons, and whether the date of birth agrees, for two people."""
    points = 0
    reasons: list[str] = []
    dob_agrees = False
    if new.date_of_birth and old.date_of_birth:
        if new.date_of_birth == old.date_of_birth:
            points += SAME_DOB
            dob_agrees = True
            reasons.append(f"same date of birth ({new.date_of_birth:%d/%m/%Y})")
        elif _dob_near(new.date_of_birth, old.date_of_birth):
            reasons.append(
                f"date of birth nearly the same ({new.date_of_birth:%d/%m/%Y} and "
                f"{old.date_of_birth:%d/%m/%Y})"
            )
        else:
            points += DIFFERENT_DOB
    surname, surname_detail = _compare_names(new.surname, old.surname)
    first, first_detail = _compare_names(new.first_name, old.first_name)
    if surname not in (_SAME, _SIMILAR, _PART) and first not in (_SAME, _SIMILAR):
        close = (_SAME, _SIMILAR)
        if (
            _compare_names(new.first_name, old.surname)[0] in close
            and _compare_names(new.surname, old.first_name)[0] in close
        ):
            reasons.append(
                f"first name and surname swapped ({new.first_name} {new.surname} and "
                f"{old.first_name} {old.surname})"
            )
            return points + NAMES_SWAPPED, reasons, dob_agrees
    if surname == _SAME:
        points += SURNAME_SAME
        reasons.append(_pair_text("same surname", new.surname, old.surname, surname_detail))
    elif surname in (_SIMILAR, _PART):
        points += SURNAME_SIMILAR
        reasons.append(_pair_text("similar surname", new.surname, old.surname, surname_detail))
    elif surname == _DIFFERENT:
        points += SURNAME_DIFFERENT
    if first == _SAME:
        points += FIRST_SAME
        reasons.append(_pair_text("same first name", new.first_name, old.first_name, first_detail))
    elif first == _SIMILAR:
        points += FIRST_SIMILAR
        reasons.append(
            _pair_text("similar first name", new.first_name, old.first_name, first_detail)
        )
    elif first == _INITIAL:
        points += FIRST_INITIAL
        reasons.append(f"same first initial ({new.first_name} and {old.first_name})")
    elif first == _DIFFERENT:
        points += FIRST_DIFFERENT
    return points, reasons, dob_agrees


def _score_contact(new: Profile, old: Profile) -> tuple[int, list[str]]:
    points = 0
    reasons: list[str] = []
    if new.postcode and whole_postcode(new.postcode) == whole_postcode(old.postcode) != "":
        points += SAME_POSTCODE
        reasons.append(f"same postcode ({whole_postcode(old.postcode)})")
    phone = phone_key(new.phone)
    if phone and phone == phone_key(old.phone):
        points += SAME_PHONE
        reasons.append("same phone number")
    email = email_key(new.email)
    if email and email == email_key(old.email):
        points += SAME_EMAIL
        reasons.append("same email address")
    return points, reasons


def compare(new: Profile, old: Profile) -> tuple[int, tuple[str, ...]] | None:
    """Score ``old`` as a duplicate of ``new``; ``None`` unless it reaches the threshold.

    Every person of ``new`` is compared with every person of ``old`` (the lead of one
    form may be the partner of another household) and the best pair counts.
    """
    contact_points, contact_reasons = _score_contact(new, old)
    best: tuple[int, list[str], bool] | None = None
    for person in new.people:
        for other_index, other in enumerate(old.people):
            if not contact_points and (
                person.date_of_birth is None or person.date_of_birth != other.date_of_birth
            ):
                continue  # names alone never make a duplicate: skip the costly comparison
            points, reasons, dob_agrees = _score_people(person, other)
            if other_index > 0 and reasons:
                reasons = [*reasons, f"matches member {other.first_name} {other.surname}"]
            if best is None or points > best[0]:
                best = (points, reasons, dob_agrees)
    people_points, people_reasons, dob_agrees = best or (0, [], False)
    if not (dob_agrees or contact_points):
        return None  # names alone never make a duplicate
    score = min(100, contact_points + people_points)
    if score < THRESHOLD:
        return None
    return score, tuple(people_reasons + contact_reasons)


def rank(new: Profile, existing: Iterable[Profile], limit: int = 5) -> list[Match]:
    """The likeliest duplicates of ``new`` among ``existing``, best first."""
    matches: list[Match] = []
    for old in existing:
        if old.household_id is None or old.household_id == new.household_id:
            continue
        found = compare(new, old)
        if found is not None:
            matches.append(Match(old.household_id, old.reference, found[0], found[1]))
    matches.sort(key=lambda m: (-m.score, m.reference))
    return matches[:limit]


# -- full scan ----------------------------------------------------------------------


def blocking_keys(profile: Profile) -> set[tuple[str, str]]:
    """Keys two duplicates are likely to share, so only households sharing one are compared.

    Date of birth catches a new surname, a new address and swapped names; postcode
    with first initial catches a missing or mistyped birth date; phone and email
    catch the rest.
    """
    keys: set[tuple[str, str]] = set()
    postcode = whole_postcode(profile.postcode)
    for person in profile.people:
        if person.date_of_birth is not None:
            keys.add(("dob", person.date_of_birth.isoformat()))
        if postcode:
            for name in (person.first_name, person.surname):
                whole, _ = _name_key(name)
                if whole:
                    keys.add(("postcode", f"{postcode}/{whole[0]}"))
    if phone := phone_key(profile.phone):
        keys.add(("phone", phone))
    if email := email_key(profile.email):
        keys.add(("email", email))
    return keys


def find_pairs(profiles: Iterable[Profile]) -> list[Pair]:
    """Every pair of households that look like the same family, best first."""
    # Households are numbered: ints hash far faster than UUIDs over a million pairs.
    saved = [p for p in profiles if p.household_id is not None]
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, profile in enumerate(saved):
        for key in blocking_keys(profile):
            blocks[key].append(number)
    seen: set[tuple[int, int]] = set()
    pairs: list[Pair] = []
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for a, b in combinations(members, 2):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            found = compare(saved[a], saved[b])
            if found is not None:
                pairs.append(_pair(saved[a], saved[b], *found))
    pairs.sort(key=lambda p: (-p.score, p.first_reference, p.second_reference))
    return pairs


def _pair(a: Profile, b: Profile, score: int, reasons: tuple[str, ...]) -> Pair:
    """The pair in id order, so each appears once whichever block found it."""
    if a.household_id is None or b.household_id is None:
        raise ValueError("only saved households make a pair")
    if b.household_id < a.household_id:
        a, b = b, a
    assert a.household_id is not None and b.household_id is not None
    return Pair(a.household_id, a.reference, b.household_id, b.reference, score, reasons)
