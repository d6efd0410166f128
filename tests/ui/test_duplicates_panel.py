"""The duplicates panel: typing a near-duplicate shows it and why; clicking opens it."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from caseworker.domain.household import Household, Member
from caseworker.domain.users import User
from caseworker.services import households
from caseworker.store.database import Store
from caseworker.ui.context import AppContext
from caseworker.ui.duplicates_panel import DuplicatesPanel
from tests.ui.conftest import table_rows


def _saved(store: Store, officer: User, first: str, surname: str, dob: date) -> Household:
    return households.create_household(
        store,
        officer,
        Household(
            postcode="SE15 4QF",
            members=[Member(first_name=first, surname=surname, date_of_birth=dob)],
        ),
    )


def test_near_duplicate_is_shown_with_its_reason_and_click_opens_it(
    qtbot: QtBot, store: Store, officer: User
) -> None:
    original = _saved(store, officer, "Zoë", "O'Brien", date(1985, 3, 12))
    _saved(store, officer, "Zoe", "Smith", date(1960, 1, 1))  # a different person
    panel = DuplicatesPanel(AppContext(store, officer))
    qtbot.addWidget(panel)
    assert panel.isHidden()  # nothing typed, nothing to say

    # As typed: each keystroke restarts the pause, so only the last form is checked.
    with qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        for text in ("O", "OB", "OBr", "OBrein"):
            panel.check({"surname": text, "first_name": "Zoe", "date_of_birth": "12/03/1985"})
    rows = table_rows(panel.table)
    assert len(rows) == 1
    reference, strength, why = rows[0]
    assert reference == original.reference
    assert strength in ("Likely", "Very likely")
    assert "Same date of birth (12/03/1985)" in why
    assert "similar surname (OBrein and O'Brien" in why
    assert panel.isVisible()

    view = panel.table
    cell = view.visualRect(panel.model.index(0, 2)).center()
    with qtbot.waitSignal(panel.open_household, timeout=2000) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert opened.args == [original.id]
    assert isinstance(opened.args[0], uuid.UUID)


def test_panel_hides_again_when_the_typing_no_longer_matches(
    qtbot: QtBot, store: Store, officer: User
) -> None:
    _saved(store, officer, "Zoe", "Smith", date(1985, 3, 12))
    panel = DuplicatesPanel(AppContext(store, officer))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        panel.check({"surname": "Smith", "date_of_birth": "12/03/1985"})
    assert panel.model.rowCount() == 1 and panel.isVisible()
    with qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        panel.check({"surname": "Smith", "date_of_birth": "12/03/1986"})
    assert panel.model.rowCount() == 0 and panel.isHidden()
