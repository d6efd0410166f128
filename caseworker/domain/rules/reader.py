"""Reading FACTS.json strictly, with every refusal in the officer's words.

A facts file is written by hand or by another system, so nothing is guessed:
``"yes"`` is not true, ``"1200"`` is not 1200, a key given twice is refused
rather than the last one silently winning, and every amount and date must be
within the bounds the policy version in force states (``bounds:`` in
``resources/rules/versions``). Dates are checked against the visit's own date,
never the machine's clock. A file saved with a UTF-8 byte-order mark (as
Windows Notepad does) is read as if it had none.

Each problem is one line naming the field as the form does ("Member 2 (Ama
Mensah): Date of birth (date_of_birth): ..."), what was expected, and the
closest field or value when a name is misspelt.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from caseworker.domain.assessment import Capitals
from caseworker.domain.errors import Refused
from caseworker.domain.household import CHECKED_AGAINST_VISIT, Household, Member
from caseworker.domain.labels import LABELS
from caseworker.domain.money import format_pence
from caseworker.domain.rules.compile import NoRulesInForce, RuleSet
from caseworker.domain.rules.facts import Facts, PriorAward
from caseworker.domain.visit import Visit

SHOWN_INPUT_CHARS = 40
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})

# The models inside the facts, and how an entry of a list of them is named.
_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (Facts, "household"): Household,
    (Facts, "visit"): Visit,
    (Facts, "prior_awards"): PriorAward,
    (Household, "members"): Member,
    (Visit, "capitals"): Capitals,
}
_ENTRY_NAMES = {"members": "Member", "prior_awards": "Award"}
_EXAMPLES = {
    date: "a date written as YYYY-MM-DD, such as 2026-06-15",
    uuid.UUID: "an id such as 00000000-0000-4000-8000-00000000000a",
    bool: "true or false (without quotes)",
    str: "text in double quotes",
}


class FactsRefused(Refused):
    """The facts cannot be evaluated; ``problems`` has one line for each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "the facts were refused")
        self.problems = problems


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


# Made once: json.loads with a hook would build a decoder for every household.
_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_no_duplicates)


# Every digit as "0": a run of 19 of them is a number orjson may read as a float.
_ZEROED = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def _parse(text: str) -> Any:
    """One JSON value, refusing a key given twice in one object.

    orjson reads it (several times faster than the standard library, and
    already a dependency for sync pages) but keeps the last of two equal keys
    and reads a whole number beyond 64 bits (19 digits or more) as a float.
    Without escapes, orjson's copy of what it read keeps every string as it
    was written, so it has as many ``:`` as the text unless a key was given
    twice (its ``:`` is gone). The standard library's parser decides whenever
    they differ, orjson fails, or the text has an escape, a run of 19 digits
    or is not an object or list, with its own messages.
    """
    try:
        data = text.encode()
        if b"\\" in data or _LONG_NUMBER in data.translate(_ZEROED):
            return _STRICT_JSON.decode(text)
        raw = orjson.loads(data)
        if not isinstance(raw, dict | list):
            return _STRICT_JSON.decode(text)  # not facts anyway: no need to be quick
        if orjson.dumps(raw).count(b":") != data.count(b":"):
            return _STRICT_JSON.decode(text)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, UnicodeEncodeError):
        return _STRICT_JSON.decode(text)
    return raw


_BOM = b"\xef\xbb\xbf"


def _parse_bytes(data: bytes) -> Any:
    """What :func:`_parse` gives for ``data`` decoded, without decoding it when it is
    plain (the usual line of a JSON-lines file): orjson reads UTF-8 itself, refusing
    what is not UTF-8, and whatever it refuses or is not plain goes the long way
    (``None``), with that way's messages."""
    data = data.removeprefix(_BOM)
    if b"\\" in data or _LONG_NUMBER in data.translate(_ZEROED):
        return None
    try:
        raw = orjson.loads(data)
        if isinstance(raw, dict) and orjson.dumps(raw).count(b":") == data.count(b":"):
            return raw
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    return None


