"""Intake benchmark: demo generation, start-up, search as you type and memory.

Run from the repository root::

    .venv/bin/python bench/bench_intake.py [--households N] [--keep DIR]

Figures (each printed with its target and PASS/FAIL, then a summary table):

1. ``caseworker --data-dir DIR demo --households N --seed 1`` wall time, as a subprocess
   (target 60 s for 100,000 households, scaled linearly for other N).
2. Start to an interactive main window: wall time from spawning a fresh interpreter to
   the child printing "ready" once the MainWindow is visible and exposed (median of
   ``--startup-runs`` runs; target 1.0 s). The child runs the real entry point
   ``caseworker.cli.main(["--data-dir", DIR])`` with ``QApplication.exec`` replaced by a
   loop that processes events until the window is exposed, then exits at once.
3. Search as you type: latency of ``services.households.search(store, text, 0, 100)``
   (the case list's first page) for every prefix of 200 surnames, first names,
   postcodes, dates of birth and case references sampled from the store
   (targets p50 30 ms, p99 100 ms).
4. Peak RSS of the app with the store open: sign in, empty search, search for "a",
   scroll each list to the bottom until fetchMore stops (500-row cap) (target 250 MB).

When a figure fails (or with ``--diagnose``) the script profiles it and prints what it
found. Qt always runs with ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STORE_FILE = "caseworker.db"

GENERATE_TARGET_S_PER_100K = 60.0
STARTUP_TARGET_S = 1.0
SEARCH_P50_TARGET_MS = 30.0
SEARCH_P99_TARGET_MS = 100.0
MEMORY_TARGET_MB = 250.0
SEARCH_PAGE = 100  # what the case list's first fetch asks for
SAMPLES_PER_KIND = 40  # 5 kinds x 40 = 200 sampled values
BENCH_OFFICER = ("Bench Officer", "BENCH01")

# The start-up child: the real `caseworker --data-dir DIR` path, except that
# QApplication.exec() returns as soon as the main window is visible and exposed.
_STARTUP_CHILD = """
import os, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
import caseworker.ui.app as ui_app
from caseworker.ui.main_window import MainWindow
t_import = time.perf_counter()

class _ReadyApp(QApplication):
    def exec(self):
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            self.processEvents()
            for w in QApplication.topLevelWidgets():
                h = w.windowHandle() if isinstance(w, MainWindow) else None
                if h is not None and w.isVisible() and h.isExposed():
                    t = time.perf_counter()
                    print(f"ready {t - t0:.4f} {t_import - t0:.4f}", flush=True)
                    os._exit(0)
        print("timeout", flush=True)
        os._exit(1)

ui_app.QApplication = _ReadyApp
from caseworker.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "--no-crash-dialog"]))
"""


# --------------------------------------------------------------------------- helpers
@dataclass
class Figure:
    name: str
    measured: str
    target: str
    ok: bool | None  # None: skipped
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "SKIP" if self.ok is None else ("PASS" if self.ok else "FAIL")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("CASEWORKER_DATA_DIR", None)
    return env


def use_bench_keyring(data_dir: Path) -> None:
    """The store is encrypted as in real use; this machine has no desktop keyring, so the
    key lives in the tests' keyring backend, in a file beside the bench store."""
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_backend.TestKeyring"
    os.environ["CASEWORKER_TEST_KEYRING_FILE"] = str(data_dir / "bench-keyring.json")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def caseworker_command() -> list[str]:
    script = Path(sys.executable).parent / "caseworker"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "caseworker.cli"]


def encrypted_connection(path: Path) -> Any:
    """A driver connection to the (SQLCipher) store, keyed from the keyring like the app."""
    from caseworker.store.encryption import open_encrypted

    return open_encrypted(path).engine.raw_connection()


def household_count(data_dir: Path) -> int:
    path = data_dir / STORE_FILE
    if not path.exists():
        return 0
    conn = encrypted_connection(path)
    try:
        has = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='household'"
        ).fetchone()
        return int(conn.execute("SELECT count(*) FROM household").fetchone()[0]) if has else 0
    finally:
        conn.close()


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_profile(profile: cProfile.Profile, sort: str, limit: int, indent: str = "    ") -> None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(limit)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    # drop pstats' preamble up to the column header
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    for line in lines[start:]:
        print(indent + line[:160])


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 74 - len(title)), flush=True)


