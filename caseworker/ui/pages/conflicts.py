"""Conflicts and changes not accepted: what sync could not settle without a person.

A conflict is a household detail two people changed differently while apart.
Sync never picks a winner: the store keeps the value it had ("in use now") and
the other value beside it until someone here chooses. Choosing is itself a
synced change, so every laptop sees the decision.

A change not accepted is one the shared store's rules turned down on replay (say,
an on-the-spot approval when the household's cap was reached on another laptop).
It is parked here, never deleted: what the officer typed stays on this laptop,
and the changes that depend on it wait behind it. The officer or a manager
resends it (after correcting the household) or discards it, saying why.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
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
from caseworker.domain.dates import local_stamp
from caseworker.domain.household import Benefit, IncomeDropReason, Relationship, Tenure, WorkStatus
from caseworker.domain.money import format_pence
from caseworker.services import conflicts, parked
from caseworker.services.conflicts import OpenConflict
from caseworker.services.errors import ServiceError
from caseworker.services.parked import ParkedChange
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
    """A stored UTC instant in UK time (``domain.dates``), whatever the laptop's zone."""
    return local_stamp(instant)


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
    HEADERS = ("Case reference", "Change", "Made", "State", "Why the store did not accept it")
    ALIGN = _TOP_LEFT  # a row with a wrapped reason reads from its first line

    def set_changes(self, found: Sequence[ParkedChange]) -> None:
        self._set(found)

    def change(self, row: int) -> ParkedChange | None:
        found: ParkedChange | None = self._at(row)
        return found

    def _cells(self, record: Any) -> tuple[str, ...]:
        r: ParkedChange = record
        return (r.reference or "—", r.label, when(r.created_at), r.status, r.reason)


class ConflictsPage(QWidget):
    """Both lists, with the decision buttons under each. Alt+Left goes back."""

    open_household = Signal(uuid.UUID)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Conflicts and changes not accepted"))
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

        refused_label = QLabel("Changes &not accepted by the team store")
        layout.addWidget(refused_label)
        self.refused_model = RefusedModel()
        self.refused_table = row_table(self.refused_model, "Changes not accepted")
        self.refused_table.setMinimumHeight(90)
        self.refused_table.setWordWrap(True)
        header = self.refused_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        # A reason is a sentence or two: rows grow to show it whole.
        self.refused_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        refused_label.setBuddy(self.refused_table)
        layout.addWidget(self.refused_table, 1)
        self.refused_count = QLabel()
        self.refused_count.setAccessibleName("Changes not accepted count")
        self.refused_count.setWordWrap(True)
        layout.addWidget(self.refused_count)
        row = QHBoxLayout()
        self.resend_button = button(
            "Re&send", "Send it again, with the changes waiting behind it (correct it first)"
        )
        self.dismiss_button = button(
            "&Discard…", "Drop it and the changes waiting behind it; you are asked why"
        )
        row.addWidget(self.resend_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.keep_button.clicked.connect(lambda: self.resolve("kept"))
        self.other_button.clicked.connect(lambda: self.resolve("other"))
        self.open_button.clicked.connect(self._open_selected)
        self.table.activated.connect(lambda _index: self._open_selected())
        self.open_button.setDefault(True)  # what Enter on a conflict does
        # Enter on a change not accepted: its first action, to press (or Tab past).
        self.refused_table.activated.connect(lambda _index: self.resend_button.setFocus())
        self.resend_button.clicked.connect(self.resend)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.refused_table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        on_refresh_key(self, self.refresh)
        chain: list[QWidget] = [self.table, self.keep_button, self.other_button, self.open_button]
        chain += [self.refused_table, self.resend_button, self.dismiss_button]
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
        refused = parked.parked_changes(self._context.store)
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
            "The team store has accepted every change sent from this laptop."
            if not refused
            else "Nothing here is lost: what was typed stays on this laptop, and changes that "
            "depend on it wait. Correct the household and resend, or discard saying why."
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

    def current_refused(self) -> ParkedChange | None:
        return self.refused_model.change(self.refused_table.currentIndex().row())

    def _enable(self) -> None:
        chosen = self.current() is not None
        for push in (self.keep_button, self.other_button, self.open_button):
            push.setEnabled(chosen)
        decidable = self.current_refused()
        can = decidable is not None and decidable.state in (parked.PARKED, parked.WAITING)
        self.resend_button.setEnabled(can)
        self.dismiss_button.setEnabled(can)

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

    def resend(self) -> None:
        change = self.current_refused()
        if change is None:
            return
        ctx = self._context
        try:
            count = parked.resend(ctx.store, ctx.user, change.client_id, change.mutation_id)
        except ServiceError as exc:
            self.refresh()
            show_banner(self.message, str(exc), error=True)
            return
        self.refresh()
        more = f" with {count - 1} waiting behind it" if count > 1 else ""
        show_banner(self.message, f"Queued again{more}: {change.label}. It goes at the next sync.")
        self.refused_table.setFocus()

    def dismiss(self) -> None:
        change = self.current_refused()
        if change is None:
            return
        ctx = self._context
        why = ctx.dialogs.ask_text(
            self, "Discard a change", f"Why discard “{change.label}”? (kept in the audit trail)"
        )
        if why is None:
            show_banner(self.message, "Nothing discarded: a reason is needed.", error=True)
            return
        try:
            parked.discard(ctx.store, ctx.user, change.client_id, change.mutation_id, why)
        except ServiceError as exc:
            self.refresh()
            show_banner(self.message, str(exc), error=True)
            return
        self.refresh()
        show_banner(
            self.message,
            f"Discarded: {change.label}. The household shows the team store's details "
            "after the next sync.",
        )
        self.refused_table.setFocus()

    def _open_selected(self) -> None:
        conflict = self.current()
        if conflict is not None:
            self.open_household.emit(conflict.household_id)
