"""The Today's yes rules engine: policy parts 3 to 7 as data, evaluated in pure Python.

Public API (what services and the UI call)::

    ruleset, problems = load_rules(override_dir)          # at start-up / on change
    recommendation = evaluate(facts, ruleset, allowance_left_pence=...)
    package = apply_adjustments(recommendation, [Adjustment("5.1", 30000)])

Rule files are YAML data (``resources/rules``); see ``docs/rules.md``.
"""

from caseworker.domain.rules.adjust import (
    AdjustedItem,
    AdjustedPackage,
    Adjustment,
    AdjustmentProblem,
    apply_adjustments,
)
from caseworker.domain.rules.compile import NoRulesInForce, RuleSet, Version
from caseworker.domain.rules.engine import decide, decide_under, evaluate
from caseworker.domain.rules.facts import AwardStatus, Facts, PriorAward
from caseworker.domain.rules.loader import RulesUnavailable, default_rules_dir, load_rules
from caseworker.domain.rules.results import Decided, Recommendation, Route
from caseworker.domain.rules.yamlsource import Problem

__all__ = [
    "AdjustedItem",
    "AdjustedPackage",
    "Adjustment",
    "AdjustmentProblem",
    "AwardStatus",
    "Decided",
    "Facts",
    "NoRulesInForce",
    "PriorAward",
    "Problem",
    "Recommendation",
    "Route",
    "RuleSet",
    "RulesUnavailable",
    "Version",
    "apply_adjustments",
    "decide",
    "decide_under",
    "default_rules_dir",
    "evaluate",
    "load_rules",
]
