"""Benchmark the Today's yes rules engine and print the figures.

Targets (from the rules issues): at least 40,000 full-policy evaluations a
second on one core, explanations included, for typical households (the median
over 10,000 varied households), and rules load + validation at start-up
within 100 ms.

Run: ``python bench/bench_rules.py``.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

from caseworker.domain.rules import Facts, evaluate, load_rules

HOUSEHOLDS = 10_000
SEED = 2026
EVALS_TARGET_PER_SECOND = 40_000
LOAD_TARGET_MS = 100.0
FIRST_VISIT = date(2026, 4, 1)
LAST_VISIT = date(2026, 11, 20)
DISTRICTS = ["SE1", "SE5", "SE11", "SE15", "SE16", "SE17", "SE21", "SE22", "SE2", "N1"]
WORK = ["employed", "self_employed", "unemployed", "not_working"]
BENEFITS = ["universal_credit", "jobseekers_allowance", "child_benefit", "housing_benefit"]
TENURES = ["private_renter", "social_renter", "owner_mortgage", "living_with_family"]


def _pence(rng: random.Random, chance: float, high: int) -> int:
    return rng.randrange(1, high) if rng.random() < chance else 0


def _member(rng: random.Random, visit: date, lead: bool) -> dict[str, Any]:
    age_days = rng.randrange(18 * 365, 70 * 365) if lead else rng.randrange(200, 30 * 365)
    member: dict[str, Any] = {
        "first_name": rng.choice(["Ann", "Ben", "Sam", "Mia", "Joe", "Ava"]),
        "surname": "Lee",
        "date_of_birth": (visit - timedelta(days=age_days)).isoformat(),
        "relationship": "lead_contact" if lead else rng.choice(["partner", "child", "other"]),
        # An officer records most work statuses; 1 in 20 is still blank.
        "work_status": rng.choice(WORK) if rng.random() > 0.05 else None,
        "reduced_hours": rng.random() < 0.1,
        "in_education_or_training": rng.random() < 0.2,
    }
    if rng.random() < 0.35:
        member["earnings_fell_on"] = (visit - timedelta(days=rng.randrange(0, 500))).isoformat()
    return member


def household(rng: random.Random) -> dict[str, Any]:
    """One varied, realistic household and visit in FACTS.json form."""
    visit = FIRST_VISIT + timedelta(days=rng.randrange((LAST_VISIT - FIRST_VISIT).days))
    members = [_member(rng, visit, i == 0) for i in range(rng.randrange(1, 6))]
    score = [0, 1, 1, 2, 2, 3]
    return {
        "household": {
            "postcode": f"{rng.choice(DISTRICTS)} {rng.randrange(1, 10)}AB",
            "tenure": rng.choice(TENURES),
            "savings_pence": rng.choice([0, 25_000, 150_000, 599_999, 600_000, 2_000_000]),
            "rent_arrears_pence": _pence(rng, 0.4, 150_000),
            "mortgage_arrears_pence": _pence(rng, 0.1, 200_000),
            "utility_arrears_pence": _pence(rng, 0.4, 60_000),
            "council_tax_arrears_pence": _pence(rng, 0.3, 80_000),
            "other_debts_pence": _pence(rng, 0.5, 500_000),
            "benefits": rng.sample(BENEFITS, rng.randrange(0, 3)),
            "members": members,
        },
        "visit": {
            "visit_date": visit.isoformat(),
            "no_money_for_food_or_fuel": rng.random() < 0.4,
            "unfamiliar_with_benefits": rng.random() < 0.3,
            "family_strain": rng.random() < 0.2,
            "substance_use": rng.random() < 0.1,
            "work_event": rng.choice([None, None, "job_start", "job_interview"]),
            "work_event_date": (visit + timedelta(days=rng.randrange(-5, 40))).isoformat(),
            "getting_to_work_cost_pence": rng.choice([None, 2_500, 15_000]),
            "course_fee_pence": rng.choice([None, None, 30_000]),
            "childcare_cost_pence": rng.choice([None, 20_000]),
            "capitals": {c: rng.choice(score) for c in ("financial", "mental", "social", "human")},
        },
        "prior_awards": [
            {
                "award_date": (visit - timedelta(days=rng.randrange(1, 500))).isoformat(),
                "amount_pence": rng.randrange(1_000, 40_000),
                "status": rng.choice(["approved", "paid", "rejected"]),
            }
            for _ in range(rng.randrange(0, 3))
        ],
        "allowance_left_pence": rng.choice([0, 10_000, 50_000]),
    }


def bench_evaluate() -> None:
    rules, _ = load_rules()
    rng = random.Random(SEED)
    facts = [Facts.model_validate(household(rng)) for _ in range(HOUSEHOLDS)]
    for f in facts[:500]:  # warm up
        evaluate(f, rules).explanation_lines()
    timings = []
    clock = time.perf_counter_ns
    start = clock()
    for f in facts:
        t0 = clock()
        evaluate(f, rules).explanation_lines()
        timings.append(clock() - t0)
    wall = (clock() - start) / 1e9
    median_us = statistics.median(timings) / 1000
    p95_us = statistics.quantiles(timings, n=20)[-1] / 1000
    per_second = 1e6 / median_us
    eligible = sum(evaluate(f, rules).eligible for f in facts)
    print(f"households: {HOUSEHOLDS} varied ({eligible} eligible), one core")
    print(
        f"evaluate + explanations: median {median_us:.1f} us, p95 {p95_us:.1f} us; "
        f"{HOUSEHOLDS / wall:,.0f}/s over the whole run"
    )
    print(
        f"at the median, one core (target >= {EVALS_TARGET_PER_SECOND:,}): "
        f"{per_second:,.0f} evaluations/s"
    )


_COLD = """
import time
t0 = time.perf_counter()
import caseworker.domain.household, caseworker.domain.visit
t1 = time.perf_counter()
from caseworker.domain.rules import load_rules
t2 = time.perf_counter()
load_rules()
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000)
"""


def bench_load() -> None:
    """Warm loads in this process, and a fresh interpreter split into what it pays for."""
    runs = []
    for _ in range(20):
        t0 = time.perf_counter()
        load_rules()
        runs.append((time.perf_counter() - t0) * 1000)
    colds = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, check=True
        ).stdout
        colds.append([float(x) for x in out.split()])
    models, engine, first = (statistics.median(c[i] for c in colds) for i in range(3))
    print(
        f"rules load + validation: median {statistics.median(runs):.1f} ms warm; "
        f"cold start {engine + first:.1f} ms (import the engine {engine:.1f} ms + first load "
        f"{first:.1f} ms), target <= {LOAD_TARGET_MS:.0f} ms; "
        f"plus {models:.1f} ms for pydantic and the domain models the app imports anyway"
    )


if __name__ == "__main__":
    bench_load()
    bench_evaluate()
