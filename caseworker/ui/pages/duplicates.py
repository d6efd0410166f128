"""Duplicate households, for team managers: compare each likely pair side by side, merge, undo.

Laptops that were offline can each register the same family. The full scan
(``services.duplicates.scan``, seconds on a large store) runs in the
background; each pair found is listed with the evidence of both households
next to each other, so the manager can see for themselves before merging.
Merging moves nothing: the kept household shows everything of both and its
household cap counts both (policy 6.1). Every merge can be undone from the
list of recent merges.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain.dates import local_stamp
from caseworker.domain.users import Role
from caseworker.services import merge
from caseworker.services.errors import ServiceError
from caseworker.services.merge import Candidate, MergeRecord, Side
from caseworker.ui.context import AppContext
from caseworker.ui.models import RecordsModel
from caseworker.ui.widgets import (
    REFRESH_KEY,
    banner,
    button,
    heading,
    help_text,
    on_refresh_key,
    row_table,
    scrolling,
    show_banner,
    tab_chain,
)

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TEXT_ROLES = (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole)
_TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
EVIDENCE = ("Case reference", "Names", "Dates of birth", "Postcode", "Phone", "Email")


def when(instant: datetime) -> str:
    """A stored UTC instant in UK time (``domain.dates``), whatever the laptop's zone."""
    return local_stamp(instant)


def lead_name(side: Side) -> str:
    return f"{side.people[0].first_name} {side.people[0].surname}" if side.people else ""


def evidence_cells(side: Side) -> tuple[str, ...]:
    """One household's evidence, one line per member where there are several."""
    return (
        side.reference,
        "\n".join(f"{p.first_name} {p.surname}" for p in side.people) or "(none)",
        "\n".join(
            f"{p.date_of_birth:%d/%m/%Y}" if p.date_of_birth else "Not recorded"
            for p in side.people
        )
        or "(none)",
        side.postcode or "(blank)",
        side.phone or "(blank)",
        side.email or "(blank)",
    )


class _Records(RecordsModel):
    """Records whose rows may wrap: they read from the top line."""

    ALIGN = _TOP_LEFT
    RIGHT_ALIGN = _RIGHT


class PairsModel(_Records):
    """Likely pairs, best first: how sure, the two households, and why."""

    HEADERS = ("Score", "Left household", "Right household", "Why they look alike")
    RIGHT = frozenset({0})

    def set_pairs(self, pairs: Sequence[Candidate]) -> None:
        self._set(pairs)

    def pair(self, row: int) -> Candidate | None:
        found: Candidate | None = self._at(row)
        return found

    def pairs(self) -> list[Candidate]:
        return list(self._records)

    def _cells(self, record: Any) -> tuple[str, ...]:
        c: Candidate = record
        return (
            str(c.score),
            f"{c.left.reference}  {lead_name(c.left)}",
            f"{c.right.reference}  {lead_name(c.right)}",
            c.why,
        )


class EvidenceModel(_Records):
    """The selected pair side by side: one row per kind of evidence."""

    HEADERS = ("Evidence", "Left", "Right")

    def show_pair(self, pair: Candidate | None) -> None:
        if pair is None:
            self._set([])
            return
        left, right = evidence_cells(pair.left), evidence_cells(pair.right)
        self._set(list(zip(EVIDENCE, left, right, strict=True)))

    def _cells(self, record: Any) -> tuple[str, ...]:
        cells: tuple[str, ...] = record
        return cells


class MergesModel(_Records):
    """Recent merges, newest first; an undone one says when and by whom."""

    HEADERS = ("Merged", "Kept", "Merged into it", "By", "Reason", "Now")

    def set_merges(self, merges: Sequence[MergeRecord]) -> None:
        self._set(merges)

    def merge(self, row: int) -> MergeRecord | None:
        found: MergeRecord | None = self._at(row)
        return found

    def _cells(self, record: Any) -> tuple[str, ...]:
        m: MergeRecord = record
        now = (
            f"Undone {when(m.undone_at)} by {m.undone_by}" if m.undone_at is not None else "Merged"
        )
        return (when(m.merged_at), m.kept_reference, m.merged_reference, m.merged_by, m.reason, now)


def fit_rows(view: QTableView) -> None:
    """As tall as its (wrapped) rows, so the side-by-side view needs no scrolling."""
    view.resizeRowsToContents()
    rows = sum(view.rowHeight(r) for r in range(view.model().rowCount()))
    height = rows or view.verticalHeader().defaultSectionSize()
    view.setFixedHeight(
        height + view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
    )


