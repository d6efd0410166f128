"""Properties of the policy itself, and of every what-if answer, for any household.

Alongside the YAML cases: more savings never makes a household eligible, an
extra child never lowers the package, no amount exceeds its clause's cap, the
total never exceeds the household cap, and every what-if, applied, changes the
outcome as it says.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from caseworker.domain.household import Member, Relationship, Tenure, WorkStatus
from caseworker.domain.rules import Facts, Recommendation, evaluate
from caseworker.domain.rules.engine import derive_with_stage
from caseworker.domain.rules.facts import COUNTED_STATUSES, PriorAward
from caseworker.domain.rules.results import WhatIf
from caseworker.domain.rules.whatif import clause_changes
from tests.domain.rules.test_rules_properties import RULES, facts


def _with_household(f: Facts, **changes: object) -> Facts:
    return f.model_copy(update={"household": f.household.model_copy(update=changes)})


@settings(deadline=None)
@given(facts(), st.integers(0, 1_000_000), st.integers(1, 1_000_000))
def test_more_savings_never_makes_a_household_eligible(f: Facts, savings: int, more: int) -> None:
    poorer = _with_household(f, savings_pence=savings)
    richer = _with_household(f, savings_pence=savings + more)
    if evaluate(richer, RULES).eligible:
        assert evaluate(poorer, RULES).eligible


@settings(deadline=None)
@given(facts(), st.integers(0, 15 * 365))
def test_an_extra_child_never_lowers_the_package(f: Facts, age_days: int) -> None:
    visit = f.visit.visit_date
    child = Member(
        first_name="Kit",
        surname="B",
        relationship=Relationship.CHILD,
        date_of_birth=visit - timedelta(days=age_days),
        work_status=WorkStatus.NOT_WORKING,
        in_education_or_training=True,
    )
    bigger = _with_household(f, members=[*f.household.members, child])
    before, after = evaluate(f, RULES), evaluate(bigger, RULES)
    assert after.total_pence >= before.total_pence
    assert after.eligible or not before.eligible


@settings(deadline=None)
@given(facts())
def test_no_amount_exceeds_its_clause_cap_and_the_total_fits_the_cap(f: Facts) -> None:
    rec = evaluate(f, RULES)
    segment = RULES.segment_for(f.visit.visit_date)
    caps = {item.clause: item.cap_pence for item in segment.items}
    for line in rec.items:
        assert 0 < line.amount_pence <= caps[line.clause]
    counted = rec.cap_reduction.prior_awards_pence if rec.cap_reduction else 0
    assert rec.total_pence <= segment.limits.package_max
    assert rec.total_pence <= max(0, segment.limits.household_cap - counted)


def _counted_down_to(f: Facts, rec: Recommendation, target: int) -> Facts:
    """``f`` with approved awards in the window reduced until ``target`` counts."""
    window = RULES.segment_for(f.visit.visit_date).definitions.award_window_days
    earliest = f.visit.visit_date - timedelta(days=window - 1)
    assert rec.cap_reduction is not None
    to_remove = rec.cap_reduction.prior_awards_pence - target
    assert to_remove > 0  # a what-if always asks for fewer awards
    awards: list[PriorAward] = []
    for award in f.prior_awards:
        counts = award.status in COUNTED_STATUSES and earliest <= award.award_date
        if counts and award.award_date <= f.visit.visit_date and to_remove:
            take = min(award.amount_pence, to_remove)
            to_remove -= take
            award = award.model_copy(update={"amount_pence": award.amount_pence - take})
        awards.append(award)
    assert to_remove == 0
    return f.model_copy(update={"prior_awards": awards})


_SCORE_HINT = re.compile(r"for example (\w+) score (\d)")


def _raw_change(f: Facts, what_if: WhatIf, option: dict[str, object]) -> Facts | None:
    """The change applied to the recorded facts, when it names recorded fields."""
    household: dict[str, object] = {}
    for fact, value in option.items():
        if fact == "savings" and isinstance(value, tuple):
            household["savings_pence"] = value[0]
        elif fact == "postcode_district":
            household["postcode"] = f"{value} 1AA"
        elif fact == "homeless_or_temporary_accommodation":
            household["tenure"] = Tenure.HOMELESS if value else Tenure.PRIVATE_RENTER
        elif fact == "stage" and (hint := _SCORE_HINT.search(what_if.explanation)):
            capitals = f.visit.capitals.model_copy(update={hint[1]: int(hint[2])})
            visit = f.visit.model_copy(update={"capitals": capitals})
            f = f.model_copy(update={"visit": visit})
        else:
            return None
    return _with_household(f, **household) if household else f


@settings(deadline=None)
@given(facts())
def test_every_what_if_applied_changes_the_outcome_as_it_says(f: Facts) -> None:
    rec = evaluate(f, RULES)
    segment = RULES.segment_for(f.visit.visit_date)
    clauses = {c.clause: c for c in segment.eligibility}
    before = {c.clause: c.outcome for c in rec.eligibility}
    amounts = {line.clause: line.amount_pence for line in rec.items}
    for what_if in rec.what_if:
        if what_if.clause in clauses:
            assert before[what_if.clause] is False
            options = clause_changes(clauses[what_if.clause], derive_with_stage(f, segment)[0])
            assert options, what_if.explanation  # every answer is a change that can be made
            for option in options:
                # On the named facts the engine reads ...
                d, _ = derive_with_stage(f, segment)
                d.values.update(option)
                assert clauses[what_if.clause].when.test(d) is True, what_if.explanation
                # ... and, where they are recorded fields, on the household itself.
                changed = _raw_change(f, what_if, option)
                if changed is not None:
                    after = evaluate(changed, RULES)
                    outcome = {c.clause: c.outcome for c in after.eligibility}
                    assert outcome[what_if.clause] is True, what_if.explanation
        else:
            assert what_if.change, what_if.explanation
            [[(fact, counted)]] = what_if.change
            assert fact == "counted_prior_awards_pence"
            after = evaluate(_counted_down_to(f, rec, counted), RULES)
            new = {line.clause: line.amount_pence for line in after.items}
            assert what_if.promised_pence is not None
            assert what_if.promised_pence > amounts.get(what_if.clause, 0)
            assert new.get(what_if.clause, 0) == what_if.promised_pence, what_if.explanation


@st.composite
def crowded(draw: st.DrawFn) -> Facts:
    """A household whose package the cap often cuts, item after item, with awards to count."""
    f = draw(facts())
    visit = f.visit.visit_date
    household = f.household.model_copy(
        update={
            "postcode": "SE15 4QF",
            "tenure": Tenure.PRIVATE_RENTER,
            "savings_pence": 0,
            "rent_arrears_pence": draw(st.integers(0, 80_000)),
            "utility_arrears_pence": draw(st.integers(0, 40_000)),
        }
    )
    capitals = f.visit.capitals.model_copy(update={"financial": 3, "human": 2})
    work = {
        "no_money_for_food_or_fuel": True,
        "capitals": capitals,
        "getting_to_work_cost_pence": draw(st.integers(0, 15_000)),
        "course_fee_pence": draw(st.integers(0, 50_000)),
    }
    awards = [
        PriorAward(
            award_date=visit - timedelta(days=draw(st.integers(0, 364))),
            amount_pence=draw(st.integers(1, 80_000)),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    return f.model_copy(
        update={
            "household": household,
            "visit": f.visit.model_copy(update=work),
            "prior_awards": awards,
        }
    )


@settings(deadline=None)
@given(crowded())
def test_every_cap_what_if_applied_gives_what_it_says(f: Facts) -> None:
    test_every_what_if_applied_changes_the_outcome_as_it_says.hypothesis.inner_test(f)


def test_the_what_if_property_sees_both_kinds() -> None:
    """A guard that the strategy reaches cap what-ifs, not only clause ones."""
    f = Facts.model_validate(
        {
            "household": {
                "postcode": "SE15 4QF",
                "tenure": "private_renter",
                "savings_pence": 0,
                "rent_arrears_pence": 60_000,
                "benefits": [],
                "members": [
                    {
                        "first_name": "A",
                        "surname": "B",
                        "date_of_birth": "1980-01-01",
                        "work_status": "unemployed",
                        "earnings_fell_on": "2026-05-01",
                    }
                ],
            },
            "visit": {
                "visit_date": "2026-06-15",
                "capitals": {"financial": 3, "mental": 1, "social": 1, "human": 1},
            },
            "prior_awards": [{"award_date": "2026-01-02", "amount_pence": 40_000}],
        }
    )
    rec = evaluate(f, RULES)
    [what_if] = rec.what_if
    assert what_if.promised_pence == 50_000
    after = evaluate(_counted_down_to(f, rec, what_if.change[0][0][1]), RULES)
    assert [line.amount_pence for line in after.items] == [50_000]
    assert date(2026, 6, 15) == f.visit.visit_date
