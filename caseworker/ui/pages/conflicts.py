"""Conflicts and refused changes: what sync could not settle without a person.

A conflict is a household detail two people changed differently while apart.
Sync never picks a winner: the store keeps the value it had ("in use now") and
the other value beside it until someone here chooses. Choosing is itself a
synced change, so every laptop sees the decision.

A refused change is one the shared store's rules turned down on replay (say, an
on-the-spot approval whose allowance was already spent elsewhere); sync has
already taken it back on this laptop, so the list only says what and why, and
the officer dismisses each once read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import labels
from caseworker.domain.household import Benefit, IncomeDropReason, Relationship, Tenure, WorkStatus
from caseworker.domain.money import format_pence
from caseworker.services import conflicts
from caseworker.services.conflicts import OpenConflict
from caseworker.services.errors import ServiceError
from caseworker.services.sync_view import RefusedChange, dismiss_refused, refused_changes
from caseworker.ui.context import AppContext
from caseworker.ui.models import RecordsModel
from caseworker.ui.widgets import (
    banner,
    button,
    heading,
    help_text,
    on_refresh_key,
    row_table,
    show_banner,
    tab_chain,
)

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TEXT_ROLES = (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole)
_TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The last part of a merge key ("tenure", "member:<id>.relationship") -> its choices.
_CHOICES = {
    "tenure": Tenure,
    "benefits": Benefit,
    "relationship": Relationship,
    "work_status": WorkStatus,
    "earnings_fall_reason": IncomeDropReason,
}


def show_value(field: str, value: Any) -> str:
    """A stored field value as the household screen would show it."""
    name = field.rpartition(".")[2] if field.startswith("member:") else field
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        if ":" in field and "." not in field:  # "member:<id>": are they in the household?
            return "In the household" if value else "Removed"
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(show_value(name, v) for v in value)
    if isinstance(value, int) and name.endswith("_pence"):
        return format_pence(value)
    if isinstance(value, str):
        if name in _CHOICES:
            return labels.LABELS.get((_CHOICES[name], value), value)
        if _ISO_DATE.match(value):
            return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return str(value)


def when(instant: datetime) -> str:
    """A stored UTC instant in the laptop's local time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return f"{instant.astimezone():%d/%m/%Y %H:%M}"


class ConflictsModel(RecordsModel):
    HEADERS = ("Case reference", "What", "Value in use", "Other value", "Changed by", "When")

    def set_conflicts(self, found: Sequence[OpenConflict]) -> None:
        self._set(found)

    def conflict(self, row: int) -> OpenConflict | None:
        found: OpenConflict | None = self._at(row)
        return found

    def _cells(self, record: Any) -> tuple[str, ...]:
        c: OpenConflict = record
        return (
            c.reference,
            c.label,
            show_value(c.field, c.kept),
            show_value(c.field, c.other),
            c.raised_by or "Someone on another laptop",
            when(c.raised_at),
        )


class RefusedModel(RecordsModel):
    HEADERS = ("Case reference", "Change", "Made", "Why the store refused it")
    ALIGN = _TOP_LEFT  # a row with a wrapped reason reads from its first line

    def set_changes(self, found: Sequence[RefusedChange]) -> None:
        self._set(found)

    def change(self, row: int) -> RefusedChange | None:
        found: RefusedChange | None = self._at(row)
        return found

    def _cells(self, record: Any) -> tuple[str, ...]:
        r: RefusedChange = record
        return (r.reference or "—", r.label, when(r.created_at), r.reason)


