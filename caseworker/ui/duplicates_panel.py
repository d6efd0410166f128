""" "Already known?": likely duplicates of the household being typed, with reasons.

The household page calls ``check`` on every change to the lead contact and
address; a 250 ms pause waits for the officer to stop typing, so the store is
asked once per pause rather than once per keystroke. Picking a row emits
``open_household`` so the page can open the existing record instead.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from caseworker.services import duplicates
from caseworker.services.duplicates import Match
from caseworker.services.errors import ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.models import RecordsModel
from caseworker.ui.widgets import row_table

log = logging.getLogger(__name__)
DEBOUNCE_MS = 250


class MatchModel(RecordsModel):
    """Likely matches, best first: reference, how sure, and why."""

    HEADERS = ("Case reference", "Match", "Why it matched")

    def set_matches(self, matches: list[Match]) -> None:
        self._set(matches)

    def match_at(self, row: int) -> Match:
        match: Match = self._records[row]
        return match

    def _cells(self, record: Match) -> tuple[str, ...]:
        strength = "Very likely" if record.score >= 85 else "Likely"
        return (record.reference, strength, record.why)


class DuplicatesPanel(QWidget):
    """Shown under the new-household form; hidden while there is nothing to say."""

    open_household = Signal(uuid.UUID)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._fields: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.model = MatchModel()
        self.table = row_table(self.model, "Households that may already be known")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.activated.connect(self._picked)  # Enter on a row
        self.table.clicked.connect(self._picked)
        layout.addWidget(self.table)
        self.hide()

    def check(self, fields: dict[str, str]) -> None:
        """Remember the latest form text; check once the officer pauses."""
        self._fields = dict(fields)
        self._timer.start()

    def run_check(self) -> None:
        self._timer.stop()
        try:
            found = duplicates.likely_matches(self._context.store, self._fields)
        except ServiceError:
            log.exception("duplicate check failed")
            found = []
        self.model.set_matches(found)
        if found:
            many = "households" if len(found) > 1 else "household"
            text = (
                f"This family may already be known: {len(found)} {many} below. "
                "Open one instead of creating a new household?"
            )
            self.label.setText(text)
            self.label.setAccessibleName(text)
        self.setVisible(bool(found))

    def _picked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_household.emit(self.model.match_at(index.row()).household_id)
