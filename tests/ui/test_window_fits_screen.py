"""The window opens on the screen, frame and all, at any scale (a fresh process each)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.entry import caseworker


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ("1", "1104x764 on a 1366x768 screen"),  # the preferred size, with its frame
        ("2", "683x384 on a 683x384 screen"),  # a 1366x768 laptop at 200%
        ("1.5", "911x512 on a 911x512 screen"),
    ],
)
def test_the_window_fits_a_1366x768_laptop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scale: str, expected: str
) -> None:
    screen = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "dpr": 1}
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    monkeypatch.setenv("QT_QPA_PLATFORM", f"offscreen:configfile={config}")
    monkeypatch.setenv("QT_SCALE_FACTOR", scale)
    monkeypatch.setenv("CASEWORKER_EXIT_WHEN_SHOWN", "1")
    shown = caseworker(data=tmp_path / "data", demo=True)
    assert shown.returncode == 0, shown.stderr
    line = re.search(r"window shown, (.*)", shown.stdout)
    assert line is not None, shown.stdout
    assert line.group(1) == expected