def _wrapping(view: QTableView) -> None:
    """Rows grow to show wrapped text whole (several members, a long reason)."""
    view.setWordWrap(True)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


class DuplicatesPage(QWidget):
    """Pairs, their evidence and the merge buttons; recent merges and Undo. Alt+Left goes back."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.scanning = False
        self._merged_here: set[uuid.UUID] = set()  # archived since the scan started
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Duplicate households"))
        explain = help_text(
            "Households that look like the same family, for example registered twice on "
            "two laptops. Compare the evidence, then merge into the record to keep: nothing "
            "is moved or lost, the kept household shows everything of both, and one "
            "household cap counts both (6.1). A merge can be undone below."
        )
        layout.addWidget(explain)
        self.message = banner()
        layout.addWidget(self.message)

        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the scan reports no steps: a busy indicator
        self.progress.setAccessibleName("Scanning")
        self.progress.setMaximumWidth(200)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = QLabel()
        self.status.setAccessibleName("Scan status")
        self.status.setWordWrap(True)
        self.scan_button = button("&Scan again", f"Look for likely pairs again ({REFRESH_KEY})")
        busy.addWidget(self.progress)
        busy.addWidget(self.status, 1)
        busy.addWidget(self.scan_button)
        layout.addLayout(busy)
        # The lists scroll as a whole at 200% text, rather than squeezing into each other
        # (no word-wrapped label inside: it would make the area size to its hint).
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scrolling(inner), 1)

        pairs_label = QLabel("Likely &pairs")
        column.addWidget(pairs_label)
        self.model = PairsModel()
        self.table = row_table(self.model, "Likely pairs")
        self.table.setMinimumHeight(110)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        _wrapping(self.table)
        pairs_label.setBuddy(self.table)
        column.addWidget(self.table, 2)

        evidence_label = QLabel("Side by side")
        column.addWidget(evidence_label)
        self.evidence_model = EvidenceModel()
        self.evidence = row_table(self.evidence_model, "Side by side")
        self.evidence.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.evidence.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the pair list holds the focus
        header = self.evidence.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        _wrapping(self.evidence)
        evidence_label.setBuddy(self.evidence)
        column.addWidget(self.evidence)  # as tall as its rows: the pair list takes the rest

        row = QHBoxLayout()
        self.left_button = button("Merge into &left", "Keep the left household; archive the right")
        self.right_button = button(
            "Merge into &right", "Keep the right household; archive the left"
        )
        row.addWidget(self.left_button)
        row.addWidget(self.right_button)
        row.addStretch(1)
        column.addLayout(row)

        merges_label = QLabel("Recent &merges")
        column.addWidget(merges_label)
        self.merges_model = MergesModel()
        self.merges = row_table(self.merges_model, "Recent merges")
        self.merges.setMinimumHeight(70)
        header = self.merges.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        _wrapping(self.merges)
        merges_label.setBuddy(self.merges)
        column.addWidget(self.merges, 1)
        undo_row = QHBoxLayout()
        self.undo_button = button("&Undo the selected merge", "Both households come back apart")
        undo_row.addWidget(self.undo_button)
        undo_row.addStretch(1)
        column.addLayout(undo_row)

        self.scan_button.clicked.connect(self.scan)
        self.left_button.clicked.connect(lambda: self.merge_into("left"))
        self.right_button.clicked.connect(lambda: self.merge_into("right"))
        self.undo_button.clicked.connect(self.undo)
        # Enter on a pair or a merge goes to the button that acts on it (a merge then asks
        # why, so nothing is merged by Enter alone); Enter there presses it.
        self.table.activated.connect(lambda _index: self._to_button(self.left_button))
        self.merges.activated.connect(lambda _index: self._to_button(self.undo_button))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.merges.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        on_refresh_key(self, self.refresh)
        chain: list[QWidget] = [self.scan_button, self.table, self.left_button, self.right_button]
        chain += [self.merges, self.undo_button]
        tab_chain(chain)
        self._enable()

    @staticmethod
    def _to_button(push: QPushButton) -> None:
        if push.isEnabled():
            push.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- loading --------------------------------------------------------------
    def refresh(self) -> None:
        """Opening the page: the recent merges now, the scan in the background."""
        if self._context.user.role is not Role.MANAGER:
            show_banner(self.message, "Only a team manager can merge households.", error=True)
            return
        self.load_merges()
        self.scan()

    def load_merges(self) -> None:
        ctx = self._context
        self.merges_model.set_merges(merge.recent_merges(ctx.store, ctx.user))
        if self.merges_model.rowCount():
            self.merges.selectRow(0)
        self._enable()

    def scan(self) -> None:
        """Run the full scan off the GUI thread; the window stays usable meanwhile."""
        if self.scanning:
            return
        ctx = self._context
        store, user = ctx.store, ctx.user
        self.scanning = True
        self._merged_here = set()
        self.progress.show()
        self.scan_button.setEnabled(False)
        self.status.setText("Looking for households that look like the same family…")
        ctx.tasks.run(lambda: merge.candidates(store, user), self._scanned)

    def _scanned(self, result: Any, error: BaseException | None) -> None:
        self.scanning = False
        self.progress.hide()
        self.scan_button.setEnabled(True)
        if isinstance(error, ServiceError):
            self.status.setText("")
            show_banner(self.message, f"The scan did not finish: {error}", error=True)
            return
        if error is not None:
            raise error  # a bug: the notifier reports it
        merged = self._merged_here  # merged while the scan ran: no longer a pair
        pairs = [
            c
            for c in result
            if c.left.household_id not in merged and c.right.household_id not in merged
        ]
        self._show_pairs(pairs)

    def _show_pairs(self, pairs: list[Candidate]) -> None:
        self.model.set_pairs(pairs)
        many = len(pairs) != 1
        self.status.setText(
            f"{len(pairs)} likely {'pairs' if many else 'pair'}, most alike first."
            if pairs
            else "No likely duplicates: no two live households look like one family."
        )
        self.status.setAccessibleName(self.status.text())
        if pairs:
            self.table.selectRow(0)
        self._show_current()

    def current(self) -> Candidate | None:
        return self.model.pair(self.table.currentIndex().row())

    def current_merge(self) -> MergeRecord | None:
        return self.merges_model.merge(self.merges.currentIndex().row())

    def _show_current(self) -> None:
        pair = self.current()
        self.evidence_model.show_pair(pair)
        fit_rows(self.evidence)
        self._enable()

    def _enable(self) -> None:
        pair = self.current()
        for push, side, keep, other in (
            (self.left_button, "&left", pair and pair.left, pair and pair.right),
            (self.right_button, "&right", pair and pair.right, pair and pair.left),
        ):
            push.setEnabled(pair is not None)
            text = f"Merge into {side}" + (f" (keep {keep.reference})" if keep else "")
            push.setText(text)
            push.setAccessibleName(text.replace("&", ""))
            push.setToolTip(
                f"Keep {keep.reference}; {other.reference} is archived and read through it"
                if keep and other
                else "Choose a pair first"
            )
        chosen = self.current_merge()
        self.undo_button.setEnabled(chosen is not None and not chosen.undone)

    # -- deciding -------------------------------------------------------------
    def merge_into(self, side: str) -> None:
        """Merge the other household of the selected pair into the one on ``side``."""
        pair = self.current()
        if pair is None:
            return
        kept, merged = (pair.left, pair.right) if side == "left" else (pair.right, pair.left)
        ctx = self._context
        reason = ctx.dialogs.ask_text(
            self,
            "Merge households",
            f"Merge {merged.reference} into {kept.reference}. Why are they one family?",
        )
        if reason is None:
            return
        try:
            done = merge.merge_households(
                ctx.store, ctx.user, kept.household_id, merged.household_id, reason
            )
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        self._merged_here.add(merged.household_id)
        row = self.table.currentIndex().row()
        left = [
            c
            for c in self.model.pairs()
            if merged.household_id not in (c.left.household_id, c.right.household_id)
        ]
        self._show_pairs(left)
        if left:
            self.table.selectRow(min(row, len(left) - 1))
        self.load_merges()
        show_banner(
            self.message,
            f"Merged {done.merged_reference} into {done.kept_reference}: everything of both "
            f"now shows on {done.kept_reference}. Undo it below if this was a mistake.",
        )
        self.table.setFocus()

    def undo(self) -> None:
        chosen = self.current_merge()
        if chosen is None or chosen.undone:
            return
        ctx = self._context
        try:
            done = merge.undo_merge(ctx.store, ctx.user, chosen.id)
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        self.load_merges()
        show_banner(
            self.message,
            f"Undone: {done.merged_reference} and {done.kept_reference} are separate again.",
        )
        self.scan()  # the pair comes back
        self.merges.setFocus()
