"""Fixtures for the rules engine tests: the shipped rules and a household builder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caseworker.domain.rules import Facts, RuleSet, default_rules_dir, load_rules
from caseworker.domain.rules.testcases import merge

# An eligible household at stage 3 with nothing to award yet (as in the YAML cases).
BASE: dict[str, Any] = {
    "household": {
        "postcode": "SE15 4QF",
        "tenure": "private_renter",
        "savings_pence": 50_000,
        "rent_arrears_pence": 0,
        "mortgage_arrears_pence": 0,
        "utility_arrears_pence": 0,
        "council_tax_arrears_pence": 0,
        "other_debts_pence": 0,
        "benefits": [],
        "members": [
            {
                "first_name": "Ann",
                "surname": "Lee",
                "date_of_birth": "1985-03-10",
                "work_status": "unemployed",
                "earnings_fell_on": "2026-05-01",
            }
        ],
    },
    "visit": {
        "visit_date": "2026-06-15",
        "capitals": {"financial": 2, "mental": 1, "social": 1, "human": 1},
    },
    "allowance_left_pence": 50_000,
}

MakeFacts = Callable[..., Facts]


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    ruleset, problems = load_rules()
    assert problems == []
    return ruleset


@pytest.fixture
def make_facts() -> MakeFacts:
    """``make_facts(household={...}, visit={...})``: the base household with changes merged in."""

    def build(**changes: Any) -> Facts:
        return Facts.model_validate(merge(BASE, changes))

    return build


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped rules (without the test cases)."""
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target, ignore=shutil.ignore_patterns("tests"))
    return target
