"""Every YAML policy test case under resources/rules/tests runs as a pytest test."""

from __future__ import annotations

import pytest

from caseworker.domain.rules import RuleSet, default_rules_dir
from caseworker.domain.rules.compile import Loaded
from caseworker.domain.rules.model import TestFile
from caseworker.domain.rules.testcases import load_cases, run_case

FILES, PROBLEMS = load_cases(default_rules_dir() / "tests")
CASES = [(f, i) for f in FILES for i in range(len(f.model.cases))]


def test_the_case_files_are_valid() -> None:
    assert PROBLEMS == []


def test_there_are_at_least_60_cases_covering_both_versions() -> None:
    assert len(CASES) >= 60
    versions = {f.model.cases[i].expected.policy_version for f, i in CASES}
    assert {"2026-04", "2026-10"} <= versions


def test_every_clause_of_parts_3_to_7_is_exercised(rules: RuleSet) -> None:
    named = " ".join(f.model.cases[i].name for f, i in CASES)
    clauses = {c.clause for s in rules.segments for c in (*s.eligibility, *s.referrals)}
    clauses |= {item.clause for s in rules.segments for item in s.items}
    clauses |= {"3", "6.1", "6.2", "6.3"}
    missing = {c for c in clauses if f"{c}:" not in named and f"{c}a:" not in named}
    assert missing == set()


@pytest.mark.parametrize(
    ("loaded", "index"), CASES, ids=[f.model.cases[i].name[:70] for f, i in CASES]
)
def test_policy_case(loaded: Loaded[TestFile], index: int, rules: RuleSet) -> None:
    result = run_case(loaded, index, rules)
    assert result.failures == [], f"{result.file}:{result.line}"