def report(fig: Figure) -> Figure:
    print(f"  {fig.name}: {fig.measured}  (target {fig.target})  {fig.verdict}", flush=True)
    return fig


# --------------------------------------------------------------------------- 1. generation
def bench_generate(data_dir: Path, households: int, diagnose: bool) -> Figure:
    section(f"1. Generate {households:,} demo households")
    target = GENERATE_TARGET_S_PER_100K * households / 100_000
    existing = household_count(data_dir)
    if existing == households:
        print(f"  {data_dir / STORE_FILE} already holds {households:,} households: reused")
        return report(Figure("generate", "skipped (store reused)", f"<= {target:.1f} s", None))
    if existing:
        raise SystemExit(
            f"{data_dir / STORE_FILE} holds {existing:,} households, not {households:,}; "
            "pass --keep with an empty folder or one made with the same --households."
        )
    cmd = [
        *caseworker_command(),
        "--data-dir",
        str(data_dir),
        "demo",
        "--households",
        str(households),
        "--seed",
        "1",
    ]
    print("  $ " + " ".join(cmd), flush=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=child_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"demo generation failed with exit code {done.returncode}")
    print("  " + done.stdout.strip())
    fig = report(Figure("generate", f"{elapsed:.1f} s", f"<= {target:.1f} s", elapsed <= target))
    if diagnose or not fig.ok:
        diagnose_generate(min(households, 10_000))
    return fig


def diagnose_generate(households: int) -> None:
    """cProfile services.demo.generate for a smaller store (the work is linear in N)."""
    from caseworker import paths
    from caseworker.services import demo, users
    from caseworker.store.encryption import open_encrypted

    print(f"\n  profile: demo.generate for {households:,} households (top by own time)")
    with tempfile.TemporaryDirectory(prefix="cw-genprof-") as tmp:
        paths.set_data_dir(tmp)
        store = open_encrypted(paths.local_store_path())
        user = users.system_user(store, "Demo Data", "DEMO")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.runcall(demo.generate, store, user, households, 1)
        print(f"    (profiled run: {time.perf_counter() - started:.1f} s)")
        store.dispose()
        paths.set_data_dir(None)
    print_profile(profile, "tottime", 14)
    print("\n  profile: same run, top by cumulative time")
    print_profile(profile, "cumulative", 18)


# --------------------------------------------------------------------------- 2. start-up
def run_startup_child(data_dir: Path, extra_args: Sequence[str] = ()) -> tuple[float, str]:
    """Wall seconds from spawn to the child's "ready" line, and that line."""
    cmd = [sys.executable, *extra_args, "-c", _STARTUP_CHILD, str(data_dir)]
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=child_env(), stdout=subprocess.PIPE, stderr=err, text=True, cwd=REPO
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        proc.stdout.read()
        proc.wait()
        if not line.startswith("ready"):
            err.seek(0)
            sys.stderr.write(err.read()[-4000:])
            raise SystemExit(f"start-up child did not become ready: {line!r}")
    return elapsed, line.strip()


def bench_startup(data_dir: Path, runs: int, diagnose: bool) -> Figure:
    section(f"2. Start to interactive main window (median of {runs})")
    run_startup_child(data_dir)  # warm the OS file cache; not counted
    walls: list[float] = []
    child_main: list[float] = []
    child_imports: list[float] = []
    for i in range(runs):
        wall, line = run_startup_child(data_dir)
        _, ready_s, imports_s = line.split()
        walls.append(wall)
        child_main.append(float(ready_s))
        child_imports.append(float(imports_s))
        print(f"  run {i + 1}: {wall * 1000:.0f} ms", flush=True)
    median = statistics.median(walls)
    interp = median - statistics.median(child_main)
    imports = statistics.median(child_imports)
    rest = statistics.median(child_main) - imports
    fig = Figure(
        "startup",
        f"{median * 1000:.0f} ms median",
        f"<= {STARTUP_TARGET_S * 1000:.0f} ms",
        median <= STARTUP_TARGET_S,
        [
            f"runs (ms): {', '.join(f'{w * 1000:.0f}' for w in walls)}",
            f"medians: interpreter start ~{interp * 1000:.0f} ms, importing PySide6 + "
            f"caseworker.ui ~{imports * 1000:.0f} ms, cli/app/store/window to exposed "
            f"~{rest * 1000:.0f} ms",
        ],
    )
    report(fig)
    for note in fig.notes:
        print("  " + note)
    if diagnose or not fig.ok:
        diagnose_startup(data_dir)
    return fig