def read_facts(data: bytes | str, ruleset: RuleSet) -> Facts:
    """The facts in ``data`` (one JSON object), or ``FactsRefused`` saying what to fix."""
    raw = _parse_bytes(data) if isinstance(data, bytes) else None
    if raw is None:
        raw = _read_json(data)
    # Strict per field (caseworker.domain.household: Pence, Flag, Day): nothing coerced.
    problems = _strict_scores(raw)
    try:
        facts = Facts.model_validate(raw, context=_AGAINST_VISIT)
    except ValidationError as exc:
        raise FactsRefused(problems + describe_errors(exc, raw)) from exc
    if problems:
        raise FactsRefused(problems)
    problems = facts_problems(facts, ruleset)
    if problems:
        raise FactsRefused(problems)
    return facts


def _read_json(data: bytes | str) -> dict[str, Any]:
    """One JSON object, decoded and parsed by :func:`_parse`, or ``FactsRefused``."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FactsRefused(
                [f"the file is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8"]
            ) from exc
    else:
        text = data.removeprefix("\ufeff")
    try:
        raw = _parse(text)
    except _DuplicateKey as exc:
        key = str(exc)
        raise FactsRefused(
            [f'{_title_anywhere(key)} ("{key}") is given twice in one place; keep one value']
        ) from exc
    except json.JSONDecodeError as exc:
        raise FactsRefused(
            [f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from exc
    if not isinstance(raw, dict):
        raise FactsRefused(
            ['expected one household\'s facts: a JSON object with "household" and "visit"']
        )
    return raw


# The facts' dates are checked against the visit's date, not the clock (made once).
_AGAINST_VISIT = {CHECKED_AGAINST_VISIT: True}


def checked_facts(data: dict[str, Any], ruleset: RuleSet) -> Facts:
    """Facts a program put together (a stored household and its visit), checked as a
    facts file is: dates against the visit's own date and every :func:`facts_problems`
    check, so the services refuse what ``caseworker rules evaluate`` refuses, in the
    same words. ``FactsRefused`` lists each problem."""
    try:
        facts = Facts.model_validate(data, context=_AGAINST_VISIT)
    except ValidationError as exc:
        raise FactsRefused(describe_errors(exc, data)) from exc
    problems = facts_problems(facts, ruleset)
    if problems:
        raise FactsRefused(problems)
    return facts


def _strict_scores(raw: dict[str, Any]) -> list[str]:
    """The four capitals without coercion (``"2"`` or ``true`` is not a score).

    The visit form gives scores as text, so the domain model reads them laxly;
    a facts file must give numbers.
    """
    visit = raw.get("visit")
    scores = visit.get("capitals") if isinstance(visit, dict) else None
    if not isinstance(scores, dict):
        return []
    if all(type(score) is int or score is None for score in scores.values()):
        return []  # strictly valid (a range or an unknown name is the model's to refuse)
    try:
        Capitals.model_validate(scores, strict=True)
    except ValidationError as exc:
        lines = [
            _describe({**e, "loc": ("visit", "capitals", *e["loc"][:1])}, raw)
            for e in exc.errors(include_url=False)
            if e["type"] not in ("greater_than_equal", "less_than_equal", "extra_forbidden")
        ]
        return list(dict.fromkeys(lines))
    return []


# ---------------------------------------------------------------- the checks


def facts_problems(facts: Facts, ruleset: RuleSet) -> list[str]:
    """What is wrong with well-typed facts against the version in force on the visit date."""
    day = facts.visit.visit_date
    try:
        segment = ruleset.segment_for(day)
    except NoRulesInForce as exc:
        return [f"Visit date (visit_date): {exc}"]
    bounds = segment.bounds
    problems: list[str] = []
    version = segment.version
    if (day - version.in_force_from).days > bounds.max_days_after_version:
        problems.append(
            f"Visit date (visit_date): {day.isoformat()} is more than "
            f"{bounds.max_days_after_version} days after policy version {version.name} came "
            f"into force ({version.in_force_from.isoformat()}); check the year"
        )
        return problems  # every other date is measured from this one
    earliest = day - timedelta(days=bounds.max_days_before_visit)
    latest = day + timedelta(days=bounds.max_days_after_visit)
    household, visit = facts.household, facts.visit
    members = household.members
    if not members:
        problems.append(
            "Members (members): none given; a household has at least one member, the lead contact"
        )
    seen: dict[int, int] = {}  # by the id's number: a UUID's hash is computed in Python
    for index, member in enumerate(members):
        # Names are put together only for a problem: this runs for every line of a file.
        who = ""
        key = member.id.int
        if key in seen:
            who = _member_name(index, member.first_name, member.surname)
            other = seen[key]
            first = _member_name(other, members[other].first_name, members[other].surname)
            problems.append(
                f"{who}: id ({member.id}) is also the id of {first}; each member needs their own id"
            )
        seen.setdefault(key, index)
        born = member.date_of_birth
        if born is not None and (born > day or _years_between(born, day) >= bounds.max_age_years):
            who = who or _member_name(index, member.first_name, member.surname)
            if born > day:
                problems.append(
                    f"{who}: Date of birth (date_of_birth): {born.isoformat()} is after the "
                    f"visit date ({day.isoformat()}); check the year"
                )
            else:
                problems.append(
                    f"{who}: Date of birth (date_of_birth): {born.isoformat()} is "
                    f"{bounds.max_age_years} or more years before the visit date "
                    f"({day.isoformat()}); check the year"
                )
        fell = member.earnings_fell_on
        if fell is not None and not earliest <= fell <= day:
            who = who or _member_name(index, member.first_name, member.surname)
            problems += _date_in(
                f"{who}: Date earnings fell (earnings_fell_on)", fell, day, earliest, day
            )
    lead = household.lead
    if lead is not None and lead.date_of_birth is not None and lead.date_of_birth <= day:
        age = _years_between(lead.date_of_birth, day)
        adult = segment.definitions.adult_age
        if age < adult:
            index = members.index(lead)
            problems.append(
                f"{_member_name(index, lead.first_name, lead.surname)}: the lead contact must be "
                f"an adult ({adult} or over on the visit date, policy part 2), and is {age}"
            )
    most = bounds.max_amount
    for model, kind in ((household, Household), (visit, Visit)):
        for name, where in _PENCE_FIELDS[kind]:
            value = getattr(model, name)
            if value is not None and value > most:
                problems += _amount_in(where, value, most)
    for field, when in (
        ("hearing_date", visit.hearing_date),
        ("work_event_date", visit.work_event_date),
    ):
        if when is not None and not earliest <= when <= latest:
            title = Visit.model_fields[field].title
            problems += _date_in(f"{title} ({field})", when, day, earliest, latest)
    for index, award in enumerate(facts.prior_awards):
        if award.amount_pence <= bounds.max_amount and earliest <= award.award_date <= latest:
            continue
        where = f"Award {index + 1} in the last year"
        problems += _amount_in(
            f"{where}: Amount (amount_pence)", award.amount_pence, bounds.max_amount
        )
        problems += _date_in(
            f"{where}: Date approved (award_date)", award.award_date, day, earliest, latest
        )
    if facts.allowance_left_pence is not None:
        problems += _amount_in(
            "Officer's offline allowance left (allowance_left_pence)",
            facts.allowance_left_pence,
            bounds.max_amount,
        )
    return problems


def _years_between(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day`` (a birthday on ``day`` counts)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _pence_fields(kind: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, f"{info.title} ({name})")
        for name, info in kind.model_fields.items()
        if name.endswith("_pence")
    )


# Worked out once: the reader runs for every line of a JSON-lines file.
_PENCE_FIELDS = {Household: _pence_fields(Household), Visit: _pence_fields(Visit)}


def _amount_in(where: str, value: int, most: int) -> list[str]:
    if value <= most:
        return []
    return [
        f"{where}: {value} pence is more than the most accepted, {format_pence(most)} "
        f"({most} pence); check for extra zeros"
    ]


def _date_in(where: str, value: date, day: date, earliest: date, latest: date) -> list[str]:
    if value > latest:
        when = "the visit date" if latest == day else f"{(latest - day).days} days after the visit"
        return [
            f"{where}: {value.isoformat()} is later than {when} "
            f"(the visit date is {day.isoformat()}); check the year"
        ]
    if value < earliest:
        return [
            f"{where}: {value.isoformat()} is more than {(day - earliest).days} days before "
            f"the visit date ({day.isoformat()}); check the year"
        ]
    return []


# ----------------------------------------------------- pydantic errors, reworded


def _member_name(index: int, first: object, surname: object) -> str:
    names = [n.strip() for n in (first, surname) if isinstance(n, str) and n.strip()]
    return f"Member {index + 1}" + (f" ({' '.join(names)})" if names else "")


def _entry_name(key: str, index: int, item: object) -> str:
    if key == "members":
        first = item.get("first_name") if isinstance(item, dict) else None
        surname = item.get("surname") if isinstance(item, dict) else None
        return _member_name(index, first, surname)
    if key == "prior_awards":
        return f"Award {index + 1} in the last year"
    return f"entry {index + 1}"


def _title(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return info.title if info is not None and info.title else name.replace("_", " ").capitalize()


def _title_anywhere(key: str) -> str:
    models: list[type[BaseModel]] = [Facts, *dict.fromkeys(_NESTED.values())]
    for model in models:
        if key in model.model_fields:
            return _title(model, key)
    return "The field"


@dataclass
class _Place:
    """Where an error is: the names shown, the model there and the field's name."""

    parts: list[str]
    model: type[BaseModel] | None
    field: str | None

    def text(self) -> str:
        if self.parts:
            return ": ".join(self.parts)
        names: dict[type[BaseModel] | None, str] = {Household: "Household", Visit: "Visit"}
        return names.get(self.model, "The facts")


