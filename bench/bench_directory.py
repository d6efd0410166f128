"""Services directory figures: import an ORUK feed of 2,000 services <= 5 s; match <= 20 ms.

Writes a synthetic Open Referral UK v3 feed (``tests/directory_feed.py``: 2,000
services in pages of 100) to a temporary folder, then times, in this process on
a fresh laptop store (with its outbox, as a manager's import runs):

1. import: ``sync.oruk.read_feed`` of the folder (JSON, schema check of every
   service) plus ``services.directory.import_services`` (one transaction, the
   outbox row included) - the target;
2. re-import of the same feed (nothing changes: every service compared);
3. matching: ``services.directory.matching_services`` for one household and
   each referral clause with directory terms, at a fixed instant; median and
   worst over the runs - the target is the worst.

Run: .venv/bin/python bench/bench_directory.py [--services N] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caseworker import paths  # noqa: E402
from caseworker.domain.rules import load_rules  # noqa: E402
from caseworker.services import directory, households, users  # noqa: E402
from caseworker.store.database import Store  # noqa: E402
from caseworker.sync.oruk import read_feed  # noqa: E402
from tests.directory_feed import TERMS, pages, service  # noqa: E402
from tests.services.packages_fixtures import household_with_arrears  # noqa: E402

IMPORT_TARGET_S = 5.0
MATCH_TARGET_MS = 20.0
# Varied opening times, so a cache of parsed schedules is not flattered.
DAYS = ("MO,TU,WE,TH,FR", "MO,WE,FR", "TU,TH", "SA", "MO,TU,WE,TH,FR,SA", "1MO,3MO", "FR")
AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday morning


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-directory-") as tmp:
        folder = Path(tmp)
        feed_dir = folder / "feed"
        feed_dir.mkdir()
        raw = [
            service(
                n,
                terms=(TERMS[n % len(TERMS)], TERMS[(n + 2) % len(TERMS)]),
                byday=DAYS[n % len(DAYS)],
                opens=f"{8 + n % 3:02d}:{n * 15 % 60:02d}",
                closes=f"{16 + n % 4}:{n * 5 % 60:02d}",
            )
            for n in range(args.services)
        ]
        for number, page in enumerate(pages(raw, 100), start=1):
            (feed_dir / f"services-{number:03d}.json").write_text(json.dumps(page), "utf-8")
        paths.set_data_dir(folder / "data")
        store = Store.open_local(paths.local_store_path())
        manager = users.create_first_manager(store, "Bench Manager", "BM01", "bench password 1")
        household = households.create_household(store, manager, household_with_arrears(50_000))
        rules, problems = load_rules(None)
        assert rules is not None, problems

        start = time.perf_counter()
        feed = read_feed(str(feed_dir))
        read_s = time.perf_counter() - start
        summary = directory.import_services(store, manager, feed.services, feed.source)
        import_s = time.perf_counter() - start
        assert summary.added == args.services and not feed.problems, feed.problems[:3]

        start = time.perf_counter()
        again = read_feed(str(feed_dir))
        second = directory.import_services(store, manager, again.services, again.source)
        reimport_s = time.perf_counter() - start
        assert second.unchanged == args.services

        clauses = [c for c, terms in rules.segment_for(AT.date()).directory_terms.items() if terms]
        start = time.perf_counter()
        directory.matching_services(store, rules, household.id, clauses[0], AT)
        first_ms = (time.perf_counter() - start) * 1000
        timings: list[float] = []
        found = 0
        for run in range(args.runs):
            clause = clauses[run % len(clauses)]
            start = time.perf_counter()
            matches = directory.matching_services(
                store, rules, household.id, clause, AT, languages=["Polish"]
            )
            timings.append((time.perf_counter() - start) * 1000)
            found = max(found, len(matches))
        store.dispose()
        paths.set_data_dir(None)

    median, worst = statistics.median(timings), max(timings)
    ok_import, ok_match = import_s <= IMPORT_TARGET_S, worst <= MATCH_TARGET_MS
    print(f"services in feed          {args.services:>8}  ({feed.pages} pages)")
    print(f"read + check feed         {read_s:>8.2f} s")
    print(
        f"import (read + write)     {import_s:>8.2f} s   target <= {IMPORT_TARGET_S:.0f} s  "
        f"{'PASS' if ok_import else 'FAIL'}"
    )
    print(f"re-import, all unchanged  {reimport_s:>8.2f} s")
    print(f"match, first call         {first_ms:>8.2f} ms  (statements prepared, schedules read)")
    print(f"match median              {median:>8.2f} ms  ({found} services for the largest clause)")
    print(
        f"match worst of {args.runs:<4}       {worst:>8.2f} ms  "
        f"target <= {MATCH_TARGET_MS:.0f} ms  {'PASS' if ok_match else 'FAIL'}"
    )
    return 0 if ok_import and ok_match else 1


if __name__ == "__main__":
    sys.exit(main())