def diagnose_startup(data_dir: Path) -> None:
    """Import times (-X importtime) and a cProfile of one start-up child."""
    with tempfile.TemporaryFile("w+") as err:
        cmd = [sys.executable, "-X", "importtime", "-c", _STARTUP_CHILD, str(data_dir)]
        subprocess.run(cmd, env=child_env(), stdout=subprocess.DEVNULL, stderr=err, check=False)
        err.seek(0)
        rows: list[tuple[int, str]] = []
        for line in err:
            if not line.startswith("import time:") or "|" not in line:
                continue
            parts = line.split("|")
            try:
                cumulative = int(parts[1])
            except ValueError:
                continue
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            if depth <= 1:
                rows.append((cumulative, name.strip()))
    print("\n  profile: slowest top-level imports in the start-up child (-X importtime)")
    for cumulative, name in sorted(rows, reverse=True)[:15]:
        print(f"    {cumulative / 1000:8.1f} ms  {name}")
    with tempfile.TemporaryDirectory(prefix="cw-startprof-") as tmp:
        out = Path(tmp) / "startup.prof"
        script = Path(tmp) / "child.py"  # cProfile cannot take -c code
        script.write_text(
            _STARTUP_CHILD.replace("os._exit(0)", "raise SystemExit(0)"), encoding="utf-8"
        )
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), str(script), str(data_dir)]
        subprocess.run(cmd, env=child_env(), capture_output=True, check=False, cwd=REPO)
        if out.exists():
            print("\n  profile: start-up child, top by cumulative time (non-import frames)")
            buf = io.StringIO()
            stats = pstats.Stats(str(out), stream=buf).strip_dirs().sort_stats("cumulative")
            stats.print_stats(40)
            lines = buf.getvalue().splitlines()
            start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
            shown = 0
            for line in lines[start:]:
                if "<frozen" in line or not line.strip():
                    continue
                print("    " + line[:160])
                shown += 1
                if shown > 25:
                    break


# --------------------------------------------------------------------------- 3. search
@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def sample_queries(store_path: Path, seed: int) -> list[Query]:
    """Every prefix, as typed, of 200 values sampled from the store."""
    rng = random.Random(seed)
    conn = encrypted_connection(store_path)
    try:
        max_member = int(conn.execute("SELECT max(rowid) FROM member").fetchone()[0])
        max_household = int(conn.execute("SELECT max(rowid) FROM household").fetchone()[0])

        def pick(sql: str, top: int) -> tuple[Any, ...]:
            while True:
                row = conn.execute(sql, (rng.randint(1, top),)).fetchone()
                if row is not None and all(v not in (None, "") for v in row):
                    return tuple(row)

        values: list[tuple[str, str]] = []
        member_sql = "SELECT first_name, surname, date_of_birth FROM member WHERE rowid = ?"
        household_sql = "SELECT reference, postcode FROM household WHERE rowid = ?"
        for _ in range(SAMPLES_PER_KIND):
            values.append(("surname", pick(member_sql, max_member)[1]))
            values.append(("first name", pick(member_sql, max_member)[0]))
            dob = str(pick(member_sql, max_member)[2])  # ISO yyyy-mm-dd as stored
            year, month, day = dob[:10].split("-")
            values.append(("date of birth", f"{day}/{month}/{year}"))
            reference, postcode = pick(household_sql, max_household)
            values.append(("postcode", str(postcode)))
            values.append(("case ref", str(reference)))
    finally:
        conn.close()
    queries: list[Query] = []
    for kind, value in values:
        typed = value.lower() if kind != "case ref" or rng.random() < 0.5 else value
        queries.extend(Query(kind, typed[:n]) for n in range(1, len(typed) + 1))
    return queries


