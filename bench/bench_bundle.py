"""The built bundle: its size, and start to interactive window of the bundled program.

    .venv/bin/python bench/bench_bundle.py              # uses dist/caseworker (builds it if absent)
    .venv/bin/python bench/bench_bundle.py --build      # rebuild first
    .venv/bin/python bench/bench_bundle.py --runs 11

Start-up: the bundled program is spawned R times (after one unmeasured warm-up run
that makes the demo store) as ``caseworker --data-dir DIR --demo --no-crash-dialog``
with ``CASEWORKER_EXIT_WHEN_SHOWN=1``: the app prints ``caseworker: window shown`` from
the first turn of its event loop after the main window is shown, then quits. The time
is from spawn to that line (the bootloader unpacking nothing, Python starting, imports,
QApplication, stylesheet, store open, MainWindow built and shown). Qt runs offscreen
unless ``--platform`` says otherwise (e.g. ``xcb`` under Xvfb).

Targets: bundle <= 250 MB, start-up median <= 1.5 s. Exits 1 if either is missed.
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

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "caseworker"
SHOWN = "caseworker: window shown"
SIZE_TARGET_MB = 250.0
START_TARGET_S = 1.5


def program(bundle: Path) -> Path:
    if sys.platform == "win32":
        return bundle / "caseworker-cli.exe"
    return bundle / "caseworker"


def size_mb(bundle: Path) -> float:
    total = sum(p.lstat().st_size for p in bundle.rglob("*") if p.is_file() or p.is_symlink())
    return total / 1_000_000


def start_once(exe: Path, data: Path, platform: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=platform, CASEWORKER_EXIT_WHEN_SHOWN="1")
    env.pop("PYTHON_KEYRING_BACKEND", None)
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(exe), "--data-dir", str(data), "--demo", "--no-crash-dialog"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    elapsed = None
    for line in child.stdout:
        if line.strip() == SHOWN:
            elapsed = time.perf_counter() - started
            break
    child.stdout.read()
    code = child.wait(timeout=60)
    if elapsed is None:
        raise SystemExit(
            f"{exe} exited ({code}) without printing {SHOWN!r}: does this build honour "
            "CASEWORKER_EXIT_WHEN_SHOWN (caseworker/ui/app.py)?"
        )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description="Bundle size and start-up time.")
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--build", action="store_true", help="run packaging/build.py first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM for the runs")
    args = parser.parse_args()
    if args.build or not program(args.bundle).exists():
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], check=True)
    exe = program(args.bundle)
    size = size_mb(args.bundle)
    with tempfile.TemporaryDirectory(prefix="cw-bench-bundle-") as tmp:
        start_once(exe, Path(tmp), args.platform)  # warm-up: makes and migrates the store
        times = [start_once(exe, Path(tmp), args.platform) for _ in range(max(args.runs, 1))]
    median = statistics.median(times)
    ok_size, ok_start = size <= SIZE_TARGET_MB, median <= START_TARGET_S
    print(f"bundle: {args.bundle}")
    print(f"{'figure':<28}{'value':>12}{'target':>12}  result")
    print(f"{'bundle size':<28}{size:>9.1f} MB{SIZE_TARGET_MB:>9.0f} MB  {_r(ok_size)}")
    print(
        f"{'start to window (median)':<28}{median * 1000:>9.0f} ms"
        f"{START_TARGET_S * 1000:>9.0f} ms  {_r(ok_start)}"
    )
    print(
        f"  {len(times)} runs, min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
        f"platform {args.platform}"
    )
    return 0 if ok_size and ok_start else 1


def _r(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
