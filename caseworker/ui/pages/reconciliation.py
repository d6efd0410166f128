"""Reconciliation with finance, for a team manager (docs/payments.md, issue 20).

Every award's payment state after finance's files were imported (`caseworker
payments import FILE`): paid, failed, returned, paid twice, finance's lines that
fit no award, and awards approved but not paid after N days; and which of Pay.UK's
tables bank details are checked against. Routes are shown only as their masked
description; nothing on this page changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.money import format_pence
from caseworker.services import payments
from caseworker.services.errors import ServiceError
from caseworker.services.payments import AwardLine, Reconciliation
from caseworker.settings import current_settings
from caseworker.ui.context import AppContext
from caseworker.ui.models import Index, ListTableModel
from caseworker.ui.widgets import (
    REFRESH_KEY,
    banner,
    button,
    heading,
    on_refresh_key,
    row_table,
    show_banner,
    steady,
    tab_chain,
)

HEADERS = ("State", "Household", "Award", "Approved", "Payment", "Route", "On", "What to know")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_OUTCOME = {"paid": "paid", "failed": "failed", "returned": "returned"}


def _day(on: date | None) -> str:
    return on.strftime("%d/%m/%Y") if on else ""


def _award_row(state: str, line: AwardLine) -> tuple[str, ...]:
    return (
        state,
        line.household_reference,
        format_pence(line.amount_pence),
        _day(line.approved_on),
        line.reference or "none yet",
        line.route,
        _day(line.on),
        line.note,
    )


def reconciliation_rows(r: Reconciliation) -> list[tuple[str, ...]]:
    """What needs acting on first: paid twice, unmatched, unpaid, returned, failed; then paid."""
    unpaid = f"Approved, not paid after {r.unpaid_after_days} days"
    rows = [_award_row("Paid twice: ask finance to recover", a) for a in r.paid_twice]
    rows += [
        (
            "Finance line fits no award",
            "",
            format_pence(u.amount_pence),
            "",
            u.payment_reference,
            f"Finance's line {u.line_id}, {_OUTCOME.get(u.outcome.value, u.outcome.value)}",
            "",
            u.note,
        )
        for u in r.unmatched
    ]
    rows += [_award_row(unpaid, a) for a in r.unpaid_overdue]
    rows += [_award_row("Returned: back to the fund", a) for a in r.returned]
    rows += [_award_row("Failed: the officer sends it again", a) for a in r.failed]
    rows += [_award_row("Paid", a) for a in r.paid]
    return rows


def summary(r: Reconciliation) -> str:
    parts = [
        (len(r.paid), "paid"),
        (len(r.failed), "failed"),
        (len(r.returned), "returned"),
        (len(r.paid_twice), "paid twice"),
        (
            len(r.unmatched),
            "finance line that fits no award"
            if len(r.unmatched) == 1
            else "finance lines that fit no award",
        ),
        (len(r.unpaid_overdue), f"approved but not paid after {r.unpaid_after_days} days"),
    ]
    return ", ".join(f"{n} {what}" for n, what in parts) + "."


class ReconciliationModel(ListTableModel):
    def __init__(self) -> None:
        super().__init__(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.isValid() and index.column() == 2 else None
        return super().data(index, role)


class ReconciliationPage(QWidget):
    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self.result: Reconciliation | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Reconciliation with finance"))
        self.message = banner()
        layout.addWidget(self.message)
        intro = QLabel(
            "Each approved award and what finance's payment files say about it. "
            "Import a file with: caseworker payments import FILE."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.modulus_tables = QLabel()
        self.modulus_tables.setWordWrap(True)
        self.modulus_tables.setAccessibleName("Tables bank details are checked against")
        layout.addWidget(self.modulus_tables)

        row = QHBoxLayout()
        days_label = QLabel("List awards approved but not paid &after (days):")
        self.days = QSpinBox()
        steady(self.days)
        self.days.setRange(1, 120)
        self.days.setValue(current_settings().payment_unpaid_after_days)
        self.days.setAccessibleName("List awards approved but not paid after (days)")
        days_label.setBuddy(self.days)
        row.addWidget(days_label)
        row.addWidget(self.days)
        row.addStretch(1)
        layout.addLayout(row)

        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setAccessibleName("Reconciliation totals")
        layout.addWidget(self.counts)
        label = QLabel("A&wards and finance's lines")
        layout.addWidget(label)
        self.model = ReconciliationModel()
        self.table = row_table(self.model, "Awards and finance's lines")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        label.setBuddy(self.table)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.refresh_button = button("Re&fresh", REFRESH_KEY)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        self.refresh_button.clicked.connect(self.refresh)
        self.days.valueChanged.connect(self.refresh)
        on_refresh_key(self, self.refresh)
        tab_chain([self.days, self.table, self.refresh_button])

    def refresh(self) -> None:
        ctx = self._context
        if ctx.current_user is None:
            return
        self.modulus_tables.setText(
            payments.modulus_table_sentence(payments.modulus_table_info(ctx.store))
        )
        try:
            self.result = payments.reconciliation(
                ctx.store, ctx.user, self._today(), self.days.value()
            )
        except ServiceError as exc:
            self.result = None
            self.model.set_rows([])
            self.counts.clear()
            show_banner(self.message, str(exc), error=True)
            return
        self.message.hide()
        self.model.set_rows(reconciliation_rows(self.result))
        self.counts.setText(summary(self.result))