def _place(loc: tuple[int | str, ...], raw: Any) -> _Place:
    model: type[BaseModel] | None = Facts
    parts: list[str] = []
    field: str | None = None
    value: Any = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        value = value.get(key) if isinstance(value, dict) and isinstance(key, str) else None
        nested = _NESTED.get((model, str(key))) if model is not None else None
        if nested is not None:
            field = None
            if i + 1 < len(loc) and isinstance(loc[i + 1], int):
                index = int(loc[i + 1])
                item = value[index] if isinstance(value, list) and index < len(value) else None
                parts.append(_entry_name(str(key), index, item))
                value = item
                i += 1
            elif key not in ("household", "visit"):
                parts.append(f"{_title(model, str(key)) if model else key} ({key})")
            model = nested
        elif model is not None and isinstance(key, str) and key in model.model_fields:
            field = key
            parts.append(f"{_title(model, key)} ({key})")
            if i + 1 < len(loc) and isinstance(loc[i + 1], int):
                parts[-1] += f", entry {int(loc[i + 1]) + 1}"
                i += 1
            break
        else:
            field = str(key)
            break
        i += 1
    return _Place(parts, model, field)


def _expected(model: type[BaseModel] | None, field: str | None) -> str:
    """What a field takes, in words, with an example."""
    if model is None or field is None or field not in model.model_fields:
        return "a value"
    if field.endswith("_pence"):
        return "a whole number of pence (no quotes), such as 120000 for £1,200.00"
    if model is Capitals:
        return "a score from 0 to 3 (no quotes), or null if not scored"
    annotation = model.model_fields[field].annotation
    kinds = _plain_types(annotation)
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, Enum):
            return "one of " + ", ".join(f'"{m.value}"' for m in kind)
        if kind in _EXAMPLES:
            return _EXAMPLES[kind]
    return "a value"


