"""Audit trail figures: `caseworker audit verify` over 1,000,000 entries (target <= 10 s).

Run: .venv/bin/python bench/bench_audit.py [--entries N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert

from caseworker.services.audit import GENESIS, canonical, digest, entry_hash
from caseworker.services.audit_check import verify_store
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, utcnow

TARGET_S = 10.0


def fill(store: Store, count: int) -> None:
    """Write ``count`` chained entries shaped like real household updates."""
    prev = GENESIS
    actor = uuid.uuid4()
    batch: list[dict[str, object]] = []
    for i in range(count):
        text = canonical({"savings_pence": {"before": i, "after": i + 100}})
        row = SimpleNamespace(
            id=uuid.uuid4(),
            at=utcnow(),
            actor_id=actor,
            entity="household",
            entity_id=uuid.uuid4(),
            household_id=uuid.uuid4(),
            action="updated",
            payload=text,
            payload_digest=digest(text),
        )
        row.prev_hash = prev
        row.hash = prev = entry_hash(prev, row)  # type: ignore[arg-type]
        batch.append(vars(row))
        if len(batch) == 50_000:
            with store.unit_of_work() as session:
                session.execute(insert(AuditEventRow), batch)
            batch = []
    if batch:
        with store.unit_of_work() as session:
            session.execute(insert(AuditEventRow), batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open_local(Path(folder) / "bench.db")
        started = time.perf_counter()
        fill(store, args.entries)
        print(f"wrote {args.entries:,} chained entries in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        checked, broken = verify_store(store)
        elapsed = time.perf_counter() - started
        assert broken is None and checked == args.entries
        verdict = "PASS" if elapsed <= TARGET_S or args.entries < 1_000_000 else "FAIL"
        print(
            f"audit verify: {checked:,} entries in {elapsed:.2f} s "
            f"(target <= {TARGET_S:.0f} s for 1,000,000) {verdict}"
        )
        store.dispose()


if __name__ == "__main__":
    main()
