"""The sync service's replay of one laptop's pushed changes, in this process: CPU per change.

``bench_server.py --only laptop`` times a 10,000-change push and pull through the
service over HTTP; most of it is the service replaying the changes
(``sync.push.push``, signed, as the service calls it). This bench times that replay
alone, without HTTP, so its CPU time can be measured steadily on a shared machine
and profiled:

1. A fresh PostgreSQL database on 127.0.0.1:5432 gets the team (a manager and
   ``JS01``, made on one laptop and synced); a second laptop pulls it, signs ``JS01``
   in and makes ``--mutations`` signed changes offline (a quarter new households, the
   rest edits: the same mix as ``bench_server.py``). That database is the template.
2. Each of ``--runs`` runs copies the template (``CREATE DATABASE … TEMPLATE``) and
   replays the laptop's whole outbox into the copy as the service does (signed, with
   the laptop's enrolled device), then seals the audit chain as the service does
   after a push. Figures: wall and CPU time of the replay (CPU per change), and of
   the seal. ``--profile FILE`` writes a cProfile of the last run's replay.

Run: .venv/bin/python bench/bench_replay.py [--mutations 10000] [--runs 3] [--profile FILE]
The databases are dropped after.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' keyring backend

from sqlalchemy import create_engine, text  # noqa: E402

# The environment (as the tests': set before anything of caseworker), the team, the
# laptop's changes: shared with bench_server.py.
from bench.sync_setup import PG, laptop_changes, seed_team  # noqa: E402
from bench.sync_setup import UTC_OPTIONS as URL  # noqa: E402
from caseworker.domain.rules import load_rules  # noqa: E402
from caseworker.services import devices  # noqa: E402
from caseworker.services.audit_seal import ServiceKeys, seal_store  # noqa: E402
from caseworker.store.database import Store  # noqa: E402
from caseworker.sync.push import push  # noqa: E402
from caseworker.sync.remote import StoreRemote  # noqa: E402
from caseworker.sync.run import outgoing, sync  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the last run's replay")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the template database and the outbox (in DIR) for the next run, and "
        "reuse them if DIR holds them for the same --mutations",
    )
    args = parser.parse_args()
    rules, _ = load_rules(None)
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    template = f"cw_replay_{uuid.uuid4().hex[:8]}"
    made: list[str] = []
    kept = Path(args.keep) / f"replay-{args.mutations}.pickle" if args.keep else None
    saved: dict[str, Any] | None = None
    if kept is not None and kept.exists():
        saved = pickle.loads(kept.read_bytes())
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": saved["template"]}
            ).first()
        if found is None:
            saved = None

    def create(name: str, like: str | None = None) -> None:
        with admin.connect() as conn:
            conn.execute(
                text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{like}"' if like else ""))
            )
        made.append(name)

    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if saved is None:
                create(template)
                saved = _make_template(template, args.mutations, folder, rules)
                if kept is not None:
                    made.remove(template)
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    kept.write_bytes(pickle.dumps(saved))
            else:
                print(f"Template {saved['template']} reused ({kept})", flush=True)
            template, out, device_id = saved["template"], saved["out"], saved["device_id"]

            walls, cpus, seals = [], [], []
            for run in range(args.runs):
                name = f"{template}_{uuid.uuid4().hex[:6]}"
                create(name, template)
                store = Store.open_shared(f"{PG}/{name}{URL}")
                profile = None
                if args.profile and run == args.runs - 1:
                    import cProfile

                    profile = cProfile.Profile()
                load = os.getloadavg()[0]
                wall, cpu = time.perf_counter(), time.process_time()
                if profile is not None:
                    profile.enable()
                report = push(
                    store,
                    out.client_id,
                    out.entries,
                    rules,
                    blocked=out.blocked,
                    signed=True,
                    device_id=device_id,
                )
                if profile is not None:
                    profile.disable()
                    profile.dump_stats(args.profile)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                keys = ServiceKeys.load_or_create(folder / f"service-keys-{run}")
                seal_cpu = time.process_time()
                seal_store(store, keys)
                seal_cpu = time.process_time() - seal_cpu
                store.dispose()
                if report.applied != len(out.entries):
                    print(f"  run {run + 1}: only {report.applied:,} applied ({report})")
                    return 1
                walls.append(wall)
                cpus.append(cpu)
                seals.append(seal_cpu)
                print(
                    f"  run {run + 1}: replay {wall:.2f} s wall, {cpu:.2f} s CPU "
                    f"({cpu * 1000 / len(out.entries):.3f} ms per change); "
                    f"seal {seal_cpu:.2f} s CPU; load average {load:.1f}"
                    + (" (profiled)" if profile is not None else ""),
                    flush=True,
                )
            timed = cpus[:-1] if args.profile and len(cpus) > 1 else cpus
            print(
                f"Replay of {len(out.entries):,} changes, median of {len(timed)}: "
                f"{statistics.median(timed):.2f} s CPU "
                f"({statistics.median(timed) * 1000 / len(out.entries):.3f} ms per change), "
                f"wall {statistics.median(walls):.2f} s; seal {statistics.median(seals):.2f} s CPU"
            )
    finally:
        with admin.connect() as conn:
            for name in reversed(made):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


def _make_template(template: str, mutations: int, folder: Path, rules: Any) -> dict[str, Any]:
    """The team and a laptop's ``mutations`` signed changes, not yet pushed, in ``template``."""
    start = time.perf_counter()
    shared = Store.open_shared(f"{PG}/{template}{URL}", upgrade=True)
    seed = Store.open_local(folder / "seed.db")
    seed_team(seed)
    sync(seed, StoreRemote(shared, rules), rules)
    device_id, _token = devices.enrol(shared, devices.make_code(shared, None), "solo")
    local = Store.open_local(folder / "solo.db")
    laptop_changes(local, StoreRemote(shared, rules), rules, mutations)
    out = outgoing(local)
    local.dispose()
    seed.dispose()
    shared.dispose()
    print(
        f"Template {template}: the team and {len(out.entries):,} signed changes "
        f"made in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return {"template": template, "out": out, "device_id": device_id}


if __name__ == "__main__":
    raise SystemExit(main())
