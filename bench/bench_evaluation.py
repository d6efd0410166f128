"""Evaluation report figure: ``caseworker report evaluation`` over 100,000 households <= 30 s.

Builds a store with ``services.demo.generate`` (100,000 households, about
85,000 visits), then adds what the report reads and demo data lacks, in bulk:

- a stored recommendation (about 5 KB of JSON, as the engine writes it) with
  its referrals on every visit;
- a package for one visited household in three, with a status mix (approved on
  the spot, approved, paid, rejected, withdrawn, waiting) and the route its
  total gives;
- a review for every package still approved or paid, due 84 days after approval,
  seven in ten recorded once due, with scores and outcomes;
- the team fund's budget for each financial year the visits touch, and a
  manager (``BENCHTM``) who signs in to run the report.

The store is cached with ``--keep DIR`` (generation is skipped when it already
holds exactly N households and its reviews). Then it times, for the last 12
months:

1. the command as a manager runs it: a fresh ``caseworker --demo report
   evaluation --from --to -o report.pdf --csv report.csv`` process, from start
   to exit, password on stdin (the target);
2. in this process, its parts: the figures, the PDF, the CSV.

Run: .venv/bin/python bench/bench_evaluation.py [--households N] [--keep DIR] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import bindparam, func, insert, select, update  # noqa: E402

from caseworker import paths  # noqa: E402
from caseworker.domain.assessment import stage_for  # noqa: E402
from caseworker.reports.evaluation import (  # noqa: E402
    write_evaluation_csv,
    write_evaluation_pdf,
)
from caseworker.services import demo, evaluation, users  # noqa: E402
from caseworker.services.fund import DEFAULT_TEAM, year_of  # noqa: E402
from caseworker.store.database import Store  # noqa: E402
from caseworker.store.review_tables import ReviewRow  # noqa: E402
from caseworker.store.tables import (  # noqa: E402
    FundEntryRow,
    FundRow,
    HouseholdRow,
    PackageRow,
    UserAccount,
    VisitRow,
    utcnow,
)

TARGET_S = 30.0
PER_HOUSEHOLDS = 100_000
MANAGER_CODE = "BENCHTM"
PASSWORD = "bench evaluation password"
BATCH = 5_000
SERVICES = {
    "7.1": "Debt advice (Citizens Advice)",
    "7.2": "Benefits check (welfare rights)",
    "7.3": "Employment support (Jobcentre Plus)",
    "7.4": "Youth employment and training service",
    "7.5": "Talking therapies (NHS)",
    "7.6": "Relationship support (Relate)",
    "7.7": "Business support (Small Business Centre)",
    "7.8": "Drug and alcohol service",
    "7.9": "Housing Options (statutory homelessness)",
}
_FILLER = (
    "4.3 At least one trigger holds: an adult's earnings fell in the 12 months before the "
    "visit (Example Person's earnings fell on 1 May 2026). "
)


# A review not yet recorded: NULL scores and outcomes ("not yet known").
_NOT_RECORDED: dict[str, Any] = dict.fromkeys(
    [
        "completed_on",
        "completed_by",
        "financial",
        "mental",
        "social",
        "human",
        "stage",
        "home_kept",
        "job_started",
        "hours_restored",
        "training_started",
        "debt_plan_in_place",
    ]
)


def build_store(folder: Path, households: int) -> Store:
    """The store in ``folder`` with the report's data (reused if it is already there)."""
    paths.set_data_dir(folder)
    paths.set_demo_mode(True)
    store = Store.open_local(paths.local_store_path())
    with store.read() as session:
        have = session.execute(select(func.count()).select_from(HouseholdRow)).scalar_one()
        reviewed = session.execute(select(func.count()).select_from(ReviewRow)).scalar_one()
    if have and have != households:
        raise SystemExit(f"{folder} holds {have:,} households, not {households:,}: use another")
    started = time.perf_counter()
    if not have:
        user = users.system_user(store, "Demo Data", "DEMO")
        demo.generate(store, user, households, seed=1)
        print(f"generated {households:,} households in {time.perf_counter() - started:.1f} s")
    if not reviewed:
        started = time.perf_counter()
        _add_pilot(store)
        print(f"added recommendations, packages, reviews in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing the store in {folder} ({have:,} households, {reviewed:,} reviews)")
    _manager(store)
    return store


