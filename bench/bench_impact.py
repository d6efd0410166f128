"""Policy-change impact: ``caseworker rules impact`` over 100,000 households <= 3 s (issue 19).

Builds a store with ``services.demo.generate`` (plus approved packages for one
household in four, so the household cap's prior awards are read and used),
writes a draft (a copy of resources/rules with the 2026-04 cap raised to £800
and SE11 added to the borough in both versions), then times:

1. the command as a policy officer runs it: a fresh ``caseworker --demo rules
   impact DRAFT --json`` process, from start to exit (the target);
2. ``services.impact.policy_impact`` in this process, with its parts (reading
   the store, evaluating) for diagnosis.

Run: .venv/bin/python bench/bench_impact.py [--households N] [--keep DIR] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from caseworker import paths  # noqa: E402
from caseworker.services import demo, impact, users  # noqa: E402
from caseworker.store.database import Store  # noqa: E402
from caseworker.store.tables import HouseholdRow, PackageRow, VisitRow, utcnow  # noqa: E402

TARGET_S = 3.0
PER_HOUSEHOLDS = 100_000


def build_store(folder: Path, households: int) -> Store:
    """The demo store in ``folder`` (reused if it already holds exactly ``households``)."""
    paths.set_data_dir(folder)
    paths.set_demo_mode(True)
    store = Store.open_local(paths.local_store_path())
    with store.read() as session:
        have = session.execute(select(func.count()).select_from(HouseholdRow)).scalar_one()
    if have == households:
        print(f"reusing the store in {folder} ({have:,} households)")
        return store
    if have:
        raise SystemExit(f"{folder} holds {have:,} households, not {households:,}: use another")
    started = time.perf_counter()
    user = users.system_user(store, "Demo Data", "DEMO")
    demo.generate(store, user, households, seed=1)
    _add_awards(store, user.id)
    print(f"generated {households:,} households in {time.perf_counter() - started:.1f} s")
    return store


def _add_awards(store: Store, user_id: uuid.UUID) -> None:
    """An approved or paid package for one household in four with a visit (6.1 prior awards)."""
    rng = random.Random(7)
    with store.read() as session:
        visited = session.execute(
            select(VisitRow.household_id, func.min(VisitRow.visit_date)).group_by(
                VisitRow.household_id
            )
        ).all()
    rows = []
    for household_id, first_visit in visited[::4]:
        approved = first_visit + timedelta(days=rng.randint(0, 20))
        rows.append(
            {
                "id": uuid.uuid4(),
                "household_id": household_id,
                "visit_id": None,
                "visit_date": first_visit,
                "created_by": user_id,
                "created_at": utcnow(),
                "policy_version": "2026-04",
                "items": "[]",
                "explanation": "",
                "total_pence": rng.choice([6_000, 25_000, 45_000, 70_000, 75_000]),
                "route": "manager",
                "status": rng.choice(["approved", "paid", "approved_on_the_spot"]),
                "approved_on": min(approved, date.today()),
            }
        )
    with store.unit_of_work() as session:
        for start in range(0, len(rows), 5_000):
            session.execute(insert(PackageRow), rows[start : start + 5_000])
    print(f"added {len(rows):,} approved packages")


def write_draft(folder: Path) -> Path:
    draft = folder / "draft-rules"
    shutil.rmtree(draft, ignore_errors=True)
    shutil.copytree(ROOT / "resources" / "rules", draft)
    for name, edits in (
        ("2026-04.yaml", [("household_cap: £750.00", "household_cap: £800.00")]),
        ("2026-10.yaml", []),
    ):
        path = draft / "versions" / name
        text = path.read_text(encoding="utf-8")
        for old, new in [*edits, ("[SE1, SE5,", "[SE1, SE11, SE5,")]:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return draft


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_command(folder: Path, draft: Path) -> tuple[float, float, dict[str, object]]:
    """Wall time of the command, and its CPU time (with its worker processes')."""
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "caseworker",
            "--data-dir",
            str(folder),
            "--demo",
            "rules",
            "impact",
            str(draft),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"the command failed:\n{result.stderr}")
    data: dict[str, object] = json.loads(result.stdout)
    return elapsed, cpu, data


def time_parts(store: Store, draft: Path) -> tuple[float, float, float]:
    """In-process: whole call, reading the store alone, and the remainder (rules + evaluation)."""
    started = time.perf_counter()
    impact.policy_impact(store, draft)
    whole = time.perf_counter() - started
    current, drafted = impact.load_rule_sets(impact.rule_folders(draft))
    first = min(current.versions[0].in_force_from, drafted.versions[0].in_force_from)
    started = time.perf_counter()
    for ids in impact.id_ranges(impact.FORK_PARTS):
        impact.read_in_force(store, ids, first)
    read = time.perf_counter() - started
    return whole, read, whole - read


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=PER_HOUSEHOLDS)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="data folder to keep / reuse")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    target = TARGET_S * args.households / PER_HOUSEHOLDS
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        store = build_store(folder, args.households)
        draft = write_draft(Path(temp))
        runs, cpus = [], []
        report: dict[str, object] = {}
        for _ in range(args.runs):
            elapsed, cpu, report = time_command(folder, draft)
            runs.append(elapsed)
            cpus.append(cpu)
            print(f"  run: {elapsed:.2f} s wall, {cpu:.2f} s CPU (user + system, with workers)")
        whole, read, rest = time_parts(store, draft)
        store.dispose()
    counts = report["households"]
    assert isinstance(counts, dict)
    changed = report["total_changes"]
    assert isinstance(changed, list)
    spend = report["spend"]
    eligibility = report["eligibility"]
    assert isinstance(spend, dict) and isinstance(eligibility, dict)
    print(
        f"households {counts['total']:,}: evaluated {counts['evaluated']:,}, no visit "
        f"{counts['no_visit']:,}, visit before the rules {counts['visit_before_the_rules']:,}; "
        f"{eligibility['households_gaining']:,} gain and {eligibility['households_losing']:,} "
        f"lose eligibility; {len(changed):,} totals change; spend change "
        f"{spend['change_pence'] / 100:+,.2f} GBP"
    )
    print(
        f"in process: {whole:.2f} s (reading the store {read:.2f} s, rules and evaluation "
        f"{rest:.2f} s, {impact.default_workers()} worker process(es))"
    )
    median, worst = statistics.median(runs), max(runs)
    verdict = "PASS" if worst <= target else "FAIL"
    print(
        f"caseworker rules impact over {args.households:,} households, {len(runs)} runs: "
        f"median {median:.2f} s, worst {worst:.2f} s (target <= {target:.1f} s) {verdict}; "
        f"median CPU {statistics.median(cpus):.2f} s over {os.cpu_count()} core(s), "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
