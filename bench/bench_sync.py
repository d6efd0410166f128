"""Sync figures on a shared store (SQLite file or PostgreSQL on loopback).

1. push + pull of 10,000 mutations made offline on one laptop (target <= 15 s);
2. a sync with nothing to do (target <= 100 ms, median of 20);
3. a new laptop's first pull of a store holding 100,000 households (target <= 60 s).

Run: .venv/bin/python bench/bench_sync.py [--store sqlite|postgresql] [--mutations N]
[--households N]. PostgreSQL uses a fresh database on 127.0.0.1:5432, dropped after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' fixtures

from sqlalchemy import create_engine, text

from caseworker.domain.users import Role
from caseworker.services import demo, households, users
from caseworker.services.outbox import load_user
from caseworker.store.database import Store
from caseworker.sync.run import sync
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import rules

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _new_store(kind: str, folder: Path) -> tuple[str, object]:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'shared-{uuid.uuid4().hex[:6]}.db'}", None
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    name = f"cw_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return f"{PG}/{name}?options=-c%20timezone%3DUTC", (admin, name)


def _drop(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--households", type=int, default=100_000)
    args = parser.parse_args()
    ruleset = rules()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, handle = _new_store(args.store, folder)
        try:
            shared = Store.open_shared(url, upgrade=True)
            laptop = Store.open_local(folder / "laptop.db")
            manager = users.create_first_manager(laptop, "Morgan Lee", "TM01", PASSWORD)
            officer = users.add_user(laptop, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
            made = 2
            cases = []
            while made < args.mutations:
                if len(cases) < args.mutations // 4:
                    cases.append(households.create_household(laptop, officer, make_household()))
                else:
                    case = cases[made % len(cases)]
                    households.update_household(
                        laptop, officer, case.model_copy(update={"phone": f"0207 {made:07d}"})
                    )
                made += 1
            start = time.perf_counter()
            report = sync(laptop, shared, ruleset)
            elapsed = time.perf_counter() - start
            assert report.pushed.applied == args.mutations, report.pushed
            print(f"[{args.store}] push + pull of {args.mutations:,} mutations: {elapsed:.1f} s")
            other = Store.open_local(folder / "other.db")
            start = time.perf_counter()
            sync(other, shared, ruleset)
            print(
                f"[{args.store}]   (of which pulling them on another laptop: "
                f"{time.perf_counter() - start:.1f} s)"
            )

            idle = []
            for _ in range(20):
                start = time.perf_counter()
                sync(laptop, shared, ruleset)
                idle.append((time.perf_counter() - start) * 1000)
            median = statistics.median(idle)
            print(f"[{args.store}] sync with nothing to do: median {median:.1f} ms")

            start = time.perf_counter()
            demo.generate(shared, load_user(shared, officer.id), args.households)
            print(
                f"[{args.store}] (set-up: {args.households:,} households written to the store "
                f"in {time.perf_counter() - start:.1f} s)"
            )
            fresh = Store.open_local(folder / "new-laptop.db")
            start = time.perf_counter()
            report = sync(fresh, shared, ruleset)
            elapsed = time.perf_counter() - start
            print(
                f"[{args.store}] new laptop's first pull ({report.pulled_rows:,} records, "
                f"{args.households:,} + {len(cases):,} households): {elapsed:.1f} s"
            )
            shared.dispose()
        finally:
            _drop(handle)


if __name__ == "__main__":
    main()
