"""Policy-change impact, for team managers and the policy team: a draft rules folder against now.

Before a council adopts a change (raise the household cap, add a district) it
wants to know who would gain or lose a cash award, by which clause, whose
recommended package changes and what it does to the total spend. The screen
runs the same service as ``caseworker rules impact DRAFT_DIR``, in the
background (a large store takes seconds), and lists affected households by
case reference only: the comparison never reads a name, and neither does this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain.money import format_pence
from caseworker.domain.users import Role
from caseworker.services.errors import ServiceError
from caseworker.services.impact import (
    ClauseChange,
    DraftRulesInvalid,
    HouseholdChange,
    ImpactReport,
    policy_impact,
)
from caseworker.ui.context import AppContext
from caseworker.ui.models import Index, ListTableModel
from caseworker.ui.widgets import (
    banner,
    button,
    heading,
    help_text,
    row_table,
    scrolling,
    section,
    show_banner,
)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ELIGIBILITY_HEADERS = (
    "Clause",
    "Title",
    "Now met",
    "No longer met",
    "Households gaining",
    "Households losing",
)
REFERRAL_HEADERS = ("Clause", "Service", "Now made", "No longer made")
HOUSEHOLD_HEADERS = (
    "Case reference",
    "Latest visit",
    "Current rules",
    "Draft rules",
    "Difference",
    "Eligibility",
)
FIT_ROWS = 12  # a table grows to show this many rows, then scrolls


class FiguresModel(ListTableModel):
    """A read-only table whose ``figures`` columns align right, so the digits line up."""

    def __init__(self, headers: tuple[str, ...], figures: frozenset[int]) -> None:
        super().__init__(headers)
        self._figures = figures

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            figure = index.isValid() and index.column() in self._figures
            return _RIGHT if figure else None
        return super().data(index, role)


def signed(pence: int) -> str:
    """A change of money with its sign: +£50.00, -£20.00, £0.00."""
    return ("+" if pence > 0 else "") + format_pence(pence)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def eligibility_rows(changes: list[ClauseChange]) -> list[tuple[str, ...]]:
    return [
        (
            c.clause,
            c.title,
            f"{c.now_met:,}",
            f"{c.no_longer_met:,}",
            f"{c.gained:,}",
            f"{c.lost:,}",
        )
        for c in changes
    ]


def referral_rows(changes: list[ClauseChange]) -> list[tuple[str, ...]]:
    return [(c.clause, c.title, f"{c.now_met:,}", f"{c.no_longer_met:,}") for c in changes]


def _award(change: HouseholdChange) -> str:
    if change.draft_eligible and not change.current_eligible:
        return "Gains a cash award"
    if change.current_eligible and not change.draft_eligible:
        return "Loses its cash award"
    return "Eligible under both" if change.current_eligible else "Eligible under neither"


def fit_rows(view: QTableView, most: int = FIT_ROWS) -> None:
    """As tall as its rows (up to ``most``), so a short table leaves no empty box behind."""
    rows = view.model().rowCount()
    height = view.verticalHeader().defaultSectionSize() * max(1, min(rows, most))
    height += view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
    view.setFixedHeight(height)


def household_rows(changes: list[HouseholdChange]) -> list[tuple[str, ...]]:
    """Affected households by case reference (never a name), as the service sorts them."""
    return [
        (
            c.reference,
            f"{c.visit_date:%d/%m/%Y}",
            format_pence(c.current_pence),
            format_pence(c.draft_pence),
            signed(c.difference_pence),
            _award(c),
        )
        for c in changes
    ]


class ImpactPage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.draft: Path | None = None
        self.report: ImpactReport | None = None
        self.running = False

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Policy-change impact"))
        intro = help_text(
            "What a draft of the rules would change, before it is adopted: every household's "
            "latest visit is evaluated under the rules in force and under the draft. The draft "
            "folder is a full copy of the rules with edits, or a folder holding only the "
            "changed files."
        )
        layout.addWidget(intro)
        self.message = banner()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        caption = QLabel("Draft rules folder:")
        self.folder = QLabel("None chosen yet")
        self.folder.setAccessibleName("Draft rules folder")
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setWordWrap(True)
        self.choose_button = button("Choose the &draft folder…", "Then the comparison starts")
        self.again_button = button("Compare &again", "After editing the draft's files")
        self.again_button.setEnabled(False)
        row.addWidget(caption)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.again_button)
        layout.addLayout(row)

        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the service reports no steps: a busy indicator
        self.progress.setAccessibleName("Comparing")
        self.progress.setMaximumWidth(240)
        self.progress.setTextVisible(False)
        self.status = QLabel()
        self.status.setAccessibleName("Comparison status")
        self.status.setWordWrap(True)
        busy.addWidget(self.progress)
        busy.addWidget(self.status, 1)
        layout.addLayout(busy)
        self.progress.hide()

        self.results = scrolling(self._results())
        self.results.hide()  # until there is a report to show
        layout.addWidget(self.results, 1)
        layout.addStretch(0)  # takes the space while there are no results
        self.choose_button.clicked.connect(self.choose)
        self.again_button.clicked.connect(self.run)

    # -- building -------------------------------------------------------------
    def _results(self) -> QWidget:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)

        box, form = section("Households")
        self.households = QLabel()
        self.households.setWordWrap(True)
        self.households.setAccessibleName("Households compared")
        form.addRow(self.households)
        self.versions = help_text()
        self.versions.setAccessibleName("Rule versions")
        form.addRow(self.versions)
        column.addWidget(box)

        box, form = section("Total recommended spend")
        self.spend: dict[str, QLabel] = {}
        for name, text in (
            ("current", "Under the rules in force:"),
            ("draft", "Under the draft:"),
            ("change", "Change:"),
        ):
            value = QLabel()
            value.setObjectName(f"spend_{name}")
            value.setAccessibleName(text.rstrip(":"))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if name == "change":
                value.setProperty("role", "stage")
            caption = QLabel(text)
            caption.setBuddy(value)
            form.addRow(caption, value)
            self.spend[name] = value
        column.addWidget(box)

        box, form = section("Eligibility for a cash award (part 4), by clause")
        self.eligibility = QLabel()
        self.eligibility.setWordWrap(True)
        self.eligibility.setAccessibleName("Eligibility")
        form.addRow(self.eligibility)
        self.eligibility_model = FiguresModel(ELIGIBILITY_HEADERS, frozenset({2, 3, 4, 5}))
        self.eligibility_table = self._table(self.eligibility_model, "Eligibility by clause", 1)
        form.addRow(self.eligibility_table)
        column.addWidget(box)

        box, form = section("Referrals (part 7), by clause")
        self.referrals = QLabel()
        self.referrals.setWordWrap(True)
        self.referrals.setAccessibleName("Referrals")
        form.addRow(self.referrals)
        self.referral_model = FiguresModel(REFERRAL_HEADERS, frozenset({2, 3}))
        self.referral_table = self._table(self.referral_model, "Referrals by clause", 1)
        form.addRow(self.referral_table)
        column.addWidget(box)

        box, form = section("Households whose recommended total changes")
        self.changed = QLabel()
        self.changed.setWordWrap(True)
        self.changed.setAccessibleName("Households affected")
        form.addRow(self.changed)
        self.household_model = FiguresModel(HOUSEHOLD_HEADERS, frozenset({2, 3, 4}))
        self.household_table = self._table(self.household_model, "Households affected", 5)
        form.addRow(self.household_table)
        column.addWidget(box)
        column.addStretch(1)
        return inner

    def _table(self, model: FiguresModel, name: str, stretch: int) -> QTableView:
        view = row_table(model, name)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return view

    # -- running --------------------------------------------------------------
    def choose(self) -> None:
        """Ask for the draft folder (through the dialog service), then compare."""
        if self.running:
            return
        chosen = self._context.dialogs.choose_folder(self, "Choose the draft rules folder")
        if chosen is None:
            return
        self.draft = chosen
        self.folder.setText(str(chosen))
        self.folder.setAccessibleDescription(str(chosen))
        self.run()

    def run(self) -> None:
        """Compare in the background: the window stays usable while a large store is read."""
        draft = self.draft
        if draft is None or self.running:
            return
        ctx = self._context
        if ctx.user.role is not Role.MANAGER:  # the menu is the manager's; this makes sure
            show_banner(self.message, "Only a team manager can compare draft rules.", error=True)
            return
        base, override = ctx.rules.base, ctx.rules.override
        self._set_running(True)
        self.message.hide()
        self.status.setText(f"Comparing every household's latest visit under {draft.name}…")

        def work() -> ImpactReport:
            return policy_impact(ctx.store, draft, base=base, override=override)

        ctx.tasks.run(work, self._finished)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.progress.setVisible(running)
        self.status.setVisible(running)
        self.choose_button.setEnabled(not running)
        self.again_button.setEnabled(not running and self.draft is not None)

    def _finished(self, result: Any, error: BaseException | None) -> None:
        self._set_running(False)
        if isinstance(error, DraftRulesInvalid):
            self.results.hide()
            problems = "\n".join(str(p) for p in error.problems)
            show_banner(
                self.message,
                "These rules cannot be used, so nothing was compared. Correct each file at "
                f"the line shown, then compare again:\n{problems}",
                error=True,
            )
            return
        if isinstance(error, ServiceError | OSError):
            self.results.hide()
            show_banner(self.message, f"Nothing was compared: {error}", error=True)
            return
        if error is not None:
            raise error  # a bug: the notifier reports it
        assert isinstance(result, ImpactReport)
        self.show_report(result)

    # -- showing --------------------------------------------------------------
    def show_report(self, report: ImpactReport) -> None:
        self.report = report
        self.households.setText(
            f"{_count(report.households, 'household', 'households')}: latest visit compared "
            f"for {report.evaluated:,}; no visit {report.no_visit:,}; visit before the rules "
            f"{report.before_rules:,}; facts not valid {report.invalid:,}."
        )
        self.versions.setText(
            f"Rules in force: versions {', '.join(report.current_versions)}. "
            f"Draft: versions {', '.join(report.draft_versions)}."
        )
        self.spend["current"].setText(format_pence(report.current_spend_pence))
        self.spend["draft"].setText(format_pence(report.draft_spend_pence))
        self.spend["change"].setText(signed(report.spend_change_pence))
        for label in self.spend.values():
            label.setAccessibleDescription(label.text())

        eligibility = report.eligibility_changes()
        self.eligibility.setText(
            f"{_count(report.gained_eligibility, 'household gains', 'households gain')} a cash "
            f"award; {_count(report.lost_eligibility, 'household loses', 'households lose')} one."
            + ("" if eligibility else " No clause's outcome changes for any household.")
        )
        self.eligibility_model.set_rows(eligibility_rows(eligibility))
        self.eligibility_table.setVisible(bool(eligibility))
        fit_rows(self.eligibility_table)

        referrals = report.referral_changes()
        self.referrals.setText(
            f"{_count(len(referrals), 'clause changes', 'clauses change')} who is referred."
            if referrals
            else "No referral changes for any household."
        )
        self.referral_model.set_rows(referral_rows(referrals))
        self.referral_table.setVisible(bool(referrals))
        fit_rows(self.referral_table)

        self.changed.setText(
            f"{_count(len(report.changed), 'household', 'households')}, by case reference."
            if report.changed
            else "No household's recommended total changes."
        )
        self.household_model.set_rows(household_rows(report.changed))
        self.household_table.setVisible(bool(report.changed))
        fit_rows(self.household_table)
        for label in (self.households, self.eligibility, self.referrals, self.changed):
            label.setAccessibleDescription(label.text())
        self.results.show()
        if report.changed:  # the keyboard lands on the list of households affected
            self.household_table.setFocus(Qt.FocusReason.OtherFocusReason)
        show_banner(
            self.message,
            f"Compared. The draft changes the total recommended spend by "
            f"{signed(report.spend_change_pence)}.",
        )