def _recommendation(visit: Any, rng: random.Random) -> str:
    """A stored recommendation of the engine's shape and size, with plausible referrals."""
    clauses = []
    if visit.financial >= 2 or rng.random() < 0.3:
        clauses.append("7.1")
    if visit.unfamiliar_with_benefits:
        clauses.append("7.2")
    if rng.random() < 0.35:
        clauses.append("7.3")
    if rng.random() < 0.08:
        clauses.append("7.4")
    if visit.mental >= 2:
        clauses.append("7.5")
    if visit.family_strain and visit.social >= 2:
        clauses.append("7.6")
    if visit.substance_use:
        clauses.append("7.8")
    if rng.random() < 0.05:
        clauses.append("7.9")
    referrals = [
        {"clause": c, "service": SERVICES[c], "explanation": f"{c} {SERVICES[c]}: holds."}
        for c in clauses
    ]
    data = {
        "policy_version": "2026-04",
        "visit_date": visit.visit_date.isoformat(),
        "stage": visit.stage,
        "eligibility": [
            {"clause": f"4.{i}", "title": "", "outcome": "met", "explanation": _FILLER}
            for i in range(1, 6)
        ],
        "items": [],
        "not_recommended": [],
        "referrals": referrals,
        "explanation": [_FILLER] * 24,
        "route": "officer",
        "total_pence": 0,
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _add_pilot(store: Store) -> None:
    rng = random.Random(11)
    today = date.today()
    with store.read() as session:
        visits = session.execute(
            select(
                VisitRow.id,
                VisitRow.household_id,
                VisitRow.visit_date,
                VisitRow.officer_id,
                VisitRow.financial,
                VisitRow.mental,
                VisitRow.social,
                VisitRow.human,
                VisitRow.stage,
                VisitRow.unfamiliar_with_benefits,
                VisitRow.family_strain,
                VisitRow.substance_use,
            ).order_by(VisitRow.household_id, VisitRow.visit_date)
        ).all()
    recommendations = [{"vid": v.id, "rec": _recommendation(v, rng)} for v in visits]
    referrals = {r["vid"]: json.loads(r["rec"])["referrals"] for r in recommendations}
    with store.unit_of_work() as session:
        statement = (
            update(VisitRow.__table__)  # type: ignore[attr-defined]
            .where(VisitRow.__table__.c.id == bindparam("vid"))  # type: ignore[attr-defined]
            .values(recommendation=bindparam("rec"))
        )
        for start in range(0, len(recommendations), BATCH):
            session.connection().execute(statement, recommendations[start : start + BATCH])
    packages, reviews = [], []
    seen: set[uuid.UUID] = set()
    statuses = ["approved_on_the_spot", "approved", "paid", "rejected", "withdrawn", "awaiting"]
    for v in visits:
        if v.household_id in seen or rng.random() > 1 / 3:
            continue
        seen.add(v.household_id)
        total = rng.choice([6_000, 12_000, 25_000, 40_000, 60_000, 75_000])
        status = rng.choices(statuses, weights=[40, 25, 20, 5, 5, 5])[0]
        status = "awaiting_manager" if status == "awaiting" else status
        approved_on = None
        if status in ("approved_on_the_spot", "approved", "paid", "withdrawn"):
            approved_on = min(today, v.visit_date + timedelta(days=rng.randint(0, 10)))
        package_id = uuid.uuid4()
        packages.append(
            {
                "id": package_id,
                "household_id": v.household_id,
                "visit_id": v.id,
                "visit_date": v.visit_date,
                "created_by": v.officer_id,
                "created_at": utcnow(),
                "policy_version": "2026-04",
                "items": json.dumps(
                    [{"clause": "5.1", "item": "Housing costs bridge", "amount_pence": total}]
                ),
                "explanation": "[]",
                "total_pence": total,
                "route": "officer" if total <= 25_000 else "manager",
                "status": status,
                "approved_on": approved_on,
            }
        )
        if approved_on is None or status == "withdrawn":
            continue
        due = approved_on + timedelta(days=84)
        review: dict[str, Any] = {
            **_NOT_RECORDED,
            "id": uuid.uuid4(),
            "package_id": package_id,
            "household_id": v.household_id,
            "due_on": due,
            "officer_id": v.officer_id,
            "created_at": utcnow(),
            "referrals_taken_up": "",
            "notes": "",
        }
        if due <= today and rng.random() < 0.7:
            before = (v.financial, v.mental, v.social, v.human)
            scores = [max(0, s - rng.choice([0, 0, 1, 1, 2])) for s in before]
            review.update(
                completed_on=min(today, due + timedelta(days=rng.randint(-7, 21))),
                completed_by=v.officer_id,
                financial=scores[0],
                mental=scores[1],
                social=scores[2],
                human=scores[3],
                stage=int(stage_for(*scores)),
                home_kept=rng.choice([True, True, True, False, None]),
                job_started=rng.random() < 0.15,
                hours_restored=rng.random() < 0.2,
                training_started=rng.random() < 0.1,
                debt_plan_in_place=rng.random() < 0.4,
                referrals_taken_up=json.dumps(
                    {r["clause"]: rng.random() < 0.6 for r in referrals[v.id]},
                    separators=(",", ":"),
                ),
            )
        reviews.append(review)
    years = sorted({year_of(v.visit_date) for v in visits} | {year_of(today)})
    with store.unit_of_work() as session:
        for start in range(0, len(packages), BATCH):
            session.execute(insert(PackageRow), packages[start : start + BATCH])
        for start in range(0, len(reviews), BATCH):
            session.execute(insert(ReviewRow), reviews[start : start + BATCH])
        actor = next(v.officer_id for v in visits)
        for year in years:
            fund = FundRow(team=DEFAULT_TEAM, financial_year=year)
            session.add(fund)
            session.flush()
            session.add(
                FundEntryRow(fund_id=fund.id, kind="budget", amount_pence=6_000_000, actor_id=actor)
            )
    print(f"{len(visits):,} visits, {len(packages):,} packages, {len(reviews):,} reviews")


def _manager(store: Store) -> None:
    """A team manager who can sign in to run the report (added once)."""
    with store.read() as session:
        found = session.execute(
            select(UserAccount.id).where(UserAccount.officer_code == MANAGER_CODE)
        ).first()
    if found is not None:
        return
    if users.needs_first_manager(store):
        users.create_first_manager(store, "Bench Manager", MANAGER_CODE, PASSWORD)
        return
    with store.unit_of_work() as session:  # a store made by another bench already has users
        session.add(
            UserAccount(
                name="Bench Manager",
                officer_code=MANAGER_CODE,
                role="manager",
                password_hash=PasswordHasher().hash(PASSWORD),
            )
        )


def time_command(folder: Path, out: Path, date_from: date, date_to: date) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "caseworker",
            "--data-dir",
            str(folder),
            "--demo",
            "report",
            "evaluation",
            "--from",
            date_from.isoformat(),
            "--to",
            date_to.isoformat(),
            "-o",
            str(out / "report.pdf"),
            "--csv",
            str(out / "report.csv"),
            "--as",
            MANAGER_CODE,
            "--password-stdin",
        ],
        cwd=ROOT,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the command failed:\n{result.stderr}")
    return elapsed


