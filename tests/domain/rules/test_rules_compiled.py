"""The compiled evaluation (explanations from each clause's table) equals the reference.

``evaluate`` keeps each clause's explanation in a table keyed by everything the
explanation reads; ``evaluate_reference`` builds every explanation afresh. Any
fact the key forgets shows up here as a different line for some household.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings

from caseworker.domain.rules import Facts, RuleSet, load_rules
from caseworker.domain.rules import compile as compiled
from caseworker.domain.rules.derive import KEY_SOURCES, KEYS, derive
from caseworker.domain.rules.engine import decide, decide_under, evaluate, evaluate_reference
from tests.domain.rules.conftest import BASE, MakeFacts
from tests.domain.rules.test_rules_properties import RULES, facts


@pytest.fixture
def tiny_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables judged after 3 keys, so both outcomes of the judgement are exercised."""
    monkeypatch.setattr(compiled, "_MEMO_TRIAL", 3)


TINY_TABLES: RuleSet = load_rules()[0]


def _whole(result: tuple[Any, ...]) -> None:
    """Every field there: the engine makes its NamedTuples as tuples, fields by position."""
    assert len(result) == len(type(result)._fields)  # type: ignore[attr-defined]
    for part in result:
        if isinstance(part, tuple) and hasattr(type(part), "_fields"):
            _whole(part)
        elif isinstance(part, tuple):
            for line in part:
                if hasattr(type(line), "_fields"):
                    _whole(line)


def _same(f: Facts, rules: RuleSet) -> None:
    reference = evaluate_reference(f, rules)
    fast = evaluate(f, rules)
    _whole(fast)
    _whole(reference)
    assert fast == reference
    assert fast.to_json() == reference.to_json()
    assert fast.explanation_lines() == reference.explanation_lines()


@settings(deadline=None)
@given(facts())
def test_compiled_evaluation_equals_the_reference(f: Facts) -> None:
    _same(f, RULES)
    _same(f, RULES)  # the second time from the tables


@settings(deadline=None, max_examples=300)
@given(facts())
@pytest.mark.usefixtures("tiny_trial")
def test_a_clause_gives_up_its_table_when_keys_rarely_repeat_and_still_agrees(
    f: Facts,
) -> None:
    _same(f, TINY_TABLES)
    _same(f, TINY_TABLES)


@pytest.mark.usefixtures("tiny_trial")
def test_tables_are_judged_both_ways(make_facts: MakeFacts) -> None:
    rules = load_rules()[0]
    segment = rules.segment_for(date(2026, 6, 15))
    for i, (first, surname) in enumerate(product(["Ann", "Ben", "Cal", "Dee"], ["Lee", "Ray"])):
        member = {**BASE["household"]["members"][0], "first_name": first, "surname": surname}
        f = make_facts(
            household={
                "postcode": ["SE15 4QF", "SE1 1AA"][i % 2],
                "other_debts_pence": 150_000 + i,
                "members": [member],
            }
        )
        _same(f, rules)
    met = {c.clause: c.memo[1] is not None for c in (*segment.eligibility, *segment.referrals)}
    assert met["4.1"]  # two postcode districts, shared by many households
    assert not met["4.3"] and not met["7.1"]  # a member's name, a sum of debts: one each


@settings(deadline=None)
@given(facts())
def test_key_sources_give_what_the_key_functions_give(f: Facts) -> None:
    """A clause's generated function writes out each key function it has the source of
    (derive.KEY_SOURCES); the written-out expression reads the same value."""
    segment = RULES.segment_for(f.visit.visit_date)
    d = derive(f, segment.definitions)
    for name, key in KEYS.items():
        source = KEY_SOURCES.get(key)
        if source is None:
            continue
        expression = source.replace("$v", "w1").replace("$n", repr(name))
        assert eval(expression, {}, {"d": d}) == key(d, name), name


@settings(deadline=None)
@given(facts())
def test_decide_gives_the_decisions_evaluate_explains(f: Facts) -> None:
    """The impact report's decisions without explanations are evaluate's decisions."""
    for rules in (RULES, TINY_TABLES):
        full = evaluate(f, rules)
        decided = decide(f, rules)
        assert decided.policy_version == full.policy_version
        assert decided.eligible == full.eligible
        assert decided.eligibility == tuple(
            (c.clause, c.title, c.outcome) for c in full.eligibility
        )
        assert decided.referrals == tuple((r.clause, r.service) for r in full.referrals)
        assert decided.total_pence == full.total_pence


@settings(deadline=None)
@given(facts())
def test_deciding_under_several_segments_derives_once_and_decides_each_alone(f: Facts) -> None:
    """A policy and its draft share the facts derived once when their definitions are
    the same; each answer is the one that segment gives alone, whatever came before
    (here a stage table that always gives the last stage, after one that may not)."""
    segment = RULES.segment_for(f.visit.visit_date)
    last_only = replace(segment, stages=segment.stages[-1:], _stage_memo={}, _hint_memo={})
    other = TINY_TABLES.segment_for(f.visit.visit_date)
    segments = [segment, last_only, other, segment]
    together = decide_under(f, segments)
    assert together == [decide_under(f, [s])[0] for s in segments]
    assert together[0] == decide(f, RULES)
