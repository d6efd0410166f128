"""Benchmark the Today's yes rules engine and print the figures.

Targets (from the rules issues): at least 40,000 full-policy evaluations a
second on one core, explanations included, for typical households (the median
over 10,000 varied households, the median of several runs), rules load +
validation at start-up within 100 ms, and ``caseworker rules evaluate`` over a
JSON-lines file of 10,000 households at 10,000 or more a second.

Run: ``python bench/bench_rules.py``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from caseworker.domain.rules import Facts, evaluate, load_rules

HOUSEHOLDS = 10_000
SEED = 2026
EVALS_TARGET_PER_SECOND = 40_000
CLI_TARGET_PER_SECOND = 10_000
RUNS = 5  # the machine is shared: the median of several runs
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


def _one_run(facts: list[Facts], rules: Any) -> tuple[float, float, float]:
    """Median and p95 microseconds per evaluation, and evaluations a second over the run."""
    timings = []
    clock = time.perf_counter_ns
    start = clock()
    for f in facts:
        t0 = clock()
        evaluate(f, rules).explanation_lines()
        timings.append(clock() - t0)
    wall = (clock() - start) / 1e9
    return (
        statistics.median(timings) / 1000,
        statistics.quantiles(timings, n=20)[-1] / 1000,
        len(facts) / wall,
    )


def bench_evaluate(runs: int = RUNS) -> None:
    """The median of ``runs`` runs over the same 10,000 households (the machine is shared)."""
    rules, _ = load_rules()
    rng = random.Random(SEED)
    facts = [Facts.model_validate(household(rng)) for _ in range(HOUSEHOLDS)]
    for f in facts[:500]:  # warm up
        evaluate(f, rules).explanation_lines()
    results = [_one_run(facts, rules) for _ in range(runs)]
    median_us = statistics.median(r[0] for r in results)
    p95_us = statistics.median(r[1] for r in results)
    whole = statistics.median(r[2] for r in results)
    eligible = sum(evaluate(f, rules).eligible for f in facts)
    print(f"households: {HOUSEHOLDS} varied ({eligible} eligible), one core, {runs} runs")
    print("  each run's median: " + ", ".join(f"{1e6 / r[0]:,.0f}/s" for r in results))
    print(
        f"evaluate + explanations: median {median_us:.1f} us, p95 {p95_us:.1f} us; "
        f"{whole:,.0f}/s over a whole run"
    )
    print(
        f"at the median, one core (target >= {EVALS_TARGET_PER_SECOND:,}): "
        f"{1e6 / median_us:,.0f} evaluations/s"
    )


_CLI = """
import io, os, sys, time
from caseworker.cli import main
import caseworker.domain.rules.engine, caseworker.domain.rules.reader  # loaded before timing
sys.stdout, sys.stderr = open("{out}", "w"), io.StringIO()
def busy():  # this process's CPU time and its (ended) worker processes'
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
t0, c0 = time.perf_counter(), busy()
code = main(["rules", "evaluate", "{path}"])
sys.stdout.flush()
wall, cpu = time.perf_counter() - t0, busy() - c0
sys.__stdout__.write(f"{{code}} {{wall}} {{cpu}}\\n")
"""


def bench_cli(runs: int = 3) -> None:
    """``caseworker rules evaluate`` over a JSON-lines file of 10,000 households.

    The command runs in a fresh interpreter each time; the figure is its own
    time (rules load, reading, strict validation, evaluation, writing), the
    interpreter start and imports apart, with the wall time of the whole
    command and the command's CPU time (what a busy shared machine distorts
    least; its worker processes' included, all cores together) beside it.
    """
    rng = random.Random(SEED + 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.jsonl"
        rows: list[str] = []
        while len(rows) < HOUSEHOLDS:
            data = household(rng)
            if data["household"]["members"][0]["date_of_birth"] <= _adult_on(data):
                rows.append(json.dumps(data))
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out = Path(folder) / "out.jsonl"
        inside, cpu, whole = [], [], []
        for _ in range(runs):
            code = _CLI.format(out=out.as_posix(), path=path.as_posix())
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            whole.append(time.perf_counter() - t0)
            status, seconds, busy = done.stdout.split()
            assert status == "0", done.stdout
            inside.append(float(seconds))
            cpu.append(float(busy))
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        assert lines == HOUSEHOLDS, lines
    per_second = HOUSEHOLDS / statistics.median(inside)
    print(
        f"rules evaluate over a JSON-lines file of {HOUSEHOLDS:,} households "
        f"(target >= {CLI_TARGET_PER_SECOND:,}/s): median {per_second:,.0f} households/s "
        f"in the command ({statistics.median(inside):.2f} s), "
        f"{HOUSEHOLDS / statistics.median(whole):,.0f}/s counting the interpreter start "
        f"({statistics.median(whole):.2f} s), {HOUSEHOLDS / statistics.median(cpu):,.0f}/s "
        "of the command's own CPU time; runs: "
        + ", ".join(f"{HOUSEHOLDS / t:,.0f}/s" for t in inside)
        + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} core(s)"
    )


def _adult_on(data: dict[str, Any]) -> str:
    """The latest date of birth of an adult lead contact on the visit date (18th birthday)."""
    visit = date.fromisoformat(data["visit"]["visit_date"])
    try:
        return visit.replace(year=visit.year - 18).isoformat()
    except ValueError:  # 29 February
        return visit.replace(year=visit.year - 18, day=28).isoformat()


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
    bench_cli()
