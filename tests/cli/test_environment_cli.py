"""The installed ``caseworker`` command, in a fresh process, on a store it may not write.

It must print the plain message (never a traceback) and exit with code 3, and
what was saved before must still be there afterwards.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from caseworker.store.errors import FolderReadOnly
from tests.cli.entry import ENTRY_POINT, caseworker

# Root ignores file permissions, so there the fresh process opens every SQLite
# file read-only (``mode=ro``): SQLite then refuses writes just as it does for a
# user who may not write the folder.
READ_ONLY_SQLITE = """
import sqlite3, sqlite3.dbapi2

_connect = sqlite3.connect

def _read_only(database, *args, **kwargs):
    kwargs["uri"] = True
    return _connect(f"file:{database}?mode=ro", *args, **kwargs)

sqlite3.connect = sqlite3.dbapi2.connect = _read_only
"""


def _run(
    data: Path, *args: str, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return caseworker(*args, data=data, extra_path=extra_path, demo=True)


def _make_read_only(data: Path, hooks: Path) -> tuple[Path | None, Callable[[], None]]:
    """Make the store's folder read-only; return the extra import path and an undo."""
    if os.geteuid() == 0:
        hooks.mkdir()
        (hooks / "sitecustomize.py").write_text(READ_ONLY_SQLITE, "utf-8")
        return hooks, lambda: None
    files = [data, *data.rglob("*")]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in files}
    for p, mode in modes.items():
        p.chmod(mode & ~0o222)

    def undo() -> None:
        for p, mode in modes.items():
            p.chmod(mode)

    return None, undo


def test_read_only_store_gives_plain_message_and_exit_code_3(tmp_path: Path) -> None:
    assert ENTRY_POINT.exists(), "install the project (pip install -e .) first"
    data = tmp_path / "data"
    made = _run(data, "demo", "--households", "3", "--seed", "4")
    assert made.returncode == 0, made.stderr
    before = json.loads(_run(data, "households", "--json").stdout)
    assert len(before) == 3

    extra_path, undo = _make_read_only(data, tmp_path / "hooks")
    try:
        refused = _run(data, "demo", "--households", "2", extra_path=extra_path)
    finally:
        undo()

    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.splitlines()[-1] == f"caseworker: {FolderReadOnly.LOCAL}"
    assert "Traceback" not in refused.stderr
    after = json.loads(_run(data, "households", "--json").stdout)
    assert after == before  # nothing saved before was lost, nothing half-written


def test_no_display_says_so_and_exits_3_instead_of_aborting(tmp_path: Path) -> None:
    """Qt aborts (SIGABRT, no message) when it has no display; the command looks first."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    result = subprocess.run(
        [str(ENTRY_POINT), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        start_new_session=True,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("caseworker: Caseworker's window needs a desktop session")
    assert "caseworker --help" in result.stderr
    assert "Traceback" not in result.stderr
