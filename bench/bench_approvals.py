"""Approval figures: an on-the-spot approval on the local store (target p99 <= 20 ms).

Times packages.approve_on_the_spot: re-evaluating the package on the store's
facts, the allowance spend, the package event, the audit entry and the commit.
Run: .venv/bin/python bench/bench_approvals.py [--approvals N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' fixtures

from caseworker.domain.household import Household
from caseworker.services import households, packages
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, make_team

TARGET_P99_MS = 20.0
SURNAMES = ("Mensah", "Nowak", "Okafor", "Begum", "Smith", "Silva", "Kowalski", "Ahmed")


def family(i: int, rent_arrears_pence: int) -> Household:
    """A different family each time: the fixture's one person saved 500 times would make
    every approval weigh hundreds of likely duplicates, which no real borough has."""
    household = household_with_arrears(rent_arrears_pence)
    lead = household.members[0].model_copy(
        update={
            "surname": SURNAMES[i % len(SURNAMES)],
            "date_of_birth": date(1950, 1, 1) + timedelta(days=29 * i),  # adults
        }
    )
    return household.model_copy(update={"members": [lead]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        team = make_team(
            Path(folder) / "bench.db",
            officers=1,
            managers=1,
            allowance=5_000_000,
            budget=6_000_000,
        )
        officer = team.officers[0]
        timings = []
        for i in range(args.approvals):
            case = households.create_household(
                team.store, officer, family(i, 5_000 + (i % 50) * 100)
            )
            visit = add_visit(team.store, officer, case)
            package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
            started = time.perf_counter()
            packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        verdict = "PASS" if p99 <= TARGET_P99_MS else "FAIL"
        print(
            f"on-the-spot approval over {args.approvals} approvals: p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms (target p99 <= {TARGET_P99_MS:.0f} ms) {verdict}"
        )
        team.store.dispose()


if __name__ == "__main__":
    main()
