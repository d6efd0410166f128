"""Start-up to an interactive window with 100,000 households, and its peak memory.

One command: makes a store of N demo households once (``caseworker demo``, kept in
a data folder under the temp dir and reused while it holds exactly N), then starts
the installed ``caseworker`` entry point R times, each in a fresh process, with
``QT_QPA_PLATFORM=offscreen`` and ``CASEWORKER_EXIT_WHEN_SHOWN=1`` (caseworker/ui/app.py):
the app prints ``caseworker: window shown, WxH on a WxH screen`` once its window is
up and the event loop has run, then quits. Start-up is spawn to that line (the
whole process: interpreter, imports, store, window); peak memory is the largest
child's ``ru_maxrss`` (its own rusage from ``os.wait4``: ``getrusage(RUSAGE_CHILDREN)``
would also count the demo generation of a first run). One unmeasured warm-up run
first (the OS file cache).

Run: .venv/bin/python bench/bench_startup.py [--households N] [--runs R] [--data DIR]
Targets (issue 18): median start-up <= 0.8 s; peak memory <= 200 MB. Exits 1 if missed.
Diagnose with ``python -X importtime`` (``--importtime`` prints the slowest imports).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHOWN = "caseworker: window shown"
START_TARGET_S = 0.8
MEMORY_TARGET_MB = 200.0


def caseworker_command() -> list[str]:
    """The installed entry point beside this interpreter (what an officer starts)."""
    script = Path(sys.executable).parent / "caseworker"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "caseworker.cli"]


def child_env(data: Path) -> dict[str, str]:
    """Offscreen, and the store's key in the tests' file keyring (no desktop keyring here)."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QT_LOGGING_RULES"] = "qt.qpa.*=false"
    env["PYTHON_KEYRING_BACKEND"] = "tests.keyring_backend.TestKeyring"
    env["CASEWORKER_TEST_KEYRING_FILE"] = str(data / "bench-keyring.json")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("CASEWORKER_DATA_DIR", None)
    return env


def ensure_store(data: Path, households: int) -> None:
    """Make the demo store once; a marker file says how many households it holds."""
    marker = data / "bench-households.txt"
    if marker.exists() and marker.read_text().strip() == str(households):
        print(f"store: {data} holds {households:,} households (reused)")
        return
    if data.exists() and any(data.iterdir()):
        raise SystemExit(f"{data} is not empty and not a bench store of {households:,}")
    data.mkdir(parents=True, exist_ok=True)
    cmd = [*caseworker_command(), "--data-dir", str(data), "demo"]
    cmd += ["--households", str(households), "--seed", "1"]
    print("store: $ " + " ".join(cmd), flush=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=child_env(data), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"demo generation failed with exit code {done.returncode}")
    marker.write_text(str(households))
    print(f"store: made in {time.perf_counter() - started:.1f} s", flush=True)


def start_once(data: Path) -> tuple[float, float, str, float]:
    """Seconds from spawn to the 'window shown' line, the child's CPU seconds (user +
    system: steadier than wall time on a shared machine), that line, and its peak RSS MB."""
    env = child_env(data)
    env["CASEWORKER_EXIT_WHEN_SHOWN"] = "1"
    cmd = [*caseworker_command(), "--data-dir", str(data), "--no-crash-dialog"]
    started = time.perf_counter()
    child = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    elapsed, shown = None, ""
    for line in child.stdout:
        if line.startswith(SHOWN):
            elapsed, shown = time.perf_counter() - started, line.strip()
            break
    child.stdout.read()
    assert child.stderr is not None
    err = child.stderr.read()
    # This child's own rusage (wait4): RUSAGE_CHILDREN would also count the demo
    # generation child of a first run. ru_maxrss is KiB on Linux, bytes on macOS.
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if elapsed is None:
        sys.stderr.write(err)
        raise SystemExit(f"caseworker exited ({child.returncode}) without {SHOWN!r}")
    scale = 1 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, shown, usage.ru_maxrss * scale / 1_000_000


def import_times(data: Path, limit: int = 25) -> None:
    """The slowest imports of one start-up (-X importtime, cumulative microseconds)."""
    env = child_env(data)
    env["CASEWORKER_EXIT_WHEN_SHOWN"] = "1"
    cmd = [sys.executable, "-X", "importtime", "-m", "caseworker"]
    cmd += ["--data-dir", str(data), "--no-crash-dialog"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self, cumulative, name = line[len("import time:") :].split("|", 2)
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    print(f"\nslowest imports (cumulative ms), of {len(rows)} modules:")
    for micros, name in sorted(rows, reverse=True)[:limit]:
        print(f"  {micros / 1000:8.1f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Start-up time and peak memory (issue 18).")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data", type=Path, help="data folder for the bench store")
    parser.add_argument("--importtime", action="store_true", help="print the slowest imports")
    args = parser.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"cw-bench-startup-{args.households}"
    ensure_store(data, args.households)
    start_once(data)  # warm-up: the OS file cache; not counted
    times, cpus, rss = [], [], []
    shown = ""
    for _ in range(args.runs):
        elapsed, cpu, shown, rss_mb = start_once(data)
        times.append(elapsed)
        cpus.append(cpu)
        rss.append(rss_mb)
        print(f"  run: {elapsed:.3f} s wall, {cpu:.3f} s CPU, {rss_mb:.1f} MB", flush=True)
    median = statistics.median(times)
    peak = max(rss)
    print(shown)
    if args.importtime:
        import_times(data)
    start_ok = median <= START_TARGET_S
    memory_ok = peak <= MEMORY_TARGET_MB
    print(
        f"start-up median {median:.3f} s over {args.runs} runs (min {min(times):.3f}, "
        f"max {max(times):.3f}; target <= {START_TARGET_S} s) {'PASS' if start_ok else 'FAIL'}"
    )
    print(f"start-up CPU (user + system) median {statistics.median(cpus):.3f} s")
    print(
        f"peak RSS {peak:.1f} MB (target <= {MEMORY_TARGET_MB:.0f} MB) "
        f"{'PASS' if memory_ok else 'FAIL'}"
    )
    return 0 if start_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