@contextmanager
def captured_sql(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _many: bool
    ) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def bench_search(data_dir: Path, seed: int, diagnose: bool) -> tuple[Figure, Figure]:
    from caseworker.services import households
    from caseworker.store.encryption import open_encrypted

    section("3. Search as you type: services.households.search(store, text, 0, 100)")
    store_path = data_dir / STORE_FILE
    queries = sample_queries(store_path, seed)
    store = open_encrypted(store_path)
    for warm in ("", "a", "smith", "se1 2"):  # what a session has done before typing
        households.search(store, warm, 0, SEARCH_PAGE)
    timings: list[tuple[float, Query, int]] = []
    for query in queries:
        started = time.perf_counter()
        rows = households.search(store, query.text, 0, SEARCH_PAGE)
        timings.append(((time.perf_counter() - started) * 1000, query, len(rows)))
    all_ms = [t for t, _, _ in timings]
    p50, p99 = percentile(all_ms, 50), percentile(all_ms, 99)
    print(f"  {len(queries):,} queries (every prefix of 200 sampled values)")
    print(f"  {'kind':<14}{'queries':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    groups: dict[str, list[float]] = {}
    by_words: dict[str, list[float]] = {}
    for ms, query, _ in timings:
        groups.setdefault(query.kind, []).append(ms)
        words = "1 word" if len(query.text.split()) <= 1 else "2+ words"
        by_words.setdefault(f"({words})", []).append(ms)
    groups.update(sorted(by_words.items()))
    for kind, values in groups.items():
        print(
            f"  {kind:<14}{len(values):>8}{percentile(values, 50):>9.1f}"
            f"{percentile(values, 99):>9.1f}{max(values):>9.1f}"
        )
    p50_fig = report(
        Figure(
            "search p50",
            f"{p50:.1f} ms",
            f"<= {SEARCH_P50_TARGET_MS:.0f} ms",
            p50 <= SEARCH_P50_TARGET_MS,
        )
    )
    p99_fig = report(
        Figure(
            "search p99",
            f"{p99:.1f} ms",
            f"<= {SEARCH_P99_TARGET_MS:.0f} ms",
            p99 <= SEARCH_P99_TARGET_MS,
        )
    )
    slowest = sorted(timings, key=lambda t: t[0], reverse=True)
    print("  slowest queries:")
    for ms, query, count in slowest[:10]:
        print(f"    {ms:7.1f} ms  {count:>3} rows  {query.kind:<14} {query.text!r}")
    if diagnose or not (p50_fig.ok and p99_fig.ok):
        diagnose_search(store, [q for _, q, _ in slowest[:3]])
    store.dispose()
    return p50_fig, p99_fig


def diagnose_search(store: Any, queries: list[Query]) -> None:
    """EXPLAIN QUERY PLAN and cProfile for the slowest queries."""
    from caseworker.services import households

    for query in queries:
        with captured_sql(store.engine) as statements:
            households.search(store, query.text, 0, SEARCH_PAGE)
        print(f"\n  EXPLAIN QUERY PLAN for {query.text!r} ({len(statements)} statements)")
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, params in statements:
                started = time.perf_counter()
                count = len(cursor.execute(statement, params).fetchall())
                ms = (time.perf_counter() - started) * 1000
                flat = " ".join(statement.split())
                more = "..." if len(flat) > 150 else ""
                print(f"    {ms:7.1f} ms, {count} rows: {flat[:150]}{more}")
                print(f"      params {params}")
                for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, params):
                    print(f"      {row[3]}")
        finally:
            raw.close()
    query = queries[0]
    profile = cProfile.Profile()
    profile.runcall(_repeat, lambda: households.search(store, query.text, 0, SEARCH_PAGE), 20)
    print(f"\n  profile: search({query.text!r}) x 20, top by own time")
    print_profile(profile, "tottime", 10)


def _repeat(func: Callable[[], object], times: int) -> None:
    for _ in range(times):
        func()


