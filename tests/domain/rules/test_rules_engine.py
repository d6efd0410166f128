"""The engine on hand-built households: explanations, missing facts, what-if, versions."""

from __future__ import annotations

import json
from datetime import date

import pytest

from caseworker.domain.rules import NoRulesInForce, RuleSet, evaluate, load_rules
from caseworker.domain.rules.derive import months_before
from tests.domain.rules.conftest import MakeFacts


def test_example_from_the_issue_reads_in_plain_english(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    facts = make_facts(household={"tenure": "owner_mortgage", "mortgage_arrears_pence": 124_000})
    rec = evaluate(facts, rules)
    assert [i.explanation for i in rec.items] == [
        "5.1 Housing costs bridge £500.00: mortgage arrears £1,240.00, capped at £500.00."
    ]
    assert rec.route == "manager"
    assert rec.route_explanation.startswith("6.2 A team manager must approve £500.00")


def test_every_line_cites_a_clause(rules: RuleSet, make_facts: MakeFacts) -> None:
    facts = make_facts(
        household={"rent_arrears_pence": 60_000, "savings_pence": None},
        visit={"no_money_for_food_or_fuel": True, "hearing_date": "2026-06-20"},
    )
    rec = evaluate(facts, rules)
    cited = [
        rec.stage_explanation,
        *(c.explanation for c in rec.eligibility),
        *(r.explanation for r in rec.referrals),
        *(w.explanation for w in rec.what_if),
    ]
    assert all(any(ch.isdigit() for ch in line.split(":")[0]) for line in cited), cited
    assert {m.field for m in rec.missing_facts} == {"household.savings_pence"}


def test_json_output_has_the_documented_keys(rules: RuleSet, make_facts: MakeFacts) -> None:
    out = evaluate(make_facts(visit={"no_money_for_food_or_fuel": True}), rules).to_json()
    for key in (
        "policy_version",
        "stage",
        "stage_name",
        "eligible",
        "failed_clauses",
        "items",
        "total_pence",
        "route",
        "referrals",
        "missing_facts",
        "what_if",
    ):
        assert key in out
    assert out["items"] == [
        {
            "clause": "5.3",
            "item": "Emergency food and fuel",
            "amount_pence": 6000,
            "before_cap_pence": 6000,
            "item_cap_pence": 6000,
            "explanation": (
                "5.3 Emergency food and fuel £60.00: no money for food or fuel this week."
            ),
        }
    ]
    assert out["stage"] == 3 and out["stage_name"] == "Under pressure"
    json.dumps(out)  # plain JSON all the way down


def test_a_visit_before_the_first_version_is_refused(rules: RuleSet, make_facts: MakeFacts) -> None:
    facts = make_facts(household={"members": []}, visit={"visit_date": "2026-03-31"})
    with pytest.raises(NoRulesInForce, match="first version"):
        evaluate(facts, rules)


def test_version_in_force_follows_the_visit_date(rules: RuleSet) -> None:
    assert rules.segment_for(date(2026, 9, 30)).version.name == "2026-04"
    assert rules.segment_for(date(2026, 10, 1)).version.name == "2026-10"
    assert [v.name for v in rules.versions] == ["2026-04", "2026-10"]


def test_allowance_argument_overrides_the_facts(rules: RuleSet, make_facts: MakeFacts) -> None:
    facts = make_facts(visit={"no_money_for_food_or_fuel": True}, allowance_left_pence=0)
    assert evaluate(facts, rules).route == "manager"
    assert evaluate(facts, rules, allowance_left_pence=6000).route == "officer"


def test_what_if_names_the_smallest_score_change(rules: RuleSet, make_facts: MakeFacts) -> None:
    facts = make_facts(visit={"capitals": {"financial": 1, "mental": 2, "social": 1, "human": 0}})
    rec = evaluate(facts, rules)
    assert rec.failed_clauses == ["4.2"]
    # Raising social to 2 would give stage 4 (mental 2 and social 2), as would financial 2.
    [what_if] = rec.what_if
    assert what_if.explanation == (
        "stage 3 or 4 (for example financial score 2, now 1) would meet clause 4.2."
    )


def test_cap_what_if_counts_the_room_higher_priority_cuts_need(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    facts = make_facts(
        household={"rent_arrears_pence": 10_000},
        visit={"no_money_for_food_or_fuel": True},
        prior_awards=[{"award_date": "2026-06-01", "amount_pence": 74_000}],
    )
    rec = evaluate(facts, rules)
    assert rec.cap_reduction is not None
    assert [(c.clause, c.to_pence) for c in rec.cap_reduction.cuts] == [("5.1", 0), ("5.3", 1000)]
    texts = {w.clause: w.explanation for w in rec.what_if}
    # 5.1 was cut first (lower priority); restoring it also needs 5.3's £50.00 back.
    assert texts["5.1"].startswith("£150.00 less in approved awards")
    assert texts["5.3"].startswith("£50.00 less in approved awards")
    assert "leave the window on 1 June 2027" in texts["5.3"]


def test_item_conditions_are_reported_when_not_recommended(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    rec = evaluate(make_facts(), rules)
    reasons = {n.clause: n.explanation for n in rec.not_recommended}
    assert reasons["5.2"] == (
        "5.2 Utility arrears: not recommended (utility arrears £0.00, not above £0.00)."
    )
    assert {t.clause for t in rec.terms} == {"5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7"}


def test_ineligible_households_get_no_items_but_referrals(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    rec = evaluate(
        make_facts(household={"postcode": "N1 9GU", "rent_arrears_pence": 40_000}), rules
    )
    assert (rec.eligible, rec.items, rec.total_pence, rec.route) == (False, (), 0, "none")
    assert rec.cap_reduction is None
    assert [r.clause for r in rec.referrals] == ["7.1", "7.2", "7.3"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 6, 15), 12, date(2025, 6, 15)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 30), 1, date(2024, 2, 29)),
        (date(2026, 1, 10), 1, date(2025, 12, 10)),
    ],
)
def test_months_before_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_a_clause_that_holds_for_every_possible_stage_is_decided(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    # Financial 3 with mental not scored: stage 4 if mental is 2 or more, else 3.
    facts = make_facts(visit={"capitals": {"financial": 3, "mental": None}})
    rec = evaluate(facts, rules)
    assert rec.stage is None
    assert rec.stage_explanation == "3 Stage not decided (3 or 4): mental score not recorded."
    [stage_clause] = [c for c in rec.eligibility if c.clause == "4.2"]
    assert stage_clause.outcome is True
    assert stage_clause.explanation == "4.2 Stage 3 or 4: met (stage 3 or 4)."
    assert rec.eligible
    assert [m.clauses for m in rec.missing_facts] == [("3", "7.5")]


def test_cap_what_if_never_asks_for_more_than_the_awards_that_count(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    # £50.00 counts towards the £750.00 cap; 5.2 is cut by £110.00, so taking every
    # counted award away cannot restore it in full (the old answer was "£110.00 less").
    facts = make_facts(
        household={"rent_arrears_pence": 50_000, "utility_arrears_pence": 25_000},
        visit={"no_money_for_food_or_fuel": True},
        prior_awards=[
            {"award_date": "2026-03-01", "amount_pence": 5_000, "status": "paid"},
            {"award_date": "2026-03-02", "amount_pence": 90_000, "status": "rejected"},
        ],
    )
    rec = evaluate(facts, rules)
    assert rec.cap_reduction is not None
    assert [(c.clause, c.to_pence) for c in rec.cap_reduction.cuts] == [("5.2", 14_000)]
    [what_if] = rec.what_if
    assert what_if.explanation == (
        "£50.00 less in approved awards in the 365 days before the visit would raise "
        "5.2 Utility arrears to £190.00 (now £140.00); it cannot be restored in full: "
        "only £50.00 of approved awards counts towards the cap; enough earlier awards "
        "leave the window on 1 March 2027 (259 days after this visit)."
    )
    assert what_if.promised_pence == 19_000


def test_no_cap_what_if_when_no_awards_count(rules: RuleSet, make_facts: MakeFacts) -> None:
    facts = make_facts(
        household={"rent_arrears_pence": 90_000, "utility_arrears_pence": 40_000},
        visit={"no_money_for_food_or_fuel": True},
    )
    rec = evaluate(facts, rules)
    assert rec.cap_reduction is not None and rec.cap_reduction.cuts
    assert rec.what_if == ()  # no approved awards count: none can be taken away


def test_a_stage_explanation_is_the_same_whatever_was_evaluated_before(
    make_facts: MakeFacts,
) -> None:
    """The hint for 4.2 ("for example human score 3, now 2") tries higher scores; a stage
    decided for a trial is kept for the households that really have those scores, and
    once read the trial's text from the household tried (``human score 2`` for 3)."""
    scores = {"financial": 0, "mental": 1, "social": 0}
    first = make_facts(visit={"capitals": {**scores, "human": 2}})
    second = make_facts(visit={"capitals": {**scores, "human": 3}})
    fresh, _ = load_rules()
    alone = evaluate(second, fresh).stage_explanation
    assert alone == "3 Stage 2, Stretched: human score 3."
    rules, _ = load_rules()
    evaluate(first, rules)
    assert evaluate(second, rules).stage_explanation == alone
