"""The team manager's approvals queue: each package, why the rules made it, what it costs.

Selecting a package shows its items (each with the rule that made it, and the
officer's reason for any exception), the household's awards in the last year,
and the fund's unallocated balance before and after approving it. The manager
may lower any item before approving, or reject with a reason. Every decision is
one service call; a refusal is shown in the service's own words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.dates import local_time
from caseworker.domain.money import MoneyError, format_pence, parse_pounds
from caseworker.domain.packages import Package
from caseworker.domain.rules import RuleSet
from caseworker.services import fund, packages
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.fund import FundView
from caseworker.services.packages import QueueEntry
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.widgets import (
    REFRESH_KEY,
    REFRESH_WHAT,
    banner,
    button,
    enter_presses,
    heading,
    row_table,
    scrolling,
    section,
    show_banner,
    tab_chain,
)

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TEXT_ROLES = (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

APPROVE_KEY = "Ctrl+Shift+A"
REJECT_KEY = "Ctrl+Shift+R"
# Alt+letters of this page: the Case menu, the queue, the buttons and the reason field.
TAKEN = frozenset("cwfare")


def local_date(instant: datetime) -> date:
    """The UK calendar date of a stored UTC instant."""
    return local_time(instant).date()


def made_on(package: Package) -> date:
    return local_date(package.created_at)


def _waiting(entry: QueueEntry, today: date) -> str:
    made = local_date(entry.waiting_since)
    days = (today - made).days
    ago = "today" if days <= 0 else "1 day ago" if days == 1 else f"{days} days ago"
    return f"{made:%d/%m/%Y} ({ago})"


class QueueModel(QAbstractTableModel):
    """The packages waiting for a team manager, oldest first, as the service lists them."""

    HEADERS = ("Case reference", "Lead contact", "Stage", "Total", "Made by", "Waiting since")
    MONEY_COLUMN = 3

    def __init__(self, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._today = today
        self._entries: list[QueueEntry] = []

    def set_entries(self, entries: Sequence[QueueEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> QueueEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() == self.MONEY_COLUMN else None
        if role not in _TEXT_ROLES:
            return None
        entry = self._entries[index.row()]
        return (
            entry.household_reference,
            entry.lead_name,
            entry.stage,
            format_pence(entry.package.total_pence),
            entry.created_by_name,
            _waiting(entry, self._today()),
        )[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None


class ApprovalsPage(QWidget):
    def __init__(
        self,
        context: AppContext,
        rules_provider: Callable[[], RuleSet],
        today: Callable[[], date] = clock.today,
    ) -> None:
        super().__init__()
        self._context = context
        self._rules = rules_provider
        self._today = today
        self._fund: FundView | None = None
        self._fund_problem = ""
        self._selected: QueueEntry | None = None
        self._amounts: dict[str, QLineEdit] = {}

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Approvals"))
        self.message = banner()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        queue_label = QLabel("&Waiting for a team manager")
        self.refresh_button = button("Re&fresh", REFRESH_KEY)
        row.addWidget(queue_label)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        self.model = QueueModel(today)
        self.table = row_table(self.model, "Waiting for a team manager")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(130)
        queue_label.setBuddy(self.table)
        layout.addWidget(self.table, 2)
        self.count = QLabel()
        self.count.setAccessibleName("Packages waiting")
        layout.addWidget(self.count)

        layout.addWidget(scrolling(self._detail()), 5)
        layout.addWidget(self._decision())

        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.table.activated.connect(lambda _index: self._focus_first_item())
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject)
        for key, slot, what in (
            (REFRESH_KEY, self.refresh, REFRESH_WHAT),
            # Does nothing while the button is disabled.
            (
                APPROVE_KEY,
                self.approve_button.click,
                "Approve: the package chosen in the approvals queue",
            ),
            (
                REJECT_KEY,
                self.reject_button.click,
                "Reject: the package chosen in the approvals queue, with a reason",
            ),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setWhatsThis(what)
            shortcut.activated.connect(slot)
        self.decision_fields.focus_chain()
        # Enter in an amount approves (as typed); in the reason, rejects with it.
        enter_presses(self.items_box, self.approve_button)
        enter_presses(self.reason, self.reject_button, drawn=False)
        self._load_problem = ""  # why the last refresh failed, while it is on screen
        if context.current_user is not None:  # built before sign-in: nothing to show yet
            self.refresh()

    # -- building -------------------------------------------------------------
    def _detail(self) -> QWidget:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Package")
        self.summary.setProperty("role", "stage")
        column.addWidget(self.summary)

        self.items_box, self.items_form = section("Items: lower an amount to approve less")
        self.item_fields = FieldSet(self._amounts_changed, set(TAKEN))
        column.addWidget(self.items_box)

        box, form = section("The household and the team fund")
        self.awards = QLabel()
        self.awards.setAccessibleName("Awards to this household in the last year")
        form.addRow("Awards in the last year:", self.awards)
        self.impact = QLabel()
        self.impact.setWordWrap(True)
        self.impact.setAccessibleName("Budget impact")
        form.addRow("Fund unallocated:", self.impact)
        column.addWidget(box)

        box, form = section("How the rules decided")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName("How the rules decided")
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.explanation)
        column.addWidget(box)
        column.addStretch(1)
        return inner

    def _decision(self) -> QWidget:
        box, form = section("Decision")
        self.decision_fields = FieldSet(taken={"c", "w", "f", "a", "r"})
        self.reason = self.decision_fields.line(
            form,
            "reason",
            "Reason for rejecting",
            "Required to reject; kept with the decision",
        )
        row = QHBoxLayout()
        self.approve_button = button("&Approve", APPROVE_KEY)
        self.reject_button = button("&Reject", REJECT_KEY)
        row.addWidget(self.approve_button)
        row.addWidget(self.reject_button)
        row.addStretch(1)
        form.addRow(row)
        return box

    def _rebuild_items(self, entry: QueueEntry | None) -> None:
        """One amount field per item, labelled with its clause, the rule's words beneath."""
        while self.items_form.rowCount():
            self.items_form.removeRow(0)
        self.item_fields = FieldSet(self._amounts_changed, set(TAKEN))
        self._amounts = {}
        if entry is None:
            self.items_box.hide()
            return
        self.items_box.show()
        for item in entry.package.items:
            edit = self.item_fields.line(
                self.items_form,
                item.clause,
                f"{item.clause} {item.item} (£)",
                help=f"Up to {format_pence(item.amount_pence)}; 0 removes the item.",
            )
            edit.setText(format_pence(item.amount_pence).removeprefix("£"))
            edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0" * 16))
            self._amounts[item.clause] = edit
            note = item.explanation
            if item.exception and item.reason and item.reason not in note:
                note += f" The officer's reason: {item.reason}"
            why = QLabel(note)
            why.setWordWrap(True)
            # An exception (6.5) stands out: the manager is approving beyond the rules.
            why.setProperty("role", "error" if item.exception else "help")
            why.setAccessibleName(f"Why {item.clause}")
            self.items_form.addRow("", why)
        chain: list[QWidget] = [self.refresh_button, self.table, *self._amounts.values()]
        chain += [self.reason, self.approve_button, self.reject_button]
        tab_chain(chain)

    # -- showing --------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the queue and the fund, keeping the same row selected where possible."""
        ctx = self._context
        keep = self._selected.package.id if self._selected else None
        row = max(self.table.currentIndex().row(), 0)
        try:
            entries = packages.manager_queue(ctx.store, ctx.user, self._rules())
        except ServiceError as exc:
            self.model.set_entries([])
            self._show_detail()
            self._set_enabled(False)
            self.count.setText("")
            self._load_problem = str(exc)
            show_banner(self.message, self._load_problem, error=True)
            return
        if self._load_problem and self.message.text() == self._load_problem:
            self.message.hide()  # loaded now: why the last load failed is no longer true
        self._load_problem = ""
        try:
            self._fund, self._fund_problem = fund.fund_view(ctx.store, ctx.user, self._today()), ""
        except ServiceError as exc:
            self._fund, self._fund_problem = None, str(exc)
        self.model.set_entries(entries)
        ids = [e.package.id for e in entries]
        if keep in ids:
            row = ids.index(keep)
        if entries:
            self.table.selectRow(min(row, len(entries) - 1))
        self._show_detail()
        waiting = len(entries)
        self.count.setText(
            "Nothing is waiting for you."
            if not waiting
            else f"{waiting} package{'s' if waiting != 1 else ''} waiting, oldest first."
        )

    def current(self) -> QueueEntry | None:
        return self.model.entry(self.table.currentIndex().row())

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.approve_button, self.reject_button, self.reason):
            widget.setEnabled(enabled)

    def _show_detail(self) -> None:
        entry = self.current()
        self._selected = entry
        self._rebuild_items(entry)
        self._set_enabled(entry is not None)
        if entry is None:
            self.summary.setText("Choose a package in the list to see it here.")
            self.awards.setText("")
            self.impact.setText("")
            self.explanation.setText("")
            return
        package = entry.package
        stage = entry.stage
        self.summary.setText(
            f"{entry.household_reference}, {entry.lead_name or 'no lead contact'}: "
            f"{format_pence(package.total_pence)}, made by {entry.created_by_name} "
            f"on {made_on(package):%d/%m/%Y} after the visit of {package.visit_date:%d/%m/%Y}. "
            f"Policy {package.policy_version}" + (f", stage {stage}." if stage else ".")
        )
        self.summary.setAccessibleDescription(self.summary.text())
        self.awards.setText(format_pence(entry.awards_last_year_pence))
        self.explanation.setText("\n".join(package.explanation))
        self._update_impact()

    def _amounts_changed(self) -> None:
        self._update_impact()

    def _typed(self) -> tuple[dict[str, int], dict[str, str]]:
        """The amounts as typed, in pence, and a message for each that cannot be read."""
        amounts: dict[str, int] = {}
        errors: dict[str, str] = {}
        entry = self._selected
        if entry is None:
            return amounts, errors
        for item in entry.package.items:
            edit = self._amounts.get(item.clause)
            if edit is None:
                continue
            try:
                amounts[item.clause] = parse_pounds(edit.text())
            except MoneyError as exc:
                errors[item.clause] = f"{item.clause} {item.item}: {exc}"
        return amounts, errors

    def _update_impact(self) -> None:
        entry = self._selected
        if entry is None:
            return
        if self._fund is None:
            self.impact.setText(self._fund_problem)
            return
        before = self._fund.balances.unallocated_pence
        amounts, errors = self._typed()
        if errors:
            self.impact.setText(f"{format_pence(before)} now; correct the amounts to see after.")
            return
        total = sum(amounts.values())
        self.impact.setText(
            f"{format_pence(before)} now → {format_pence(before - total)} "
            f"after approving {format_pence(total)}"
        )
        self.impact.setAccessibleDescription(self.impact.text())

    def _focus_first_item(self) -> None:
        first = next(iter(self._amounts.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            first.selectAll()

    # -- deciding -------------------------------------------------------------
    def _refused(self, exc: ServiceError) -> None:
        """Show a refusal as the service worded it; input problems also under their field."""
        if isinstance(exc, InvalidInput):
            self.item_fields.show_errors(exc.fields)
            self.decision_fields.show_errors(
                {k: v for k, v in exc.fields.items() if k in self.decision_fields.widgets}
            )
        show_banner(self.message, f"Nothing changed. {exc}", error=True)

    def approve(self) -> None:
        entry = self._selected
        if entry is None:
            show_banner(self.message, "Choose a package in the list first.", error=True)
            return
        self.item_fields.clear_errors()
        self.decision_fields.clear_errors()
        amounts, errors = self._typed()
        if errors:
            self.item_fields.show_errors(errors)
            show_banner(self.message, "Not approved. Correct the amounts marked below.", error=True)
            return
        lowered = {
            item.clause: amounts[item.clause]
            for item in entry.package.items
            if amounts.get(item.clause, item.amount_pence) != item.amount_pence
        }
        ctx = self._context
        try:
            updated = packages.approve(
                ctx.store,
                ctx.user,
                self._rules(),
                entry.package.id,
                self._today(),
                lowered=lowered or None,
            )
        except ServiceError as exc:
            self._refused(exc)
            return
        was = entry.package.total_pence
        change = f" (lowered from {format_pence(was)})" if updated.total_pence != was else ""
        self._selected = None
        self.reason.clear()
        self.refresh()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # on to the next package
        left = (
            f" The fund has {format_pence(self._fund.balances.unallocated_pence)} unallocated."
            if self._fund
            else ""
        )
        show_banner(
            self.message,
            f"Approved {entry.household_reference} ({entry.lead_name}): "
            f"{format_pence(updated.total_pence)}{change}.{left}",
        )

    def reject(self) -> None:
        entry = self._selected
        if entry is None:
            show_banner(self.message, "Choose a package in the list first.", error=True)
            return
        self.item_fields.clear_errors()
        self.decision_fields.clear_errors()
        ctx = self._context
        try:
            packages.reject(ctx.store, ctx.user, entry.package.id, self.reason.text())
        except ServiceError as exc:
            self._refused(exc)
            return
        self._selected = None
        self.reason.clear()
        self.refresh()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # on to the next package
        show_banner(
            self.message,
            f"Rejected {entry.household_reference} ({entry.lead_name}). "
            "Your reason is kept with the decision.",
        )
