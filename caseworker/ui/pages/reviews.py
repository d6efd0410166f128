"""Follow-up reviews (policy part 8): the officer's reviews due and overdue, and the review form.

Twelve weeks after a package is approved the officer asks the household how
things stand: the four capitals scored again, and the outcomes the pilot
counts (home, work, debt plan, each referral taken up or not). The list puts
overdue reviews first and marks them in words as well as colour, so none is
forgotten; a team manager may list the whole team's. Recording is one service
call, made once: whatever it refuses is shown under the field it names. What
is typed is kept as a draft, as on the visit screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.assessment import (
    CAPITAL_HELP,
    CAPITALS,
    SCORE_LABELS,
    Capitals,
    Stage,
    stage_of,
)
from caseworker.domain.errors import describe
from caseworker.domain.money import format_pence
from caseworker.domain.reviews import DUE_SOON_DAYS, Outcomes, Review, ReviewState
from caseworker.domain.users import Role
from caseworker.services import drafts, packages, reviews, users, visits
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.forms import build
from caseworker.services.reviews import BeforeAfter, ReviewEntry
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.models import Index, ListTableModel
from caseworker.ui.widgets import (
    REFRESH_KEY,
    banner,
    button,
    enter_presses,
    heading,
    help_text,
    on_refresh_key,
    row_table,
    scrolling,
    section,
    show_banner,
    tab_chain,
)

DRAFT_DELAY_MS = 1000
DRAFT_KIND = "review"  # keyed by household id, so retention's draft clean-up finds it
# Alt+letters of this page: the Case menu, the list, "everyone", Refresh, Open household, Save.
TAKEN = frozenset("crefhv")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# The error banner's colours: high contrast, and the Status column says it in words too.
OVERDUE_BACKGROUND = QColor("#fdecea")
OVERDUE_TEXT = QColor("#5f0c0c")

_SCORES: list[tuple[str | None, str]] = [(None, "Not scored yet")] + [
    (str(score), text) for score, text in SCORE_LABELS.items()
]
# ``home_kept`` is None when the home was never at risk (the domain's default).
_HOME: list[tuple[str | None, str]] = [
    (None, "Not at risk: nothing to keep or lose"),
    ("yes", "Kept"),
    ("no", "Lost"),
]
_TAKEN_UP: list[tuple[str | None, str]] = [
    (None, "Not answered yet"),
    ("yes", "Taken up"),
    ("no", "Not taken up"),
]
WORK_OUTCOMES = ("job_started", "hours_restored", "training_started", "debt_plan_in_place")
BEFORE_AFTER_HEADERS = (
    "Visit",
    "Reviewed",
    "Financial",
    "Mental",
    "Social",
    "Human",
    "Stage",
    "Outcomes",
)


def _title(name: str) -> str:
    """The domain's own words for an outcome, so labels and error messages agree."""
    return Outcomes.model_fields[name].title or name


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def status_text(entry: ReviewEntry, today: date) -> str:
    """Where the review stands, in words (the colour is never the only sign)."""
    if entry.state is ReviewState.OVERDUE:
        return f"Overdue by {_days(entry.days_overdue)}"
    ahead = (entry.review.due_on - today).days
    return "Due today" if ahead <= 0 else "Due tomorrow" if ahead == 1 else f"Due in {ahead} days"


def _stage(stage: Stage | None) -> str:
    return f"{int(stage)} — {stage.label}" if stage else "not all four capitals scored"


