"""Build facts for --version and Help > About: from version.json when frozen, else git."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import caseworker
from caseworker import buildinfo
from caseworker.buildinfo import UNKNOWN, build_info, describe, policy_in_force
from caseworker.domain.rules import default_rules_dir
from caseworker.store.database import Store
from caseworker.ui.about import AboutDialog
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_frozen_build_reads_its_version_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "version.json").write_text(
        json.dumps({"version": "9.8.7", "build_date": "2026-11-27T10:00:00Z", "commit": "abc123"}),
        "utf-8",
    )
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "caseworker"))
    info = build_info()
    assert (info.version, info.build_date, info.commit, info.frozen) == (
        "9.8.7",
        "2026-11-27T10:00:00Z",
        "abc123",
        True,
    )


def test_frozen_build_without_a_version_file_says_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "caseworker"))
    info = build_info()
    assert (info.version, info.build_date, info.commit) == (
        caseworker.__version__,
        UNKNOWN,
        UNKNOWN,
    )


def test_source_tree_takes_the_commit_from_git() -> None:
    info = build_info()
    assert not info.frozen
    if shutil.which("git") and (ROOT / ".git").exists():
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        assert info.commit.removesuffix("-dirty") == head
        assert date.fromisoformat(info.build_date)
    else:
        assert info.commit == UNKNOWN


def test_source_tree_without_git_says_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buildinfo, "SOURCE_ROOT", tmp_path)
    assert (build_info().commit, build_info().build_date) == (UNKNOWN, UNKNOWN)


def test_policy_in_force_by_date() -> None:
    assert policy_in_force(date(2026, 11, 27)).startswith("2026-10, in force from 2026-10-01")
    assert policy_in_force(date(1999, 1, 1)).startswith("none in force today")


def test_policy_in_force_names_a_broken_override(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: parameters\nversion: [\n", "utf-8")
    text = policy_in_force(date(2026, 11, 27), override=tmp_path)
    assert "a rules file has a problem" in text


def test_describe_rows(data_dir: Path) -> None:
    rows = dict(describe(date(2026, 11, 27)))
    assert list(rows) == [
        "Version",
        "Build date",
        "Commit",
        "Policy in force today",
        "Data folder",
    ]
    assert rows["Version"] == caseworker.__version__
    assert rows["Data folder"] == str(data_dir)
    assert default_rules_dir().exists()


def test_about_dialog_shows_the_build_facts(qtbot: QtBot, data_dir: Path) -> None:
    dialog = AboutDialog(today=date(2026, 11, 27))
    qtbot.addWidget(dialog)
    assert dialog.values["Version"].text() == caseworker.__version__
    assert dialog.values["Policy in force today"].text().startswith("2026-10")
    assert dialog.values["Data folder"].text() == str(data_dir)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Commit:" in texts
    dialog.show()
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_help_about_opens_from_the_main_window(qtbot: QtBot, store: Store) -> None:
    window = MainWindow(AppContext(store))
    qtbot.addWidget(window)
    menus = [action.text() for action in window.menuBar().actions()]
    assert "Help" in menus
    assert window.about_action.text() == "&About Caseworker"
    window.about_action.trigger()
    about = window.about_dialog
    assert about is not None and about.isVisible()
    assert about.values["Version"].text() == caseworker.__version__
    about.close_button.click()
    assert not about.isVisible()
