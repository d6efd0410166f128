"""Sync figures through the team's sync service (``caseworker server``, its own process)
on PostgreSQL on loopback.

1. N laptops, each its own process with its own local store, enrolled device and
   signed-in officer, push 200 changes at once (N = 10, 50, 100): time until every
   laptop's changes are in the store (target <= 30 s for 100), errors (target 0),
   push time per laptop p50/p99/max (until the service answered: the batch kept in its
   inbox, 200 with the report or 202; target p99 <= 5 s), the time until each laptop
   knew its report, and the peak number of database connections the service held
   (target: never above ``--pool``).
2. One laptop: 10,000 changes pushed and pulled (target <= 8 s); a sync with nothing
   to do, median of 20 (target <= 50 ms); a new laptop's first pull of a store
   holding 100,000 households (target <= 30 s).

Run: .venv/bin/python bench/bench_server.py [--laptops 10,50,100] [--changes 200]
[--mutations 10000] [--households 100000] [--pool 10] [--only fleet|laptop]
[--profile FILE]. A fresh database on 127.0.0.1:5432 is made and dropped after.
Exits 1 if a figure misses its target.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repo: the tests' keyring backend, for the service

import httpx  # noqa: E402

# The environment (as the tests': set before anything of caseworker), the team, the
# laptop's changes: shared with bench_replay.py.
from bench.sync_setup import (  # noqa: E402
    PASSWORD,
    PG,
    UTC_OPTIONS,
    household,
    laptop_changes,
    seed_team,
)
from caseworker.domain.rules import load_rules  # noqa: E402
from caseworker.services import devices, households, users  # noqa: E402
from caseworker.store.database import Store  # noqa: E402
from caseworker.sync.http import HttpRemote, enrol  # noqa: E402
from caseworker.sync.push import PushReport  # noqa: E402
from caseworker.sync.run import outgoing, sync  # noqa: E402

ENTRY_POINT = Path(sys.executable).parent / "caseworker"


# --- one laptop, in its own process ----------------------------------------------------


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def worker(config: dict[str, Any]) -> None:
    """A laptop: pull the team, sign its officer in (so it can sign its changes), make
    ``changes`` households offline, then on "go" push them and say how long it took."""
    rules, problems = load_rules(None)
    assert not problems, problems
    started = time.monotonic()
    local = Store.open_local(Path(config["folder"]) / "laptop.db")
    remote = HttpRemote(config["url"], config["token"])
    sync(local, remote, rules)
    officer = users.sign_in(local, config["officer"], PASSWORD)
    for n in range(config["changes"]):
        households.create_household(local, officer, household(n))
    _say({"ready": time.monotonic() - started})
    if sys.stdin.readline().strip() != "go":
        return
    start = time.monotonic()
    accepted = None
    try:
        out = outgoing(local)
        report = PushReport()
        remote.send(out.client_id, out.entries, out.blocked, report)  # answered: kept (or done)
        accepted = time.monotonic()
        remote.collect(report, patience=600)  # then the replay's outcome, asked with backoff
    except Exception as exc:  # counted as an error, with its words
        _say(
            {
                "start": start,
                "accepted": accepted or time.monotonic(),
                "end": time.monotonic(),
                "error": f"{type(exc).__name__}: {exc}",
            }
        )
    else:
        _say(
            {
                "start": start,
                "accepted": accepted,
                "end": time.monotonic(),
                "applied": report.applied,
                "refused": report.refused,
                "waiting": report.waiting,
                "duplicates": report.duplicates,
                "queued": report.queued,
            }
        )
    if sys.stdin.readline().strip() != "pull":
        return
    start = time.monotonic()
    pulled = sync(local, remote, rules)
    with local.read() as session:
        from sqlalchemy import text

        held = session.execute(text("SELECT count(*) FROM household")).scalar_one()
    _say({"pulled": time.monotonic() - start, "rows": pulled.pulled_rows, "households": held})
    remote.close()
    local.dispose()


# --- the service and its store ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    url: str
    store_url: str
    db_name: str
    pool: int
    folder: Path
    profile: str | None = None
    timing: str | None = None
    windows: list[tuple[str, float, float]] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    store: Store = field(init=False)

    def start(self) -> None:
        self.store = Store.open_shared(self.store_url, upgrade=True)
        port = self.url.rsplit(":", 1)[1]
        command = [
            "server",
            "--store",
            self.store_url,
            "--listen",
            f"127.0.0.1:{port}",
            "--keys",
            str(self.folder / "service-keys"),
            "--pool",
            str(self.pool),
        ]
        if self.profile:
            launch = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--profiled-server",
                self.profile,
            ]
        elif self.timing:
            launch = [sys.executable, str(Path(__file__).resolve()), "--timed-server", self.timing]
        else:
            launch = [str(ENTRY_POINT)]
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        )
        log = (self.folder / "service.log").open("ab")
        self.process = subprocess.Popen(
            [*launch, *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the service stopped: {self.log_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit(f"the service did not start: {self.log_text()}")

    def log_text(self) -> str:
        return (self.folder / "service.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 2)  # SIGINT: uvicorn shuts down, a profile is written
            self.process.wait(timeout=60)
        self.store.dispose()

    def enrol(self, name: str) -> str:
        return enrol(self.url, devices.make_code(self.store, None), name).token

    def count(self, table: str = "household") -> int:
        from sqlalchemy import text

        with self.store.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


_COUNT = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND backend_type = 'client backend'"
)


class ConnectionWatch:
    """Polls pg_stat_activity for the bench database's connections; keeps the peak."""

    def __init__(self, admin: Any, db_name: str) -> None:
        self.admin, self.db_name = admin, db_name
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    text(_COUNT),
                    {"d": self.db_name},
                ).scalar_one()
            )

    def _run(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            query = text(_COUNT)
            while not self._stop.is_set():
                self.peak = max(
                    self.peak, int(conn.execute(query, {"d": self.db_name}).scalar_one())
                )
                self.samples += 1
                self._stop.wait(0.02)

    def __enter__(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- figures ----------------------------------------------------------------------------


@dataclass
class Figures:
    rows: list[tuple[str, str, str, bool]] = field(default_factory=list)

    def add(self, name: str, value: str, target: str, ok: bool) -> None:
        self.rows.append((name, value, target, ok))
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {value} (target {target})", flush=True)

    def note(self, text: str) -> None:
        print(f"       {text}", flush=True)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def fleet(
    service: Service, admin: Any, n: int, changes: int, pulls: int, folder: Path, figures: Figures
) -> None:
    print(
        f"\n{n} laptops, each its own process, each pushing {changes} changes at once", flush=True
    )
    before = service.count()
    procs: list[subprocess.Popen[str]] = []
    setup = time.monotonic()
    for i in range(n):
        home = folder / f"fleet{n}-{i}"
        home.mkdir()
        config = {
            "url": service.url,
            "token": service.enrol(f"fleet {n} laptop {i}"),
            "folder": str(home),
            "officer": f"OF{i:03d}",
            "changes": changes,
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        )
    ready = [json.loads(p.stdout.readline() or "{}") for p in procs]  # type: ignore[union-attr]
    broken = [i for i, r in enumerate(ready) if "ready" not in r]
    if broken:
        for p in procs:
            p.kill()
        raise SystemExit(f"laptops {broken} did not get ready: see their output above")
    print(
        f"  (set-up: {n} laptops pulled the team and made {changes} households each in "
        f"{time.monotonic() - setup:.0f} s)",
        flush=True,
    )
    service.store.dispose()  # the bench's own connections are not the service's
    idle = ConnectionWatch(admin, service.db_name).now()
    with ConnectionWatch(admin, service.db_name) as watch:
        go = time.monotonic()
        for p in procs:
            p.stdin.write("go\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        done = [json.loads(p.stdout.readline() or '{"error": "no answer"}') for p in procs]  # type: ignore[union-attr]
        converged = time.monotonic() - go
    service.windows.append((f"{n} laptops pushing", go, go + converged))
    errors = [d["error"] for d in done if "error" in d]
    bad = [
        d
        for d in done
        if "error" not in d
        and (d["applied"] != changes or d["refused"] or d["waiting"] or d["queued"])
    ]
    pushes = [d["accepted"] - d["start"] for d in done if "accepted" in d]  # answered
    outcomes = [d["end"] - d["start"] for d in done if "end" in d]  # replayed, report known
    last = max(d["end"] for d in done if "end" in d) - go
    stored = service.count() - before
    missing = n * changes - stored
    for message in sorted(set(errors))[:5]:
        figures.note(f"error: {message}")
    for d in bad[:5]:
        figures.note(f"not all applied: {d}")
    figures.add(
        f"{n} laptops: all {n * changes:,} changes in the store",
        f"{last:.1f} s ({stored:,} stored, {n * changes / last:,.0f} changes/s)",
        "<= 30 s" if n >= 100 else "-",
        missing == 0 and (n < 100 or last <= 30),
    )
    figures.add(
        f"{n} laptops: errors",
        f"{len(errors) + len(bad) + (missing != 0)}",
        "0",
        not errors and not bad and not missing,
    )
    figures.add(
        f"{n} laptops: push per laptop p50 / p99 / max",
        f"{_percentile(pushes, 50):.2f} / {_percentile(pushes, 99):.2f} / {max(pushes):.2f} s",
        "p99 <= 5 s",
        _percentile(pushes, 99) <= 5,
    )
    figures.add(
        f"{n} laptops: push answered to report known, per laptop p50 / p99 / max",
        f"{_percentile(outcomes, 50):.2f} / {_percentile(outcomes, 99):.2f} / "
        f"{max(outcomes):.2f} s",
        "-",
        True,
    )
    figures.add(
        f"{n} laptops: peak database connections",
        f"{watch.peak} (idle {idle}, {watch.samples} samples)",
        f"<= pool {service.pool}",
        watch.peak <= service.pool,
    )
    load = os.getloadavg()
    print(
        f"  (answers collected {converged:.1f} s after go; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f})",
        flush=True,
    )
    pulled = []
    for i, p in enumerate(procs):
        p.stdin.write("pull\n" if i < pulls else "quit\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]
    for p in procs[:pulls]:
        pulled.append(json.loads(p.stdout.readline() or "{}"))  # type: ignore[union-attr]
    total = service.count()
    for answer in pulled:
        figures.add(
            f"{n} laptops: one then pulls everything ({answer.get('rows', 0):,} records)",
            f"{answer.get('pulled', float('nan')):.1f} s, "
            f"holds {answer.get('households')} of {total:,} households",
            "all",
            answer.get("households") == total,
        )
    for p in procs:
        p.wait(timeout=120)


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU time of this process (the laptop) and of the service during a block: steadier
    than wall time on a shared machine."""

    def __init__(self, service: Service) -> None:
        self._pid = service.process.pid if service.process else 0

    def __enter__(self) -> CpuClock:
        self._laptop, self._service = time.process_time(), _cpu_of(self._pid)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.laptop = time.process_time() - self._laptop
        self.service = _cpu_of(self._pid) - self._service

    def text(self) -> str:
        return f"CPU: laptop {self.laptop:.1f} s, service {self.service:.1f} s"


def _profiled(out: str | None, suffix: str, func: Any) -> Any:
    """``func()``, under cProfile when ``out`` is given (stats written to ``out.suffix``)."""
    if out is None:
        return func()
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(func)
    finally:
        profile.dump_stats(f"{out}.{suffix}")
        print(f"  (laptop profile written to {out}.{suffix})", flush=True)


def one_laptop(
    service: Service,
    mutations: int,
    target_households: int,
    folder: Path,
    figures: Figures,
    profile: str | None = None,
) -> None:
    rules, _ = load_rules(None)
    print(f"\nOne laptop: {mutations:,} changes, an idle sync, a first pull", flush=True)
    local = Store.open_local(folder / "solo.db")
    remote = HttpRemote(service.url, service.enrol("solo"))
    officer = laptop_changes(local, remote, rules, mutations)
    start = time.perf_counter()
    began = time.monotonic()
    with CpuClock(service) as cpu:
        report = _profiled(profile, "changes", lambda: sync(local, remote, rules))
    elapsed = time.perf_counter() - start
    service.windows.append((f"one laptop, {mutations:,} changes", began, time.monotonic()))
    figures.add(
        f"push + pull of {mutations:,} changes",
        f"{elapsed:.1f} s (applied {report.pushed.applied:,}; {cpu.text()})",
        "<= 8 s" if mutations >= 10_000 else "-",
        report.pushed.applied == mutations and (mutations < 10_000 or elapsed <= 8),
    )
    idle = []
    for _ in range(20):
        start = time.perf_counter()
        sync(local, remote, rules)
        idle.append((time.perf_counter() - start) * 1000)
    figures.add(
        "a sync with nothing to do, median of 20",
        f"{statistics.median(idle):.1f} ms",
        "<= 50 ms",
        statistics.median(idle) <= 50,
    )
    remote.close()
    local.dispose()

    from caseworker.services import demo
    from caseworker.services.outbox import load_user

    have = service.count()
    start = time.perf_counter()
    if target_households > have:
        demo.generate(service.store, load_user(service.store, officer.id), target_households - have)
    print(
        f"  (set-up: the store filled to {service.count():,} households, straight into the "
        f"database, in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    fresh = Store.open_local(folder / "new-laptop.db")
    remote = HttpRemote(service.url, service.enrol("new laptop"))
    start = time.perf_counter()
    with CpuClock(service) as cpu:
        report = _profiled(profile, "first-pull", lambda: sync(fresh, remote, rules))
    elapsed = time.perf_counter() - start
    held = service.count()
    per = elapsed * 100_000 / max(1, held)
    figures.add(
        f"a new laptop's first pull ({held:,} households, {report.pulled_rows:,} records)",
        f"{elapsed:.1f} s ({per:.1f} s per 100,000 households; {cpu.text()})",
        "<= 30 s per 100,000",
        per <= 30,
    )
    remote.close()
    fresh.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laptops", default="10,50,100", help="fleet sizes, comma-separated")
    parser.add_argument("--changes", type=int, default=200, help="changes per laptop")
    parser.add_argument("--pulls", type=int, default=1, help="laptops that pull everything after")
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--only", choices=["fleet", "laptop"])
    parser.add_argument("--profile", metavar="FILE", help="cProfile the service into FILE")
    parser.add_argument(
        "--profile-laptop",
        metavar="FILE",
        help="cProfile the one laptop's timed syncs (this process) into FILE.changes and "
        "FILE.first-pull",
    )
    parser.add_argument(
        "--timing", action="store_true", help="log each request's phases in the service"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.laptops.split(",") if s.strip()]

    from sqlalchemy import create_engine, text

    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    name = f"cw_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    figures = Figures()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            service = Service(
                f"http://127.0.0.1:{_free_port()}",
                f"{PG}/{name}{UTC_OPTIONS}",
                name,
                args.pool,
                folder,
                args.profile,
                str(folder / "timing.jsonl") if args.timing else None,
            )
            service.start()
            try:
                # The team, made on one laptop and synced: a manager, an officer for each
                # fleet laptop (OF000…) and one for the single laptop (JS01).
                start = time.perf_counter()
                seed = Store.open_local(folder / "seed.db")
                seed_team(seed, max(sizes, default=0) if args.only != "laptop" else 0)
                rules, _ = load_rules(None)
                remote = HttpRemote(service.url, service.enrol("seed"))
                sync(seed, remote, rules)
                remote.close()
                print(
                    f"Service on PostgreSQL (127.0.0.1, database {name}), --pool {args.pool}; "
                    f"team of {service.count('user_account')} made and synced in "
                    f"{time.perf_counter() - start:.1f} s",
                    flush=True,
                )
                if args.only != "laptop":
                    for n in sizes:
                        fleet(service, admin, n, args.changes, args.pulls, folder, figures)
                if args.only != "fleet":
                    one_laptop(
                        service,
                        args.mutations,
                        args.households,
                        folder,
                        figures,
                        args.profile_laptop,
                    )
            finally:
                service.stop()
                if service.process is not None and service.process.returncode not in (0, -2):
                    print(f"service exit {service.process.returncode}: {service.log_text()}")
                if service.timing:
                    for label, since, until in service.windows:
                        print(f"\nIn the service, {label} (wall time, waits included):")
                        timing_summary(service.timing, since, until)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print("\nSummary")
    for row_name, value, target, ok in figures.rows:
        print(f"  {'ok  ' if ok else 'MISS'} {row_name}: {value} (target {target})")
    return 0 if all(ok for *_, ok in figures.rows) else 1


def profiled_server(out: str, argv: list[str]) -> None:
    """``caseworker server`` under cProfile, every thread (the endpoints run in a thread
    pool), the stats written to ``out`` when it stops."""
    import cProfile
    import pstats

    from caseworker.cli import main as cli_main

    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_thread(*_args: object) -> None:
        profiler = cProfile.Profile()
        with lock:
            profilers.append(profiler)
        profiler.enable()

    threading.setprofile(start_thread)  # each new thread starts its own profiler
    main_profiler = cProfile.Profile()
    main_profiler.enable()
    try:
        cli_main(argv)
    except SystemExit:
        pass
    finally:
        main_profiler.disable()
        stats = pstats.Stats(main_profiler)
        for profiler in profilers:
            profiler.disable()
            with contextlib.suppress(TypeError):  # a thread that never ran profiled code
                stats.add(profiler)
        stats.dump_stats(out)


def timed_server(out: str, argv: list[str]) -> None:
    """``caseworker server`` writing how long each phase of each request took (wall
    time, waits included) to ``out``, one JSON line per phase, when it stops."""
    import caseworker.server.app as app_module
    import caseworker.server.sealing as sealing
    import caseworker.services.audit_seal as audit_seal
    import caseworker.services.devices as devices_module
    import caseworker.sync.inbox as inbox_module
    import caseworker.sync.remote as remote_module
    from caseworker.cli import main as cli_main

    records: list[tuple[str, float, float]] = []
    here = threading.local()

    def timed(name: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.monotonic()
            here.start = start
            try:
                return func(*args, **kwargs)
            finally:
                records.append((name, start, time.monotonic() - start))

        return wrapper

    original_latest = audit_seal.latest_head

    def latest_head(session: Any) -> Any:
        # Called just after the seal took the version row: the wait for it ends here.
        if getattr(here, "start", None) is not None:
            records.append(
                ("seal: wait for the version row", here.start, time.monotonic() - here.start)
            )
        return original_latest(session)

    audit_seal.latest_head = latest_head
    sealing.seal_store = timed("seal: in its transaction", audit_seal.seal_store)  # type: ignore[attr-defined]
    sealing.Sealer.seal = timed("seal: with the wait for the lock", sealing.Sealer.seal)  # type: ignore[method-assign]
    remote_module.StoreRemote.push = timed("push: replay", remote_module.StoreRemote.push)  # type: ignore[method-assign]
    inbox_module.push = timed("push: replay (worker)", inbox_module.push)
    inbox_module.enqueue = timed("push: keep in the inbox", inbox_module.enqueue)
    devices_module.authenticate = timed("authenticate", devices_module.authenticate)
    devices_module.claim_client = timed("claim client", devices_module.claim_client)
    original_create = app_module.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original_create(*args, **kwargs)

        @app.middleware("http")
        async def clock_request(request: Any, call_next: Any) -> Any:
            start = time.monotonic()
            response = await call_next(request)
            path = request.url.path
            if path.startswith("/v1/push/"):
                path = "/v1/push/{batch}"
            records.append((f"request {path}", start, time.monotonic() - start))
            return response

        return app

    app_module.create_app = create_app  # ``_serve`` imports it from the module when it runs
    try:
        cli_main(argv)
    except SystemExit:
        pass
    finally:
        with open(out, "w") as sink:
            for name, start, took in records:
                sink.write(json.dumps([name, start, took]) + "\n")


def timing_summary(path: str, since: float, until: float) -> None:
    """Per phase: count, total, mean and max wall time of the calls made in a window."""
    phases: dict[str, list[float]] = {}
    for line in Path(path).read_text().splitlines():
        name, start, took = json.loads(line)
        if since <= start <= until:
            phases.setdefault(name, []).append(took)
    for name, took in sorted(phases.items()):
        print(
            f"       {name}: {len(took)} calls, total {sum(took):.1f} s, "
            f"mean {statistics.mean(took) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker(json.loads(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--profiled-server":
        profiled_server(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) > 2 and sys.argv[1] == "--timed-server":
        timed_server(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(main())
