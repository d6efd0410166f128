"""The fast paths give what the plain readings give.

- A member's part-2 facts (derive._person, Kleene logic written out) equal the
  same definitions read with a three-valued "and" function.
- The facts reader's orjson path (reader._parse) reads exactly what the
  standard library's strict parser reads, and refuses a repeated key the same
  way, whatever the text.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseworker.domain.household import IncomeDropReason, Member, WorkStatus
from caseworker.domain.rules import Facts
from caseworker.domain.rules.derive import _MEMBER_FACTS, _months_before, _person
from caseworker.domain.rules.reader import _STRICT_JSON, _DuplicateKey, _parse
from tests.domain.rules.test_rules_properties import RULES, facts


def _and(*values: bool | None) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _plain(member: Member, on: date, drop_from: date) -> dict[str, Any]:
    """Policy part 2 for one member, read plainly (what _Person must give)."""
    defs = RULES.segment_for(on).definitions
    dob, status = member.date_of_birth, member.work_status
    age = None
    if dob is not None:
        age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    adult = None if age is None else age >= defs.adult_age
    working = None if status is None else status in (WorkStatus.EMPLOYED, WorkStatus.SELF_EMPLOYED)
    young = None if age is None else defs.young_person_min_age <= age <= defs.young_person_max_age
    if member.in_education_or_training or working:
        neet: bool | None = False
    elif young is False:
        neet = False
    elif young is None or working is None:
        neet = None
    else:
        neet = True
    fell = member.earnings_fell_on
    drop = fell is not None and drop_from <= fell <= on
    if not drop:
        self_employed_drop: bool | None = False
    elif member.earnings_fall_reason is IncomeDropReason.LOST_CONTRACT:
        self_employed_drop = adult
    else:
        self_employed = None if status is None else status is WorkStatus.SELF_EMPLOYED
        self_employed_drop = _and(adult, self_employed)
    if member.reduced_hours or status is WorkStatus.UNEMPLOYED:
        unemployed_or_reduced = adult
    else:
        unemployed_or_reduced = None if status is None else False
    return {
        "age": age,
        "adult": adult,
        "adult_working": _and(adult, working),
        "neet": neet,
        "adult_drop": _and(adult, drop),
        "self_employed_drop": self_employed_drop,
        "unemployed_or_reduced": unemployed_or_reduced,
    }


@settings(deadline=None)
@given(facts(), st.sampled_from([*IncomeDropReason, None]))
def test_member_facts_equal_the_plain_reading(f: Facts, reason: IncomeDropReason | None) -> None:
    on = f.visit.visit_date
    defs = RULES.segment_for(on).definitions
    drop_from = _months_before(on, defs.income_drop_months)
    for member in f.household.members:
        member = member.model_copy(update={"earnings_fall_reason": reason})
        ages = (defs.adult_age, defs.young_person_min_age, defs.young_person_max_age)
        person = _person(member, on, *ages, drop_from)
        found = {name: getattr(person, name) for name in _plain(member, on, drop_from)}
        assert found == _plain(member, on, drop_from)
        # derive reads the member facts by index, in _MEMBER_FACTS order
        assert person.row == tuple(found[attribute] for _, attribute, _ in _MEMBER_FACTS)


def _strict(text: str) -> tuple[str, Any]:
    try:
        return "read", _STRICT_JSON.decode(text)
    except _DuplicateKey as exc:
        return "repeated", str(exc)
    except json.JSONDecodeError as exc:
        return "invalid", (exc.lineno, exc.colno, exc.msg)


def _fast(text: str) -> tuple[str, Any]:
    try:
        return "read", _parse(text)
    except _DuplicateKey as exc:
        return "repeated", str(exc)
    except json.JSONDecodeError as exc:
        return "invalid", (exc.lineno, exc.colno, exc.msg)


KEYS = st.sampled_from(["a", "b", "savings_pence", "x:y", "é", "\\u0061", ":"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**25), 10**25),
    st.sampled_from(
        ["1.5", "1.50", "1e5", "NaN", "-0", "18446744073709551616", "-9223372036854775809"]
    ).map(lambda s: json.loads(s) if s != "NaN" else float("nan")),
    st.text(alphabet='ab:é\\"1 ', max_size=6),
)


def _text(value: Any) -> str:
    """JSON text for ``value``: lists of pairs are objects, so keys may repeat."""
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {_text(v)}" for k, v in value[0]) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(st.tuples(KEYS, inner), max_size=4).map(lambda pairs: (pairs,)),
    ),
    max_leaves=12,
)


@settings(deadline=None)
@given(VALUES)
def test_the_fast_reader_reads_what_the_strict_parser_reads(value: Any) -> None:
    text = _text(value)
    fast, strict = _fast(text), _strict(text)
    if fast[0] == "read" and strict[0] == "read":
        # NaN is not equal to itself: compare the standard library's writing of both.
        assert json.dumps(fast[1]) == json.dumps(strict[1])
        assert type(fast[1]) is type(strict[1])
    else:
        assert fast == strict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "a": 2}', ("repeated", "a")),
        ('{"a": {"b": "x:y", "b": 1}}', ("repeated", "b")),
        ('{"a": "\\u003a", "a": 1}', ("repeated", "a")),  # an escape may hide a ':'
        ('{"a": 1000000000000000000000000000000}', ("read", {"a": 10**30})),
        ('{"a": [-9223372036854775809]}', ("read", {"a": [-9223372036854775809]})),
        ("-9223372036854775809", ("read", -9223372036854775809)),
        ('{"a": "x:y", "b": [1, {"c": 2}]}', ("read", {"a": "x:y", "b": [1, {"c": 2}]})),
        ('{"a": 1,}', ("invalid", (1, 9, "Expecting property name enclosed in double quotes"))),
    ],
)
def test_the_fast_reader_on_texts_orjson_reads_differently(
    text: str, expected: tuple[str, Any]
) -> None:
    assert _fast(text) == expected
    assert type(_fast(text)[1]) is type(expected[1])