class ReviewListModel(ListTableModel):
    """Open reviews, overdue first (as the service orders them); overdue rows are tinted."""

    HEADERS = (
        "Case reference",
        "Lead contact",
        "Officer",
        "Approved",
        "Package",
        "Review due",
        "Status",
    )
    OFFICER_COLUMN = 2
    MONEY_COLUMN = 4

    def __init__(self) -> None:
        super().__init__(self.HEADERS)
        self._entries: list[ReviewEntry] = []

    def set_entries(
        self, entries: Sequence[ReviewEntry], officers: dict[uuid.UUID, str], today: date
    ) -> None:
        self._entries = list(entries)
        self.set_rows(
            [
                (
                    e.household_reference,
                    e.lead_name or "No lead contact",
                    officers.get(e.review.officer_id, "") if e.review.officer_id else "",
                    f"{e.approved_on:%d/%m/%Y}",
                    format_pence(e.package_total_pence),
                    f"{e.review.due_on:%d/%m/%Y}",
                    status_text(e, today),
                )
                for e in self._entries
            ]
        )

    def entry(self, row: int) -> ReviewEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() == self.MONEY_COLUMN else None
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            entry = self.entry(index.row())
            if entry is None or entry.state is not ReviewState.OVERDUE:
                return None
            background = role == Qt.ItemDataRole.BackgroundRole
            return QBrush(OVERDUE_BACKGROUND if background else OVERDUE_TEXT)
        return super().data(index, role)


# -- before and after (the household page shows these) -------------------------------


def _change(was: int | None, now: int | None) -> str:
    def score(value: int | None) -> str:
        return "not scored" if value is None else str(int(value))

    return f"{score(was)} → {score(now)}"


def outcome_summary(outcomes: Outcomes) -> str:
    """The outcomes in one line: what happened, and how many referrals were taken up."""
    parts = []
    if outcomes.home_kept is not None:
        parts.append("home kept" if outcomes.home_kept else "home lost")
    parts += [_title(name).lower() for name in WORK_OUTCOMES if getattr(outcomes, name)]
    made = outcomes.referrals_taken_up
    if made:
        parts.append(f"{sum(made.values())} of {len(made)} referrals taken up")
    text = "; ".join(parts) or "none of the outcomes counted"
    return text[0].upper() + text[1:]


def before_after_rows(compared: Sequence[BeforeAfter]) -> list[tuple[str, ...]]:
    """One row per recorded review: each capital and the stage as "at the visit → at review"."""
    return [
        (
            f"{c.visit_date:%d/%m/%Y}" if c.visit_date else "No visit",
            f"{c.reviewed_on:%d/%m/%Y}",
            *(_change(getattr(c.before, name), getattr(c.after, name)) for name in CAPITALS),
            _change(c.stage_before, c.stage_after),
            outcome_summary(c.outcomes),
        )
        for c in compared
    ]


# -- the page ---------------------------------------------------------------------------


