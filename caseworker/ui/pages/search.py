"""Find a household as you type, or start a new one."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseworker.services import households
from caseworker.store.households import HouseholdSummary
from caseworker.ui.context import AppContext
from caseworker.ui.models import HouseholdListModel
from caseworker.ui.widgets import heading, row_table

SEARCH_DELAY_MS = 120


class SearchPage(QWidget):
    open_household = Signal(uuid.UUID)
    new_household = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Find a household"))
        row = QHBoxLayout()
        label = QLabel("&Search")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Surname, first name, postcode, date of birth or case ref")
        self.search.setAccessibleName("Search households")
        self.search.setAccessibleDescription(
            "Type any of surname, first name, postcode, date of birth (dd/mm/yyyy) "
            "or case reference; results update as you type."
        )
        self.search.setClearButtonEnabled(True)
        label.setBuddy(self.search)
        self.new_button = QPushButton("&New household")
        self.new_button.setAccessibleName("New household")
        self.new_button.setToolTip("Ctrl+N")
        row.addWidget(label)
        row.addWidget(self.search, 1)
        row.addWidget(self.new_button)
        layout.addLayout(row)

        self.model = HouseholdListModel(self._fetch, households.MAX_RESULTS)
        self.table = row_table(self.model, "Households found")
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleName("Search result count")
        layout.addWidget(self.count)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._open_first_or_selected)
        self.table.activated.connect(self._open_index)
        self.new_button.clicked.connect(self.new_household.emit)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        QWidget.setTabOrder(self.search, self.new_button)
        QWidget.setTabOrder(self.new_button, self.table)

    def _fetch(self, text: str, offset: int, limit: int) -> list[HouseholdSummary]:
        return households.search(self._context.store, text, offset, limit)

    def run_search(self) -> None:
        self._timer.stop()
        self.model.set_query(self.search.text())
        if self.model.rowCount():
            self.table.selectRow(0)

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        more = " (scroll for more)" if self.model.canFetchMore() else ""
        query = self.search.text().strip()
        if not query:
            self.count.setText(f"{shown} most recently changed households{more}")
        elif shown == 0:
            self.count.setText("No household matches. Check the spelling, or create a new one.")
        else:
            self.count.setText(f"{shown} matching households{more}")

    def _open_first_or_selected(self) -> None:
        self.run_search()
        current = self.table.currentIndex()
        if current.isValid():
            self._open_index(current)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_household.emit(self.model.summary(index.row()).id)

    def reset(self) -> None:
        """Forget the search text and its results (sign out, another person signs in)."""
        self._timer.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.clear()
        self.count.clear()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
