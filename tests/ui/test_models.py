"""The item models behind the tables: Qt's model checks, and paging of search results."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from caseworker.domain.users import User
from caseworker.services import demo, households
from caseworker.store.database import Store
from caseworker.store.households import HouseholdSummary
from caseworker.ui.main_window import MainWindow
from caseworker.ui.models import HouseholdListModel, ListTableModel
from tests.ui.conftest import Officer

PAGE = HouseholdListModel.PAGE


@pytest.fixture
def many(store: Store, officer: User) -> Store:
    assert demo.generate(store, officer, 300, seed=1) == 300
    return store


class CountingFetch:
    """The model's fetch function, recording every (query, offset, limit) it asks for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, text: str, offset: int, limit: int) -> list[HouseholdSummary]:
        self.calls.append((text, offset, limit))
        return households.search(self.store, text, offset, limit)


def test_household_list_model_passes_qt_model_checks(
    many: Store, qtmodeltester: ModelTester
) -> None:
    model = HouseholdListModel(CountingFetch(many), households.MAX_RESULTS)
    model.set_query("")
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model, force_py=False)
    model.set_query("london")
    qtmodeltester.check(model, force_py=False)


def test_household_list_fetches_a_page_at_a_time(many: Store) -> None:
    fetch = CountingFetch(many)
    model = HouseholdListModel(fetch, households.MAX_RESULTS)
    model.set_query("")
    assert model.rowCount() == PAGE  # not all 300
    assert fetch.calls == [("", 0, PAGE)]
    assert model.columnCount() == 7  # and stage, pending package, review due
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Case reference"
    first = model.index(0, 0).data()
    assert isinstance(first, str) and first.startswith("DEMO-")

    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * PAGE
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 300
    assert inserted == [(PAGE, 2 * PAGE - 1), (2 * PAGE, 299)]
    assert fetch.calls[1:] == [("", PAGE, PAGE), ("", 2 * PAGE, PAGE)]
    # Every household once, in the order the service gives them.
    references = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert len(set(references)) == 300
    assert references == [s.reference for s in households.search(many, "", 0, 300)]

    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 300
    assert not model.canFetchMore(QModelIndex())


def test_new_query_starts_again_from_the_first_page(many: Store) -> None:
    fetch = CountingFetch(many)
    model = HouseholdListModel(fetch, households.MAX_RESULTS)
    model.set_query("")
    model.fetchMore(QModelIndex())
    lead = households.search(many, "", 0, 1)[0]
    surname = lead.lead_name.split()[-1]
    model.set_query(surname)
    assert fetch.calls[-1] == (surname, 0, PAGE)
    assert 1 <= model.rowCount() <= PAGE
    assert all(model.index(r, 1).data() for r in range(model.rowCount()))


def test_scrolling_the_results_fetches_the_next_page(
    many: Store, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    ui = Officer(qtbot, window)
    ui.sign_in()
    ui.shortcut("Ctrl+F")
    page = window.search
    assert page.model.rowCount() == PAGE
    assert page.count.text() == f"{PAGE} most recently changed households (scroll for more)"
    page.table.setFocus(Qt.FocusReason.TabFocusReason)
    ui.press(Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # to the last row shown
    qtbot.waitUntil(lambda: page.model.rowCount() > PAGE, timeout=2000)
    assert page.count.text().startswith(f"{page.model.rowCount()} most recently changed")


def test_list_table_model_passes_qt_model_checks(qtmodeltester: ModelTester) -> None:
    model = ListTableModel(("Name", "Date of birth", "Relationship", "Work status"))
    qtmodeltester.check(model, force_py=False)
    model.set_rows(
        [
            ("Zoë O'Brien-Smith", "12/03/1985", "Lead contact", "Employed"),
            ("김민준 Nguyễn", "01/07/2012", "Child", "Not recorded"),
        ]
    )
    qtmodeltester.check(model, force_py=False)
    assert model.rowCount() == 2 and model.columnCount() == 4
    assert model.index(1, 0).data() == "김민준 Nguyễn"
    assert model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole) == "김민준 Nguyễn"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Work status"
    assert model.rowCount(model.index(0, 0)) == 0  # a flat table: no children
