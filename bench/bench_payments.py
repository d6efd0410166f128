"""Reconciliation figure: importing finance's 10,000-line payment file (target <= 2 s).

Sets up a laptop's store with N approved awards, each sent to finance by a route
(the rows are copied from one real award made through the services, so the setup
takes seconds, not an hour), then times ``payments.import_finance_file``: reading
the CSV, matching every line, the payment and package updates, the fund ledger
entries, the audit entries, the outbox row and the commit. The file has every kind
of line: paid (most), failed, returned, paid twice, unmatched and malformed.
Run: .venv/bin/python bench/bench_payments.py [--lines N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' fixtures

from sqlalchemy import insert
from sqlmodel import select

from caseworker.domain.payments import CashOut, Delivery
from caseworker.domain.stamps import utcnow
from caseworker.services import packages, payments
from caseworker.services.audit import canonical
from caseworker.store.payment_tables import PaymentRow
from caseworker.store.tables import PackageRow
from tests.services.packages_fixtures import TODAY, make_team, new_case

TARGET_SECONDS = 2.0
HEADER = "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    n = args.lines
    with tempfile.TemporaryDirectory() as folder:
        team = make_team(
            Path(folder) / "bench.db",
            officers=1,
            managers=1,
            allowance=5_000_000,
            budget=90_000_000,
        )
        officer, manager = team.officers[0], team.managers[0]
        visit = new_case(team, officer, 5_000)
        model = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
        model = packages.approve_on_the_spot(team.store, officer, team.rules, model.id, TODAY)
        route = CashOut(code="AB12CD34", delivery=Delivery.PRINTED)
        details = canonical(route.model_dump(mode="json"))
        references = []
        with team.store.unit_of_work() as session:
            template = session.exec(select(PackageRow).where(PackageRow.id == model.id)).one()
            base = template.model_dump()
            household_id, total = template.household_id, template.total_pence
            package_rows, payment_rows = [], []
            for i in range(n):
                package_id = uuid.uuid4()
                package_rows.append({**base, "id": package_id, "server_version": None})
                reference = f"CW-{i:010d}"
                references.append(reference)
                payment_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "package_id": package_id,
                        "household_id": household_id,
                        "reference": reference,
                        "route": route.route,
                        "details": details,
                        "amount_pence": total,
                        "status": "instructed",
                        "instructed_by": officer.id,
                        "instructed_at": utcnow(),
                        "outcome_reason": "",
                        "task_note": "",
                    }
                )
            session.execute(insert(PackageRow.__table__), package_rows)  # type: ignore[attr-defined]
            session.execute(insert(PaymentRow.__table__), payment_rows)  # type: ignore[attr-defined]
        amount = f"{total / 100:.2f}"
        day = TODAY.isoformat()
        lines = []
        for i, reference in enumerate(references):
            kind = i % 100
            if kind == 0:
                lines.append(f"L{i},{reference},cash_out,failed,{amount},{day},CD34,no collection")
            elif kind == 1:
                lines.append(f"L{i},{reference},cash_out,returned,{amount},{day},CD34,expired")
            elif kind == 2:
                lines.append(f"L{i},CW-UNKNOWN{i:04d},cash_out,paid,{amount},{day},CD34,")
            elif kind == 3:
                lines.append(f"L{i},{reference},cash_out,paid,{amount},31/12/2026,CD34,")
            else:
                lines.append(f"L{i},{reference},cash_out,paid,{amount},{day},CD34,")
        lines[-1] = lines[-2].replace(f"L{n - 2},", f"L{n - 1},")  # paid twice
        text = HEADER + "\n".join(lines) + "\n"

        started, cpu_started = time.perf_counter(), time.process_time()
        report = payments.import_finance_file(team.store, manager, text, TODAY)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        again_started = time.perf_counter()
        again = payments.import_finance_file(team.store, manager, text, TODAY)
        again_seconds = time.perf_counter() - again_started
        verdict = "PASS" if seconds <= TARGET_SECONDS else "FAIL"
        print(
            f"finance file of {n} lines imported in {seconds:.2f} s ({cpu:.2f} s of CPU; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs) "
            f"(target <= {TARGET_SECONDS:.0f} s) {verdict}: {len(report.applied)} applied, "
            f"{len(report.paid_twice)} paid twice, {len(report.unmatched)} unmatched, "
            f"{len(report.malformed)} malformed; the same file again in {again_seconds:.2f} s "
            f"({len(again.already_imported)} already imported, changed nothing: "
            f"{again.changed_nothing})"
        )
        team.store.dispose()


if __name__ == "__main__":
    main()
