"""The recommended package beside the visit form, updated as the officer types.

The officer may lower or remove an item, or raise or add one as an exception
with a written reason (6.5); the engine decides what each change means and
the route it forces. Nothing here decides policy: it shows the engine's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain.money import MoneyError, format_pence, parse_pounds
from caseworker.domain.rules import AdjustedPackage, Adjustment, Recommendation
from caseworker.ui.models import ListTableModel
from caseworker.ui.widgets import banner, show_banner

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
AMOUNT, REASON = 2, 3


class PackageItemsModel(QAbstractTableModel):
    """One row per award item of the policy: recommended amount, the officer's amount, reason."""

    HEADERS = ("Item", "Recommended", "Amount (£)", "Exception reason", "Why")
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[dict[str, Any]] = []
        self._explanations: dict[str, str] = {}

    def set_recommendation(self, rec: Recommendation, adjusted: AdjustedPackage) -> None:
        """Refresh amounts and explanations, keeping what the officer typed."""
        typed = {r["clause"]: (r["amount"], r["reason"]) for r in self._rows}
        self.beginResetModel()
        self._rows = []
        # The engine's reason (with the facts that fired it), then the officer's change.
        explained = {i.clause: i.explanation for i in rec.items}
        explained |= {n.clause: n.explanation for n in rec.not_recommended}
        for item in adjusted.items:
            if item.change != "unchanged":
                explained[item.clause] = f"{explained.get(item.clause, '')} {item.explanation}"
        for term in rec.terms:
            amount, reason = typed.get(term.clause, ("", ""))
            self._rows.append(
                {
                    "clause": term.clause,
                    "item": f"{term.clause} {term.item}",
                    "recommended": term.recommended_pence,
                    "amount": amount,
                    "reason": reason,
                }
            )
        self._explanations = explained
        self.endResetModel()

    def adjustments(self) -> tuple[list[Adjustment], dict[str, str]]:
        """The officer's changes, and any amount that is not money (by clause)."""
        out, errors = [], {}
        for row in self._rows:
            text = str(row["amount"]).strip()
            if not text and not row["reason"]:
                continue
            try:
                pence = parse_pounds(text) if text else row["recommended"]
            except MoneyError as exc:
                errors[row["clause"]] = f"{row['item']}: the amount {exc}"
                continue
            out.append(Adjustment(row["clause"], pence, str(row["reason"])))
        return out, errors

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role in (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == 0:
                return row["item"]
            if column == 1:
                return format_pence(row["recommended"]) if row["recommended"] else "—"
            if column == AMOUNT:
                return row["amount"] or (
                    "as recommended"
                    if role != Qt.ItemDataRole.ToolTipRole
                    else "Type a lower amount, 0 to remove, or more as an exception"
                )
            if column == REASON:
                return row["reason"]
            return self._explanations.get(row["clause"], "")
        if role == _EDIT and index.column() in (AMOUNT, REASON):
            return row["amount" if index.column() == AMOUNT else "reason"]
        return None

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or index.column() not in (AMOUNT, REASON):
            return False
        self._rows[index.row()]["amount" if index.column() == AMOUNT else "reason"] = str(value)
        self.dataChanged.emit(index, index, [role])
        self.changed.emit()
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.column() in (AMOUNT, REASON):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def restore(self, typed: Sequence[dict[str, str]]) -> None:
        """Bring back amounts and reasons from a draft (before the first recommendation)."""
        self.beginResetModel()
        self._rows = [
            {
                "clause": t["clause"],
                "item": t["clause"],
                "recommended": 0,
                "amount": t["amount"],
                "reason": t["reason"],
            }
            for t in typed
        ]
        self.endResetModel()

    def typed(self) -> list[dict[str, str]]:
        """What the officer typed, for the draft."""
        return [
            {"clause": r["clause"], "amount": str(r["amount"]), "reason": str(r["reason"])}
            for r in self._rows
            if r["amount"] or r["reason"]
        ]


class RecommendationPanel(QWidget):
    """Stage and eligibility, items (editable), total and route, referrals, gaps and what-ifs."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rules_note = banner()
        layout.addWidget(self.rules_note)
        self.summary = _label("Recommendation summary")
        layout.addWidget(self.summary)
        self.items = PackageItemsModel()
        self.items_view = _table(self.items, "Package items", stretch_last=True)
        self.items_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        _give_why_the_room(self.items_view)
        layout.addWidget(self.items_view)
        self.total = _label("Package total and approval route")
        self.total.setProperty("role", "stage")
        layout.addWidget(self.total)
        self.problems = _label("Problems with the officer's changes")
        self.problems.setProperty("role", "error")
        layout.addWidget(self.problems)
        self.referrals = ListTableModel(("Referral", "Why"))
        layout.addWidget(QLabel("Referrals"))
        self.referrals_view = _table(self.referrals, "Referrals", stretch_last=True)
        layout.addWidget(self.referrals_view)
        self.gaps = ListTableModel(("Clause", "Missing fact or what would change the outcome"))
        layout.addWidget(QLabel("Missing facts and what-ifs"))
        self.gaps_view = _table(self.gaps, "Missing facts and what-ifs", stretch_last=True)
        layout.addWidget(self.gaps_view)
        layout.addStretch(1)

    def show_rules_state(self, text: str, fallback: bool) -> None:
        if fallback:
            show_banner(self.rules_note, text, error=True)
        else:
            self.rules_note.hide()

    def display(
        self,
        rec: Recommendation,
        adjusted: AdjustedPackage,
        input_errors: dict[str, str],
    ) -> None:
        stage = f"Stage {rec.stage} — {rec.stage_name}" if rec.stage else "Stage not decided"
        if rec.eligible:
            eligibility = "Eligible for a cash award."
        else:
            failed = ", ".join(rec.failed_clauses + rec.undecided_clauses)
            eligibility = f"No cash award: clause {failed} not met or not decided."
        self.summary.setText(f"Policy {rec.policy_version}. {stage}. {eligibility}")
        self.items.set_recommendation(rec, adjusted)
        self.total.setText(
            f"Total {format_pence(adjusted.total_pence)}. {adjusted.route_explanation}"
        )
        problems = [*input_errors.values(), *(p.message for p in adjusted.problems)]
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.referrals.set_rows([(f"{r.clause} {r.service}", r.explanation) for r in rec.referrals])
        self.gaps.set_rows(
            [(", ".join(m.clauses), m.explanation) for m in rec.missing_facts]
            + [(w.clause, w.explanation) for w in rec.what_if]
        )
        for label in (self.summary, self.total):
            label.setAccessibleDescription(label.text())
        for view in (self.items_view, self.referrals_view, self.gaps_view):
            view.resizeRowsToContents()
            view.updateGeometry()  # as tall as its rows now are


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _give_why_the_room(view: QTableView) -> None:
    """Item names and reasons wrap in set widths; the "why" takes the rest of the row, so
    it is never squeezed off the side of the panel beside the form."""
    header = view.horizontalHeader()
    for column, width in ((0, 140), (REASON, 130)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        view.setColumnWidth(column, width)
    header.setSectionResizeMode(len(PackageItemsModel.HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


def _table(model: QAbstractTableModel, name: str, stretch_last: bool) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setTabKeyNavigation(False)
    view.setWordWrap(True)
    rows = view.verticalHeader()
    rows.hide()
    # Each row as tall as its wrapped "why", and each table as tall as its rows, so the
    # whole explanation shows beside the form without an ellipsis or a scroll bar.
    rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    view.setMinimumHeight(view.horizontalHeader().sizeHint().height() + 4)
    return view