def time_parts(store: Store, out: Path, date_from: date, date_to: date) -> dict[str, float]:
    manager = users.sign_in(store, MANAGER_CODE, PASSWORD)
    started = time.perf_counter()
    figures = evaluation.evaluation_figures(store, manager, date_from, date_to)
    parts = {"figures": time.perf_counter() - started}
    started = time.perf_counter()
    write_evaluation_pdf(figures, out / "parts.pdf")
    parts["pdf"] = time.perf_counter() - started
    started = time.perf_counter()
    write_evaluation_csv(figures, out / "parts.csv")
    parts["csv"] = time.perf_counter() - started
    print(
        f"period {date_from:%d/%m/%Y} to {date_to:%d/%m/%Y}: {figures.households_seen:,} "
        f"households seen, {figures.visits:,} visits, {figures.packages:,} packages, "
        f"{figures.approvals:,} approvals ({figures.approved_pence / 100:,.2f} GBP), "
        f"{figures.reviews_done:,} reviews recorded, {figures.reviews_overdue:,} overdue, "
        f"{sum(r.made for r in figures.referrals):,} referrals"
    )
    return parts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=PER_HOUSEHOLDS)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="data folder to keep / reuse")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    target = TARGET_S * args.households / PER_HOUSEHOLDS
    date_to = date.today()
    date_from = date_to - timedelta(days=364)
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp) / "data"
        folder.mkdir(parents=True, exist_ok=True)
        out = Path(temp)
        store = build_store(folder, args.households)
        parts = time_parts(store, out, date_from, date_to)
        store.dispose()
        runs = [time_command(folder, out, date_from, date_to) for _ in range(args.runs)]
        pages = (out / "report.pdf").stat().st_size
    whole = sum(parts.values())
    print(
        f"in process: {whole:.2f} s (figures {parts['figures']:.2f} s, PDF {parts['pdf']:.2f} s, "
        f"CSV {parts['csv']:.3f} s); PDF {pages / 1024:.0f} KB"
    )
    median, worst = statistics.median(runs), max(runs)
    verdict = "PASS" if worst <= target else "FAIL"
    print(
        f"caseworker report evaluation over {args.households:,} households, {len(runs)} runs: "
        f"median {median:.2f} s, worst {worst:.2f} s (target <= {target:.1f} s) {verdict}"
    )
    if verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
