"""The published JSON Schemas match the models, and the documented example evaluates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseworker.domain.rules import Facts, RuleSet, default_rules_dir, evaluate
from caseworker.domain.rules.derive import FACTS
from caseworker.domain.rules.schema import schema_for

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "facts.json"


@pytest.mark.parametrize("kind", ["policy", "parameters", "tests"])
def test_published_schema_is_current(kind: str) -> None:
    published = default_rules_dir() / "schema" / f"{kind}.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == schema_for(kind), (
        f"regenerate: caseworker rules schema --kind {kind} > {published}"
    )


def test_facts_schema_forbids_unknown_keys() -> None:
    schema = schema_for("facts")
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"household", "visit"}


def test_documented_example_evaluates(rules: RuleSet) -> None:
    facts = Facts.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    rec = evaluate(facts, rules)
    assert rec.policy_version == "2026-10"
    assert rec.eligible
    assert rec.total_pence > 0


def test_every_fact_is_documented() -> None:
    text = (EXAMPLE.parents[1] / "rules.md").read_text(encoding="utf-8")
    undocumented = [name for name in FACTS if f"`{name}`" not in text]
    assert undocumented == []
