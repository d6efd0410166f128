"""Hypothesis properties that hold for the policy, for any household.

Each runs with hypothesis' default profile, and with 2,000 examples under
``HYPOTHESIS_PROFILE=ci`` (tests/conftest.py), so no ``max_examples`` here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseworker.domain.rules import (
    Adjustment,
    Facts,
    RuleSet,
    apply_adjustments,
    evaluate,
    load_rules,
)

RULES: RuleSet = load_rules()[0]
VISITS = st.dates(date(2026, 4, 1), date(2026, 11, 20))
PENCE = st.one_of(st.none(), st.integers(0, 300_000))
SCORE = st.one_of(st.none(), st.integers(0, 3))
TENURES = [None, "private_renter", "owner_mortgage", "homeless", "temporary_accommodation"]


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    visit = draw(VISITS)

    def member(lead: bool) -> dict[str, Any]:
        # The lead contact is an adult (a child lead contact is refused).
        age_days = draw(st.integers(19 * 365 if lead else 1, 80 * 365))
        fell = draw(st.one_of(st.none(), st.integers(0, 500)))
        return {
            "first_name": draw(st.sampled_from(["Ann", "Ben", "Mia"])),
            "surname": draw(st.sampled_from(["Lee", "Ray"])),
            "relationship": "lead_contact" if lead else "child",
            "date_of_birth": visit - timedelta(days=age_days)
            if lead
            else draw(st.sampled_from([None, visit - timedelta(days=age_days)])),
            "work_status": draw(
                st.sampled_from([None, "employed", "self_employed", "unemployed", "not_working"])
            ),
            "reduced_hours": draw(st.booleans()),
            "in_education_or_training": draw(st.booleans()),
            "earnings_fell_on": None if fell is None else visit - timedelta(days=fell),
        }

    members = [member(i == 0) for i in range(draw(st.integers(1, 4)))]
    data = {
        "household": {
            "postcode": draw(st.sampled_from(["SE1 1AA", "SE11 4AA", "SE15 4QF", "SE22 8AA"])),
            "tenure": draw(st.sampled_from(TENURES)),
            "savings_pence": draw(st.one_of(st.none(), st.integers(0, 800_000))),
            "rent_arrears_pence": draw(PENCE),
            "mortgage_arrears_pence": draw(PENCE),
            "utility_arrears_pence": draw(PENCE),
            "council_tax_arrears_pence": draw(PENCE),
            "other_debts_pence": draw(PENCE),
            "benefits": draw(
                st.one_of(
                    st.none(),
                    st.lists(
                        st.sampled_from(["universal_credit", "income_support", "child_benefit"]),
                        unique=True,
                    ),
                )
            ),
            "members": members,
        },
        "visit": {
            "visit_date": visit,
            "no_money_for_food_or_fuel": draw(st.booleans()),
            "unfamiliar_with_benefits": draw(st.booleans()),
            "family_strain": draw(st.booleans()),
            "substance_use": draw(st.booleans()),
            "hearing_date": draw(
                st.one_of(st.none(), st.integers(-5, 40).map(lambda n: visit + timedelta(days=n)))
            ),
            "work_event": draw(st.sampled_from([None, "job_start", "job_interview"])),
            "work_event_date": visit + timedelta(days=draw(st.integers(-3, 35))),
            "getting_to_work_cost_pence": draw(PENCE),
            "tools_cost_pence": draw(PENCE),
            "course_fee_pence": draw(PENCE),
            "childcare_cost_pence": draw(PENCE),
            "capitals": {
                "financial": draw(SCORE),
                "mental": draw(SCORE),
                "social": draw(SCORE),
                "human": draw(SCORE),
            },
        },
        "prior_awards": [
            {
                "award_date": visit - timedelta(days=draw(st.integers(0, 400))),
                "amount_pence": draw(st.integers(0, 90_000)),
                "status": draw(st.sampled_from(["approved", "paid", "rejected", "pending"])),
            }
            for _ in range(draw(st.integers(0, 3)))
        ],
        "allowance_left_pence": draw(st.one_of(st.none(), st.integers(0, 60_000))),
    }
    return Facts.model_validate(data)


@settings(deadline=None)
@given(facts())
def test_total_never_exceeds_the_room_under_the_household_cap(f: Facts) -> None:
    rec = evaluate(f, RULES)
    limits = RULES.segment_for(f.visit.visit_date).limits
    if rec.cap_reduction is None:
        assert rec.total_pence == 0
        return
    assert rec.total_pence <= rec.cap_reduction.room_pence <= limits.package_max
    assert rec.cap_reduction.prior_awards_pence + rec.total_pence <= max(
        limits.household_cap, rec.cap_reduction.prior_awards_pence
    )
    assert rec.total_pence == sum(i.amount_pence for i in rec.items)


@settings(deadline=None)
@given(facts())
def test_route_is_never_officer_above_the_limit_or_the_allowance(f: Facts) -> None:
    rec = evaluate(f, RULES)
    if rec.route == "officer":
        assert rec.allowance_left_pence is not None
        assert 0 < rec.total_pence <= rec.officer_limit_pence
        assert rec.total_pence <= rec.allowance_left_pence
    assert (rec.route == "none") == (rec.total_pence == 0)


@settings(deadline=None)
@given(facts())
def test_every_amount_is_within_its_item_cap(f: Facts) -> None:
    rec = evaluate(f, RULES)
    for item in rec.items:
        assert 0 < item.amount_pence <= item.before_cap_pence <= item.item_cap_pence


@settings(deadline=None)
@given(facts(), st.lists(st.tuples(st.sampled_from(["5.1", "5.3", "5.6"]), st.integers(0, 60_000))))
def test_an_accepted_adjustment_respects_every_limit(
    f: Facts, changes: list[tuple[str, int]]
) -> None:
    rec = evaluate(f, RULES)
    package = apply_adjustments(rec, [Adjustment(c, a, "reason") for c, a in changes])
    if not package.ok:
        return
    caps = {t.clause: t.item_cap_pence for t in rec.terms}
    assert all(i.amount_pence <= caps[i.clause] for i in package.items)
    assert rec.cap_reduction is None or package.total_pence <= rec.cap_reduction.room_pence
    if package.exceptions:
        assert package.route == "manager"
