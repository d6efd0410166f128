"""The policy-change impact screen: a manager chooses a draft rules folder and reads the result.

The store is the one ``tests/services/test_impact.py`` builds, whose outcome
under a £750 and an £800 household cap is known; the folder dialog is
answered through the dialog service, as a person would answer it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.main_window import MainWindow
from caseworker.ui.pages.impact import HOUSEHOLD_HEADERS, FiguresModel, ImpactPage
from tests.conftest import PASSWORD
from tests.services.test_impact import (
    CURRENT_SPEND,
    CUT_BY_750,
    SHIPPED_CAP,
    Seeded,
    draft_copy,
    seed,
)
from tests.ui.conftest import Officer, table_rows


class AnsweringDialogs(DialogService):
    """Answers "which folder?" with ``folder`` (None: the person cancelled), and notes the ask."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.asked: list[str] = []

    def choose_folder(self, parent: QWidget, title: str) -> Path | None:
        self.asked.append(title)
        return self.folder


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


@pytest.fixture
def manager_ui(seeded: Seeded, qtbot: QtBot, open_window: Callable[..., MainWindow]) -> Officer:
    ui = Officer(qtbot, open_window())
    ui.sign_in("TM01", PASSWORD)
    return ui


def open_impact(ui: Officer, folder: Path | None) -> tuple[ImpactPage, AnsweringDialogs]:
    """Manager > Policy-change impact, by its shortcut; the folder dialog will answer ``folder``."""
    dialogs = AnsweringDialogs(folder)
    ui.window.context.dialogs = dialogs
    ui.shortcut("Ctrl+Shift+I")
    page = ui.window.impact
    assert ui.window.stack.currentWidget() is page
    return page, dialogs


def shown_text(page: ImpactPage) -> str:
    """Everything the page shows in words: labels and table cells."""
    texts = [w.text() for w in page.findChildren(QLabel) if w.isVisible()]
    for model in (page.eligibility_model, page.referral_model, page.household_model):
        texts += [
            str(model.index(r, c).data())
            for r in range(model.rowCount())
            for c in range(model.columnCount())
        ]
    return "\n".join(texts)


def test_raising_the_cap_to_800_shows_the_households_it_cut(
    manager_ui: Officer, seeded: Seeded, tmp_path: Path
) -> None:
    ui = manager_ui
    draft = draft_copy(tmp_path)
    page, dialogs = open_impact(ui, draft)
    assert not page.results.isVisible() and not page.again_button.isEnabled()

    ui.click(page.choose_button)
    # Working in the background: a busy bar, and nothing to press twice meanwhile.
    assert dialogs.asked == ["Choose the draft rules folder"]
    assert page.folder.text() == str(draft)
    assert page.progress.isVisible() and page.status.text().startswith("Comparing every")
    assert not page.choose_button.isEnabled() and not page.again_button.isEnabled()
    ui.qtbot.waitUntil(lambda: page.results.isVisible(), timeout=10_000)
    assert not page.progress.isVisible() and page.again_button.isEnabled()

    assert page.message.text() == (
        "Compared. The draft changes the total recommended spend by +£200.00."
    )
    assert page.spend["current"].text() == "£3,660.00" == f"£{CURRENT_SPEND / 100:,.2f}"
    assert page.spend["draft"].text() == "£3,860.00"
    assert page.spend["change"].text() == "+£200.00"
    assert page.households.text() == (
        "10 households: latest visit compared for 8; no visit 1; visit before the rules 1; "
        "facts not valid 0."
    )
    assert page.eligibility.text() == (
        "0 households gain a cash award; 0 households lose one. "
        "No clause's outcome changes for any household."
    )
    assert not page.eligibility_table.isVisible()
    assert page.referrals.text() == "No referral changes for any household."

    # The affected households, by case reference only.
    assert page.changed.text() == "4 households, by case reference."
    rows = table_rows(page.household_table)
    assert {r[0] for r in rows} == {seeded.refs[name] for name in CUT_BY_750}
    by_ref = {r[0]: r for r in rows}
    assert by_ref[seeded.refs["A-cut"]] == (
        seeded.refs["A-cut"],
        "15/06/2026",
        "£750.00",
        "£800.00",
        "+£50.00",
        "Eligible under both",
    )
    assert by_ref[seeded.refs["G-no-room"]][2:5] == ("£0.00", "£50.00", "+£50.00")
    assert ui.focused is page.household_table
    words = shown_text(page)
    assert "Mensah" not in words and "Ama" not in words

    # Back, as from every manager page.
    ui.shortcut("Alt+Left")
    assert ui.window.stack.currentWidget() is ui.window.today  # where the day started


def test_a_draft_that_does_not_load_names_the_file_and_line(
    manager_ui: Officer, tmp_path: Path
) -> None:
    broken = draft_copy(tmp_path, SHIPPED_CAP, "household_cap: 800")
    page, _ = open_impact(manager_ui, broken)
    manager_ui.click(page.choose_button)
    manager_ui.qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    text = page.message.text()
    assert text.startswith("These rules cannot be used, so nothing was compared.")
    assert str(broken / "versions" / "2026-04.yaml") + ":" in text
    assert page.message.property("error") is True
    assert not page.results.isVisible()
    assert page.again_button.isEnabled()  # correct the file, then compare again


def test_cancelling_the_folder_dialog_compares_nothing(manager_ui: Officer) -> None:
    page, dialogs = open_impact(manager_ui, None)
    manager_ui.click(page.choose_button)
    assert dialogs.asked == ["Choose the draft rules folder"]
    assert not page.running and not page.results.isVisible()
    assert page.folder.text() == "None chosen yet"


def test_an_officer_cannot_open_the_impact_screen(
    seeded: Seeded, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    ui = Officer(qtbot, open_window())
    ui.sign_in("JS01", PASSWORD)
    assert not ui.window.impact_action.isEnabled()
    ui.shortcut("Ctrl+Shift+I")
    assert ui.window.stack.currentWidget() is ui.window.today  # nothing opened


def test_figures_model_passes_qt_model_checks(qtmodeltester: ModelTester) -> None:
    model = FiguresModel(HOUSEHOLD_HEADERS, frozenset({2, 3, 4}))
    qtmodeltester.check(model, force_py=False)
    model.set_rows([("JS01-00001", "15/06/2026", "£750.00", "£800.00", "+£50.00", "Both")])
    qtmodeltester.check(model, force_py=False)
    right = model.index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole)
    assert right == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None
    model.set_rows([])
    qtmodeltester.check(model, force_py=False)
