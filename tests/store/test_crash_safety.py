"""A SIGKILL while drafts and records are being saved loses no committed record."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from caseworker.services import households
from caseworker.store.database import Store

WRITER = r"""
import sys
from caseworker.services import drafts, households, users, visits
from caseworker.store.database import Store
from tests.conftest import make_household
store = Store.open_local(__import__("pathlib").Path(sys.argv[1]))
officer = users.system_user(store, "Jo Smith", "JS01")
i = 0
while True:
    i += 1
    drafts.save_draft(store, officer, "visit", "new", {"point_of_need": "x" * (i % 5000)})
    saved = households.create_household(store, officer, make_household())
    visit = visits.build_visit({"household_id": str(saved.id), "visit_date": "27/11/2026",
                                "financial": "2"})
    visits.record_visit(store, officer, visit)
    print(saved.reference, flush=True)
"""


def test_sigkill_mid_save_keeps_every_committed_record(tmp_path: Path) -> None:
    path = tmp_path / "caseworker.db"
    root = Path(__file__).resolve().parents[2]
    committed: list[str] = []
    pythonpath = os.environ.get("PYTHONPATH", "")
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        # Appended, not replaced: CI's faketime run puts its sleep fix on the path.
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(root), pythonpath)))},
    ) as proc:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while len(committed) < 25 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            committed.append(line.strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(committed) >= 25, "writer did not get going"

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store.open_local(path)
    for reference in committed:
        [found] = households.search(store, reference)
        assert found.reference == reference
        household = households.get_household(store, found.id)
        assert [m.first_name for m in household.members] == ["Zoë", "민준"]
    store.dispose()