class ReviewsPage(QWidget):
    open_household = Signal(object)  # uuid.UUID

    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self._entry: ReviewEntry | None = None
        self._stage_before: Stage | None = None
        self._referrals: dict[str, QComboBox] = {}
        self._loading = False
        self._taken = set(TAKEN)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Follow-up reviews"))
        self.message = banner()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        list_label = QLabel("&Reviews due and overdue")
        self.everyone = QCheckBox("&Everyone's reviews (the whole team)")
        self.everyone.setAccessibleName("Everyone's reviews (the whole team)")
        self.everyone.setToolTip("Team managers: list every officer's reviews, not only yours.")
        self.refresh_button = button("Re&fresh", REFRESH_KEY)
        row.addWidget(list_label)
        row.addStretch(1)
        row.addWidget(self.everyone)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        self.model = ReviewListModel()
        self.table = row_table(self.model, "Reviews due and overdue")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(120)
        list_label.setBuddy(self.table)
        layout.addWidget(self.table, 2)
        self.count = QLabel()
        self.count.setAccessibleName("Reviews listed")
        layout.addWidget(self.count)

        layout.addWidget(scrolling(self._form()), 5)

        buttons = QHBoxLayout()
        self.open_button = button("Open &household", "See the household's record and timeline")
        self.save_button = button("Sa&ve review", "Ctrl+S")
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self.everyone.toggled.connect(lambda _on: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_entry())
        self.table.activated.connect(lambda _index: self.focus_form())
        self.open_button.clicked.connect(self._open_household)
        self.save_button.clicked.connect(self.save)
        enter_presses(self.form, self.save_button)  # Enter in the review's fields saves it
        on_refresh_key(self, self.refresh)
        self._show_entry()  # nothing chosen yet: the form waits for a review

    # -- building -------------------------------------------------------------
    def _form(self) -> QWidget:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setProperty("role", "stage")
        self.summary.setAccessibleName("Review")
        column.addWidget(self.summary)
        self.form = QWidget()
        sections = QVBoxLayout(self.form)
        sections.setContentsMargins(0, 0, 0, 0)
        self.fields = FieldSet(self._changed, self._taken)

        box, form = section("The four capitals now")
        self._at_visit: dict[str, QLabel] = {}
        for name in CAPITALS:
            self.fields.choice(
                form, name, f"{name.capitalize()} capital", _SCORES, CAPITAL_HELP[name]
            )
            note = help_text(CAPITAL_HELP[name])
            note.setAccessibleName(f"{name.capitalize()} capital at the visit")
            form.addRow("", note)
            self._at_visit[name] = note
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        self.stage.setProperty("role", "stage")
        self.stage.setAccessibleName("Stage")
        form.addRow("Stage:", self.stage)
        sections.addWidget(box)

        box, form = section("Outcomes since the visit")
        self.fields.choice(
            form,
            "home_kept",
            "Home kept or lost",
            _HOME,
            "Was the home kept? Leave it as not at risk if it never was.",
        )
        for name in WORK_OUTCOMES:
            self.fields.check(form, name, _title(name))
        sections.addWidget(box)

        self.referrals_box, self.referrals_form = section("Referrals made at the visit")
        sections.addWidget(self.referrals_box)

        box, form = section("Anything else")
        self.fields.text(
            form,
            "notes",
            "Notes",
            "Anything the figures do not say. Kept with the review; erased at retention.",
        )
        sections.addWidget(box)
        column.addWidget(self.form)
        column.addStretch(1)
        return inner

    def _rebuild_referrals(self, entry: ReviewEntry | None) -> None:
        """One "taken up?" question per referral the visit made; they differ per review."""
        while self.referrals_form.rowCount():
            self.referrals_form.removeRow(0)
        self.referral_fields = FieldSet(self._changed, set(self._taken))
        self._referrals = {}
        made = entry.referrals_at_visit if entry is not None else ()
        for referral in made:
            label = f"{referral.clause} {referral.service}".strip()
            self._referrals[referral.clause] = self.referral_fields.choice(
                self.referrals_form, f"referral_{referral.clause}", label, _TAKEN_UP
            )
        if not made:
            none = help_text("The visit made no referrals, so there is nothing to ask here.")
            self.referrals_form.addRow(none)
        main = self.fields.focus_chain()
        # As on screen: the list's options sit on the row above it.
        chain: list[QWidget] = [self.everyone, self.refresh_button, self.table]
        chain += [*main[:-1], *self._referrals.values(), main[-1]]  # notes come last
        chain += [self.open_button, self.save_button]
        tab_chain(chain)

    # -- showing --------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the lists, keeping the same review open where it is still listed."""
        ctx = self._context
        user = ctx.user
        manager = user.role is Role.MANAGER
        self.everyone.setVisible(manager)
        if not manager and self.everyone.isChecked():
            self.everyone.blockSignals(True)
            self.everyone.setChecked(False)
            self.everyone.blockSignals(False)
        everyone = self.everyone.isChecked()
        keep = self._entry.review.id if self._entry is not None else None
        today = self._today()
        try:
            lists = reviews.reviews_for(ctx.store, user, today, everyone=everyone)
            names = {u.id: u.name for u in users.list_users(ctx.store)} if everyone else {}
        except ServiceError as exc:
            self.model.set_entries([], {}, today)
            self._show_entry()
            self.count.setText("")
            show_banner(self.message, str(exc), error=True)
            return
        entries = [*lists.overdue, *lists.due]
        self.table.setColumnHidden(ReviewListModel.OFFICER_COLUMN, not everyone)
        self.model.set_entries(entries, names, today)
        ids = [e.review.id for e in entries]
        if entries:
            self.table.selectRow(ids.index(keep) if keep in ids else 0)
        self._show_entry()
        whose = "The team has" if everyone else "You have"
        if not entries:
            self.count.setText(
                f"{whose} no review overdue or due in the next {DUE_SOON_DAYS} days."
            )
        else:
            self.count.setText(
                f"{whose} {len(lists.overdue)} overdue (oldest first, marked in red) and "
                f"{len(lists.due)} due in the next {DUE_SOON_DAYS} days."
            )
        self.count.setAccessibleDescription(self.count.text())

    def current(self) -> ReviewEntry | None:
        return self.model.entry(self.table.currentIndex().row())

    def _show_entry(self) -> None:
        entry = self.current()
        shown = self._entry
        if entry is not None and shown is not None and entry.review.id == shown.review.id:
            return  # the same review: keep what is typed
        self.flush()  # what was typed for the previous review is kept as its draft
        self._entry = entry
        self._loading = True
        self._rebuild_referrals(entry)
        self.fields.clear_errors()
        self.form.setVisible(entry is not None)
        self.save_button.setEnabled(entry is not None)
        self.open_button.setEnabled(entry is not None)
        if entry is None:
            self.summary.setText("Choose a review in the list to record it here.")
            self._loading = False
            return
        self.summary.setText(self._summary(entry))
        self.summary.setAccessibleDescription(self.summary.text())
        blank: dict[str, Any] = {name: None for name in (*CAPITALS, "home_kept")}
        blank |= {name: False for name in WORK_OUTCOMES} | {"notes": ""}
        self.fields.set_values(blank)
        self.referral_fields.set_values({name: None for name in self.referral_fields.widgets})
        self._show_visit_scores(entry)
        draft = drafts.load_draft(
            self._context.store, self._context.user, DRAFT_KIND, str(entry.review.household_id)
        )
        if draft is not None and draft.get("review_id") == str(entry.review.id):
            self.fields.set_values(draft.get("fields", {}))
            self.referral_fields.set_values(draft.get("referrals", {}))
            show_banner(self.message, "Restored the review you had not finished.")
        self._loading = False
        self.update_stage()

    def _summary(self, entry: ReviewEntry) -> str:
        visit = f" after the visit of {entry.visit_date:%d/%m/%Y}" if entry.visit_date else ""
        due = f"Review due {entry.review.due_on:%d/%m/%Y}"
        when = status_text(entry, self._today())
        return (
            f"{entry.household_reference}, {entry.lead_name or 'no lead contact'}: "
            f"{format_pence(entry.package_total_pence)} approved on "
            f"{entry.approved_on:%d/%m/%Y}{visit}. {due}: {when[0].lower()}{when[1:]}."
        )

    def _visit_capitals(self, entry: ReviewEntry) -> Capitals | None:
        """The scores at the visit that led to the package, to re-score against."""
        ctx = self._context
        try:
            package = packages.get_package(ctx.store, entry.review.package_id)
            found = visits.visits_of(ctx.store, entry.review.household_id)
        except ServiceError:
            return None
        return next((v.capitals for v in found if v.id == package.visit_id), None)

    def _show_visit_scores(self, entry: ReviewEntry) -> None:
        before = self._visit_capitals(entry)
        self._stage_before = stage_of(before) if before is not None else None
        for name, note in self._at_visit.items():
            score = getattr(before, name) if before is not None else None
            at_visit = f"At the visit: {SCORE_LABELS[score]}. " if score is not None else ""
            note.setText(at_visit + CAPITAL_HELP[name])
            note.setAccessibleDescription(note.text())

    def update_stage(self) -> None:
        values = self.fields.values()
        try:
            stage = stage_of(Capitals.model_validate({name: values[name] for name in CAPITALS}))
        except ValidationError:
            stage = None
        text = _stage(stage).capitalize() if stage is None else _stage(stage)
        if self._entry is not None and self._stage_before is not None:
            text += f" (at the visit: {_stage(self._stage_before)})"
        self.stage.setText(text)
        self.stage.setAccessibleDescription(text)

    def focus_form(self) -> None:
        """Enter on a review in the list: start scoring it."""
        if self._entry is not None:
            self.fields.widgets[CAPITALS[0]].setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_household(self) -> None:
        if self._entry is not None:
            self.flush()
            self.open_household.emit(self._entry.review.household_id)

    # -- saving ---------------------------------------------------------------
    def _changed(self) -> None:
        if not self._loading:
            self.update_stage()
            self._draft_timer.start()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        entry = self._entry
        if entry is None:
            return
        drafts.save_draft(
            self._context.store,
            self._context.user,
            DRAFT_KIND,
            str(entry.review.household_id),
            {
                "review_id": str(entry.review.id),
                "fields": self.fields.values(),
                "referrals": self.referral_fields.values(),
            },
        )

    def flush(self) -> None:
        """Called when leaving, locking or closing: write a pending draft now."""
        if self._draft_timer.isActive():
            self.save_draft()

    def _read_form(self) -> tuple[Capitals, Outcomes]:
        """The scores and outcomes as typed; InvalidInput names every field that cannot be read."""
        values = self.fields.values()
        answers = {
            clause: combo.currentData() == "yes"
            for clause, combo in self._referrals.items()
            if combo.currentData() is not None
        }
        home = values["home_kept"]
        errors: dict[str, str] = {}
        scores, outcomes = Capitals(), Outcomes()
        try:
            scores = build(Capitals, {name: values[name] for name in CAPITALS})
        except InvalidInput as exc:
            errors |= exc.fields
        try:
            outcomes = build(
                Outcomes,
                {name: values[name] for name in WORK_OUTCOMES}
                | {"home_kept": None if home is None else home == "yes"}
                | {"referrals_taken_up": answers},
            )
        except InvalidInput as exc:
            errors |= exc.fields
        if errors:
            raise InvalidInput(errors)
        return scores, outcomes

    def save(self) -> bool:
        """Record the review (once); on a refusal, say which fields to correct."""
        entry = self._entry
        if entry is None:
            show_banner(self.message, "Choose a review in the list first.", error=True)
            return False
        ctx = self._context
        self.fields.clear_errors()
        self.referral_fields.clear_errors()
        try:
            scores, outcomes = self._read_form()
            recorded = reviews.record_review(
                ctx.store,
                ctx.user,
                entry.review.id,
                scores,
                outcomes,
                self._today(),
                notes=self.fields.values()["notes"],
            )
        except InvalidInput as exc:
            self._show_errors(exc.fields)
            return False
        except ValidationError as exc:  # the stored review checks its own fields (notes)
            self._show_errors(describe(exc, Review))
            return False
        except ServiceError as exc:
            show_banner(self.message, f"Not saved. {exc}", error=True)
            return False
        self._draft_timer.stop()
        drafts.discard_draft(ctx.store, ctx.user, DRAFT_KIND, str(entry.review.household_id))
        change = f"stage {_stage(self._stage_before)} at the visit, {_stage(recorded.stage)} now"
        self._entry = None
        self.refresh()
        show_banner(
            self.message,
            f"Review of {entry.household_reference} recorded: {change}. The household's "
            "Before and after tab shows every capital.",
        )
        return True

    def _show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; an unanswered referral is marked on its own question."""
        per_referral: dict[str, str] = {}
        if "referrals_taken_up" in errors:
            for clause, combo in self._referrals.items():
                if combo.currentData() is None:
                    per_referral[f"referral_{clause}"] = (
                        f"{combo.accessibleName()}: say whether it was taken up"
                    )
        unplaced = self.referral_fields.show_errors(per_referral)
        rest = {k: v for k, v in errors.items() if k != "referrals_taken_up"}
        unplaced += self.fields.show_errors(rest)
        if "referrals_taken_up" in errors and not per_referral:
            unplaced.append(errors["referrals_taken_up"])
        show_banner(
            self.message,
            " ".join(["Not saved. Please correct the fields marked below.", *unplaced]),
            error=True,
        )