class ConflictsPage(QWidget):
    """Both lists, with the decision buttons under each. Alt+Left goes back."""

    open_household = Signal(uuid.UUID)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Conflicts and refused changes"))
        self.message = banner()
        layout.addWidget(self.message)

        explain = help_text(
            "A conflict is a detail two people changed differently while apart. Both values "
            "are kept and the one in use stays until you choose; your choice reaches every "
            "laptop at the next sync."
        )
        layout.addWidget(explain)
        conflicts_label = QLabel("Conflicts to &resolve")
        layout.addWidget(conflicts_label)
        self.model = ConflictsModel()
        self.table = row_table(self.model, "Conflicts to resolve")
        self.table.setMinimumHeight(120)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        conflicts_label.setBuddy(self.table)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleName("Conflicts count")
        layout.addWidget(self.count)
        row = QHBoxLayout()
        self.keep_button = button("&Keep the value in use", "Leave the detail as it is now")
        self.other_button = button("&Use the other value", "Change the detail to the other value")
        self.open_button = button("&Open household", "Open the household (Enter in the list)")
        for push in (self.keep_button, self.other_button, self.open_button):
            row.addWidget(push)
        row.addStretch(1)
        layout.addLayout(row)

        refused_label = QLabel("Re&fused changes")
        layout.addWidget(refused_label)
        self.refused_model = RefusedModel()
        self.refused_table = row_table(self.refused_model, "Refused changes")
        self.refused_table.setMinimumHeight(90)
        self.refused_table.setWordWrap(True)
        header = self.refused_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # A reason is a sentence or two: rows grow to show it whole.
        self.refused_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        refused_label.setBuddy(self.refused_table)
        layout.addWidget(self.refused_table, 1)
        self.refused_count = QLabel()
        self.refused_count.setAccessibleName("Refused changes count")
        self.refused_count.setWordWrap(True)
        layout.addWidget(self.refused_count)
        row = QHBoxLayout()
        self.dismiss_button = button("&Dismiss", "Remove it from this list once you have read it")
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.keep_button.clicked.connect(lambda: self.resolve("kept"))
        self.other_button.clicked.connect(lambda: self.resolve("other"))
        self.open_button.clicked.connect(self._open_selected)
        self.table.activated.connect(lambda _index: self._open_selected())
        self.dismiss_button.clicked.connect(self.dismiss)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.refused_table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        on_refresh_key(self, self.refresh)
        chain: list[QWidget] = [self.table, self.keep_button, self.other_button, self.open_button]
        chain += [self.refused_table, self.dismiss_button]
        tab_chain(chain)
        self.refresh()

    # -- showing --------------------------------------------------------------
    def refresh(self) -> None:
        """Reload both lists, keeping the same rows selected where they are still there."""
        keep = self.current()
        keep_refused = self.current_refused()
        found = conflicts.open_conflicts(self._context.store)
        self.model.set_conflicts(found)
        self._select(self.table, [c.id for c in found], keep.id if keep else None)
        refused = refused_changes(self._context.store)
        self.refused_model.set_changes(refused)
        keys = [(r.mutation_id, r.client_id) for r in refused]
        self._select(
            self.refused_table,
            keys,
            (keep_refused.mutation_id, keep_refused.client_id) if keep_refused else None,
        )
        self.count.setText(
            "Nothing to resolve." if not found else f"{len(found)} to resolve, oldest first."
        )
        self.refused_count.setText(
            "The shared store has refused none of this laptop's changes."
            if not refused
            else "Sync has already taken these back on this laptop: the household shows the "
            "store's values. Do again what still needs doing, then dismiss."
        )
        self._enable()

    @staticmethod
    def _select(view: QTableView, keys: list[Any], keep: Any) -> None:
        """Select the row that was selected, or the one that took its place."""
        if not keys:
            return
        row = keys.index(keep) if keep in keys else max(view.currentIndex().row(), 0)
        view.selectRow(min(row, len(keys) - 1))

    def current(self) -> OpenConflict | None:
        return self.model.conflict(self.table.currentIndex().row())

    def current_refused(self) -> RefusedChange | None:
        return self.refused_model.change(self.refused_table.currentIndex().row())

    def _enable(self) -> None:
        chosen = self.current() is not None
        for push in (self.keep_button, self.other_button, self.open_button):
            push.setEnabled(chosen)
        self.dismiss_button.setEnabled(self.current_refused() is not None)

    # -- deciding -------------------------------------------------------------
    def resolve(self, keep: Literal["kept", "other"]) -> None:
        conflict = self.current()
        if conflict is None:
            return
        ctx = self._context
        try:
            conflicts.resolve(ctx.store, ctx.user, conflict.id, keep)
        except ServiceError as exc:
            self.refresh()
            show_banner(self.message, str(exc), error=True)
            return
        value = conflict.kept if keep == "kept" else conflict.other
        self.refresh()
        show_banner(
            self.message,
            f"{conflict.reference}: {conflict.label} is now {show_value(conflict.field, value)}.",
        )
        self.table.setFocus()

    def dismiss(self) -> None:
        change = self.current_refused()
        if change is None:
            return
        ctx = self._context
        try:
            dismiss_refused(ctx.store, ctx.user, change.mutation_id, change.client_id)
        except ServiceError as exc:
            self.refresh()
            show_banner(self.message, str(exc), error=True)
            return
        self.refresh()
        show_banner(self.message, f"Dismissed: {change.label}.")
        self.refused_table.setFocus()

    def _open_selected(self) -> None:
        conflict = self.current()
        if conflict is not None:
            self.open_household.emit(conflict.household_id)