# --------------------------------------------------------------------------- 4. memory
def bench_memory(data_dir: Path) -> Figure:
    section("4. Peak memory: window open, signed in, searched, list scrolled to the end")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory", str(data_dir)]
    done = subprocess.run(cmd, env=child_env(), capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("{")), None)
    if done.returncode != 0 or line is None:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"memory child failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(line)
    peak_mb = result["peak_kb"] / 1024
    notes = [
        f"{stage}: rows {rows}, RSS now {rss / 1024:.0f} MB, peak {peak / 1024:.0f} MB"
        for stage, rows, rss, peak in result["stages"]
    ]
    if result["stages"][-1][1] == 0:
        notes.append("WARNING: the case list stayed empty; the figure is not meaningful")
    fig = Figure(
        "peak RSS",
        f"{peak_mb:.0f} MB",
        f"<= {MEMORY_TARGET_MB:.0f} MB",
        peak_mb <= MEMORY_TARGET_MB,
        notes,
    )
    report(fig)
    for note in notes:
        print("  " + note)
    return fig


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child_memory(data_dir: str) -> int:
    """Runs in a subprocess: the real window, signed in, searched and scrolled."""
    from PySide6.QtWidgets import QApplication

    from caseworker import paths
    from caseworker.store.encryption import open_encrypted
    from caseworker.ui.app import create_application, open_window
    from caseworker.ui.context import AppContext
    from caseworker.ui.pages.search import SearchPage

    paths.set_data_dir(data_dir)
    app = create_application()
    store = open_encrypted(paths.local_store_path())
    window = open_window(AppContext(store))
    stages: list[tuple[str, int, int, int]] = []

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def note(stage: str, rows: int) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stages.append((stage, rows, _rss_kb(), peak))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        app.processEvents()
        handle = window.windowHandle()
        if window.isVisible() and handle is not None and handle.isExposed():
            break
    settle()
    note("window shown", 0)

    # Sign in through the context, then emit the sign-in page's own signal: MainWindow
    # shows Today, exactly as after a real sign-in; then Find (Ctrl+F) runs the empty search.
    window.context.current_user = bench_user(store)
    window.signin.signed_in.emit()
    settle()
    if window.stack.currentWidget() is not window.today:
        print("sign-in did not reach the Today page", file=sys.stderr)
        return 1
    note("signed in, Today", 0)
    window.find_action.trigger()
    settle()
    page: SearchPage = window.search
    if window.stack.currentWidget() is not page:
        print("Find did not reach the search page", file=sys.stderr)
        return 1
    note("empty search", page.model.rowCount())
    note("empty search scrolled", scroll_to_end(app, page))
    page.search.setText("a")
    page.run_search()
    settle()
    note("search 'a'", page.model.rowCount())
    note("search 'a' scrolled", scroll_to_end(app, page))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kb": peak, "stages": stages}), flush=True)
    window.close()
    store.dispose()
    QApplication.processEvents()
    return 0


def bench_user(store: Any) -> Any:
    """The benchmark officer: an account that needs no password."""
    from caseworker.services import users

    return users.system_user(store, *BENCH_OFFICER)


def scroll_to_end(app: Any, page: Any) -> int:
    """Scroll the table to the bottom until the model stops fetching more rows."""
    still = 0
    rows = page.model.rowCount()
    for _ in range(200):
        page.table.scrollToBottom()
        app.processEvents()
        now = page.model.rowCount()
        if not page.model.canFetchMore():
            break
        still = still + 1 if now == rows else 0
        if still >= 20:
            print(f"  warning: scrolling stopped fetching at {now} rows", file=sys.stderr)
            break
        rows = now
    app.processEvents()
    return int(page.model.rowCount())


# --------------------------------------------------------------------------- main
def print_summary(figures: list[Figure], households: int, data_dir: Path) -> None:
    section(f"Summary ({households:,} households, store {data_dir / STORE_FILE})")
    print(f"  {'figure':<12}{'measured':<26}{'target':<14}result")
    for fig in figures:
        print(f"  {fig.name:<12}{fig.measured:<26}{fig.target:<14}{fig.verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--households", type=int, default=100_000, metavar="N")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="data folder to keep the store in (reused when it already holds N households)",
    )
    parser.add_argument("--startup-runs", type=int, default=7, metavar="R")
    parser.add_argument("--seed", type=int, default=1, help="seed for sampling search values")
    parser.add_argument(
        "--diagnose", action="store_true", help="profile every figure, not only failures"
    )
    parser.add_argument("--child-memory", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.child_memory:
        return child_memory(args.child_memory)
    if args.households <= 0 or args.startup_runs < 5:
        parser.error("--households must be positive and --startup-runs at least 5")

    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        data_dir = Path(args.keep).expanduser().resolve() if args.keep else Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        use_bench_keyring(data_dir)
        print(f"store: {data_dir / STORE_FILE}   python: {sys.executable}   cpus: {os.cpu_count()}")
        figures = [bench_generate(data_dir, args.households, args.diagnose)]
        figures.append(bench_startup(data_dir, args.startup_runs, args.diagnose))
        figures.extend(bench_search(data_dir, args.seed, args.diagnose))
        figures.append(bench_memory(data_dir))
        print_summary(figures, args.households, data_dir)
        if not args.keep:
            print("  (temporary store removed; pass --keep DIR to reuse it)")
    return 1 if any(f.ok is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
