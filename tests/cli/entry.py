"""Run the installed ``caseworker`` command in a fresh process, as an officer would.

The process imports nothing from the test: it shares only the environment (the
test keyring file, the fixed clock) and ``PYTHONPATH``, which gains the project
root (for the test keyring backend) and keeps whatever was there (the faketime
run's ``sitecustomize``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINT = Path(sys.executable).parent / "caseworker"


def caseworker(
    *args: str,
    data: Path | None = None,
    stdin: str | None = None,
    extra_path: Path | None = None,
    demo: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``caseworker [--demo] [--data-dir DATA] ARGS...``; its output, as text."""
    extra = [str(p) for p in (extra_path, ROOT) if p is not None]
    current = os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*extra, *filter(None, [current])]))
    command = [str(ENTRY_POINT), *(["--demo"] if demo else [])]
    command += ["--data-dir", str(data)] if data is not None else []
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=ROOT,
        input=stdin,
        start_new_session=True,  # no terminal: a password prompt reads stdin
    )