def _plain_types(annotation: Any) -> list[Any]:
    """The types inside ``X | None``, ``list[X]`` and ``Annotated[X, ...]``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [t for arg in typing.get_args(annotation) for t in _plain_types(arg)]
    return [annotation]


def _enum_of(model: type[BaseModel] | None, field: str | None) -> type[Enum] | None:
    if model is None or field is None or field not in model.model_fields:
        return None
    for kind in _plain_types(model.model_fields[field].annotation):
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind
    return None


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > SHOWN_INPUT_CHARS:
        text = text[: SHOWN_INPUT_CHARS - 1] + "…"
    return text + (" (text in quotes)" if isinstance(value, str) else "")


def _suggest(word: str, options: list[str]) -> list[str]:
    return difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)


def describe_errors(error: ValidationError, raw: Any) -> list[str]:
    """One line for each of pydantic's errors, in the officer's words."""
    lines = []
    for item in error.errors(include_url=False):
        line = _describe(item, raw)
        if line not in lines:
            lines.append(line)
    return lines


def _describe(item: Any, raw: Any) -> str:
    loc: tuple[int | str, ...] = tuple(item["loc"])
    kind: str = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden":
        place = _place(loc[:-1], raw)
        key = str(loc[-1])
        model = place.model or Facts
        text = f'{place.text()}: unknown field "{key}"'
        close = _suggest(key, list(model.model_fields))
        if close:
            return text + f'; did you mean "{close[0]}" ({_title(model, close[0])})?'
        return text + "; expected " + ", ".join(f'"{n}"' for n in model.model_fields)
    place = _place(loc, raw)
    where = place.text()
    expected = _expected(place.model, place.field)
    if kind == "missing":
        return f"{where}: missing; expected {expected}"
    if kind == "enum":
        enum = _enum_of(place.model, place.field)
        text = f"{where}: expected {expected}; got {_shown(value)}"
        if enum is not None and isinstance(value, str):
            values = [str(m.value) for m in enum]
            labels: dict[tuple[Any, str], str] = dict(LABELS)
            by_label = {labels.get((enum, v), v).lower(): v for v in values}
            close = _suggest(value, values) or [
                by_label[m] for m in _suggest(value, list(by_label))
            ]
            if close:
                text += f'; did you mean "{close[0]}"?'
        return text
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return f"{where}: must be {limit} or more; got {_shown(value)}"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return f"{where}: must be at most {limit}; got {_shown(value)}"
    if kind == "string_too_short":
        return f"{where}: must not be empty"
    if kind == "string_too_long":
        return f"{where}: must be at most {ctx.get('max_length')} characters; got {len(str(value))}"
    if kind == "value_error":
        message = str(ctx.get("error", item["msg"])).removeprefix("Value error, ")
        return f"{where}: {message}" if place.parts else message[:1].upper() + message[1:]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{where}: expected an object in braces {{...}}; got {_shown(value)}"
    if kind == "list_type":
        return f"{where}: expected a list in brackets [...]; got {_shown(value)}"
    return f"{where}: expected {expected}; got {_shown(value)}"


# ------------------------------------------------- many households in one go


@dataclass(frozen=True)
class Source:
    """One household's facts and where they came from (a file, or a line of one)."""

    name: str
    data: bytes
    line: int | None = None


def sources(path: Path) -> Iterator[Source]:
    """The facts in ``path``: a JSON file, a JSON-lines file (one household a line)
    or a folder of JSON files (in name order). Raises ``OSError`` if unreadable."""
    if path.is_dir():
        for file in sorted(p for p in path.iterdir() if p.suffix.lower() == ".json"):
            yield Source(str(file), file.read_bytes())
        return
    data = path.read_bytes()
    if path.suffix.lower() in JSON_LINES_SUFFIXES or _looks_like_json_lines(data):
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                yield Source(f"{path}:{number}", line, number)
        return
    yield Source(str(path), data)


def is_many(path: Path) -> bool:
    """Whether ``path`` holds many households (one result a line) rather than one."""
    if path.is_dir() or path.suffix.lower() in JSON_LINES_SUFFIXES:
        return True
    try:
        return _looks_like_json_lines(path.read_bytes())
    except OSError:
        return False


def _looks_like_json_lines(data: bytes) -> bool:
    """Two or more non-blank lines, the first a whole JSON object on its own."""
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        return isinstance(json.loads(lines[0].decode("utf-8-sig")), dict)
    except (ValueError, UnicodeDecodeError):
        return False
