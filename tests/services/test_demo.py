"""``caseworker --demo`` opens ready to try: accounts, a fund and made-up households."""

from __future__ import annotations

import json
import os
from pathlib import Path

from caseworker.domain import clock
from caseworker.services import demo, fund, households, users
from caseworker.store.database import Store
from tests.cli.entry import caseworker


def test_a_new_demo_store_gets_accounts_allowance_and_households(store: Store) -> None:
    assert demo.prepare(store, clock.today()) is True
    officer = users.sign_in(store, demo.DEMO_OFFICER[1], demo.DEMO_PASSWORD)
    manager = users.sign_in(store, demo.DEMO_MANAGER[1], demo.DEMO_PASSWORD)
    assert manager.role == "manager" and officer.role == "officer"
    assert fund.allowance_left(store, officer, clock.today()) == demo.DEMO_ALLOWANCE_PENCE
    assert len(households.search(store, "", limit=500)) == demo.DEMO_HOUSEHOLDS


def test_a_store_that_has_a_manager_is_left_alone(store: Store) -> None:
    assert demo.prepare(store, clock.today()) is True
    assert demo.prepare(store, clock.today()) is False
    assert len(households.search(store, "", limit=500)) == demo.DEMO_HOUSEHOLDS


def test_the_demo_window_opens_on_a_filled_store(tmp_path: Path) -> None:
    """Run as a person would: the window opens (twice), then the households are there."""
    os.environ["CASEWORKER_EXIT_WHEN_SHOWN"] = "1"
    try:
        for _ in range(2):
            shown = caseworker(data=tmp_path, demo=True)
            assert shown.returncode == 0, shown.stderr
            assert "window shown" in shown.stdout
    finally:
        del os.environ["CASEWORKER_EXIT_WHEN_SHOWN"]
    listed = caseworker("households", "--json", "--limit", "500", data=tmp_path, demo=True)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == demo.DEMO_HOUSEHOLDS
