"""Clause 6.5: officer changes to a recommendation."""

from __future__ import annotations

import pytest

from caseworker.domain.rules import Adjustment, Recommendation, RuleSet, apply_adjustments, evaluate
from tests.domain.rules.conftest import MakeFacts


@pytest.fixture
def recommendation(rules: RuleSet, make_facts: MakeFacts) -> Recommendation:
    """5.1 £200.00 and 5.3 £60.00: £260.00, a manager's package."""
    facts = make_facts(
        household={"rent_arrears_pence": 20_000}, visit={"no_money_for_food_or_fuel": True}
    )
    return evaluate(facts, rules)


def test_no_changes_keeps_the_recommendation(recommendation: Recommendation) -> None:
    package = apply_adjustments(recommendation, [])
    assert package.ok
    assert [(i.clause, i.amount_pence, i.change) for i in package.items] == [
        ("5.1", 20_000, "unchanged"),
        ("5.3", 6_000, "unchanged"),
    ]
    assert (package.total_pence, package.route) == (26_000, "manager")


def test_lowering_is_free_and_can_bring_the_package_within_today(
    recommendation: Recommendation,
) -> None:
    package = apply_adjustments(recommendation, [Adjustment("5.1", 15_000)])
    assert package.ok and package.exceptions == ()
    assert (package.total_pence, package.route) == (21_000, "officer")
    assert package.items[0].explanation == (
        "5.1 Housing costs bridge lowered by the officer from £200.00 to £150.00."
    )


def test_removing_drops_the_item(recommendation: Recommendation) -> None:
    package = apply_adjustments(recommendation, [Adjustment("5.3", 0)])
    # A removed item stays listed (amount 0) so the audit trail shows the change.
    assert [(i.clause, i.amount_pence, i.change) for i in package.items] == [
        ("5.1", 20_000, "unchanged"),
        ("5.3", 0, "removed"),
    ]
    assert package.total_pence == 20_000


def test_raising_is_an_exception_needing_a_reason(recommendation: Recommendation) -> None:
    package = apply_adjustments(recommendation, [Adjustment("5.1", 30_000)])
    assert not package.ok
    assert package.problems[0].message == (
        "5.1 Housing costs bridge: an exception needs a written reason (6.5)."
    )
    with_reason = apply_adjustments(
        recommendation, [Adjustment("5.1", 30_000, "Court costs added to the arrears")]
    )
    assert with_reason.ok and with_reason.exceptions == ("5.1",)
    assert with_reason.route == "manager"
    assert with_reason.route_explanation.startswith("6.5 A team manager must approve £360.00")


def test_an_exception_never_exceeds_the_item_cap(recommendation: Recommendation) -> None:
    package = apply_adjustments(recommendation, [Adjustment("5.1", 50_001, "reason")])
    assert [p.message for p in package.problems] == [
        "5.1 Housing costs bridge: at most £500.00, the item's cap (6.5)."
    ]


def test_adding_an_item_whose_condition_fails_forces_a_manager(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    rec = evaluate(make_facts(visit={"no_money_for_food_or_fuel": True}), rules)
    assert rec.route == "officer"
    package = apply_adjustments(rec, [Adjustment("5.2", 5_000, "Gas meter debt found later")])
    assert package.ok
    assert (package.route, package.exceptions, package.total_pence) == ("manager", ("5.2",), 11_000)
    added = {i.clause: i for i in package.items}["5.2"]
    assert added.change == "added"
    assert added.explanation.startswith(
        "5.2 Utility arrears £50.00 added by the officer although its condition does not hold"
    )


def test_an_exception_never_exceeds_the_household_cap(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    facts = make_facts(
        visit={"no_money_for_food_or_fuel": True},
        prior_awards=[{"award_date": "2026-05-01", "amount_pence": 70_000}],
    )
    rec = evaluate(facts, rules)
    assert [i.amount_pence for i in rec.items] == [5_000]  # 5.3 already cut to fit
    package = apply_adjustments(rec, [Adjustment("5.2", 1_000, "reason")])
    assert [p.message for p in package.problems] == [
        "The package £60.00 is above the £50.00 left under the household cap (6.1)."
    ]


def test_no_adjustment_can_make_an_ineligible_household_eligible(
    rules: RuleSet, make_facts: MakeFacts
) -> None:
    rec = evaluate(make_facts(household={"savings_pence": 700_000}), rules)
    package = apply_adjustments(rec, [Adjustment("5.3", 6_000, "reason")])
    assert [p.message for p in package.problems] == [
        "No cash award is possible: 4.4 not met or not decided."
    ]
    assert (package.total_pence, package.route) == (0, "none")


@pytest.mark.parametrize(
    ("adjustment", "message"),
    [
        (Adjustment("9.9", 100), "9.9 is not an award item."),
        (Adjustment("5.1", -1), "The amount must not be negative."),
    ],
)
def test_bad_adjustments_are_reported(
    recommendation: Recommendation, adjustment: Adjustment, message: str
) -> None:
    package = apply_adjustments(recommendation, [adjustment])
    assert [p.message for p in package.problems] == [message]
