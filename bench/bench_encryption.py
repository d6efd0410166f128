"""Encryption cost: search and approvals on an encrypted store vs a plain one (target <= +25%).

Builds two stores with the same demo households (one SQLCipher, one plain
SQLite), then runs the same search-as-you-type queries and the same
on-the-spot approvals on each, side by side.
Run: .venv/bin/python bench/bench_encryption.py [--households N] [--approvals N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' fixtures
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.TestKeyring")

from caseworker.services import demo, fund, households, packages, users
from caseworker.store.database import Store
from tests.services.packages_fixtures import TODAY, household_with_arrears, rules
from tests.services.packages_fixtures import add_visit as visit_for

TARGET = 1.25
QUERIES = ["s", "sm", "smi", "smith", "j", "jo", "jon", "se15", "se15 4", "demo-0001", "a b"]


def search_times(store: Store, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            households.search(store, query, 0, 100)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def approval_times(store: Store, count: int) -> list[float]:
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", "correct horse battery")
    officer = users.add_user(
        store, manager, "Jo Smith", "JS01", users.Role.OFFICER, "correct horse battery"
    )
    fund.open_fund(store, manager, 60_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000_000, TODAY)
    ruleset = rules()
    timings = []
    for i in range(count):
        household = households.create_household(
            store, officer, household_with_arrears(5_000 + i % 40 * 100)
        )
        visit = visit_for(store, officer, household)
        package = packages.propose(store, officer, ruleset, visit.id, [], TODAY)
        started = time.perf_counter()
        packages.approve_on_the_spot(store, officer, ruleset, package.id, TODAY)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def compare(
    name: str, plain: list[float], encrypted: list[float], pick: Callable[[list[float]], float]
) -> None:
    a, b = pick(sorted(plain)), pick(sorted(encrypted))
    ratio = b / a
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(
        f"{name:<28} plain {a:7.2f} ms  encrypted {b:7.2f} ms  x{ratio:.2f} "
        f"(target <= x{TARGET:.2f}) {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--approvals", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stores = {
            "plain": Store.open_local(Path(folder) / "plain.db"),
            "encrypted": Store.open_local(Path(folder) / "encrypted.db", secrets.token_hex(32)),
        }
        results: dict[str, dict[str, list[float]]] = {}
        for label, store in stores.items():
            owner = users.system_user(store, "Demo Data", "DEMO")
            demo.generate(store, owner, args.households, seed=1)
            results[label] = {
                "search": search_times(store, 20),
                "approval": approval_times(store, args.approvals),
            }
            store.dispose()
    p99: Callable[[list[float]], float] = lambda t: t[int(len(t) * 0.99)]  # noqa: E731
    print(f"{args.households:,} households, {args.approvals} approvals each")
    compare(
        "search p50", results["plain"]["search"], results["encrypted"]["search"], statistics.median
    )
    compare("search p99", results["plain"]["search"], results["encrypted"]["search"], p99)
    compare(
        "approval p50",
        results["plain"]["approval"],
        results["encrypted"]["approval"],
        statistics.median,
    )
    compare("approval p99", results["plain"]["approval"], results["encrypted"]["approval"], p99)


if __name__ == "__main__":
    main()
