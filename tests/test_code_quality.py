"""ruff and mypy (strict) are part of the test run, so CI fails on either."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_clean() -> None:
    result = _run("ruff", "check", "caseworker", "tests", "bench", "docs")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_clean() -> None:
    result = _run("mypy", "caseworker")
    assert result.returncode == 0, result.stdout
