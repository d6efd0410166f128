"""Record a visit: point of need, policy flags, stated costs and the four capitals.

The stage (policy part 3) is shown live as the scores change. Everything typed
is kept as a draft a second after the last keystroke.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from caseworker.domain import clock, labels
from caseworker.domain.assessment import (
    CAPITAL_HELP,
    CAPITALS,
    SCORE_LABELS,
    Capitals,
    stage_of,
)
from caseworker.domain.errors import CaseworkerError
from caseworker.domain.household import Household
from caseworker.domain.rules import AdjustedPackage, Adjustment, NoRulesInForce
from caseworker.domain.visit import NeedCategory, Visit, WorkEvent
from caseworker.services import drafts, drop_in, recommend, visits
from caseworker.services.errors import InvalidInput, VisitFactsRefused
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.recommendation import RecommendationPanel
from caseworker.ui.widgets import (
    ScoreMovesOn,
    banner,
    enter_presses,
    heading,
    help_text,
    scrolling,
    section,
    show_banner,
)

DRAFT_DELAY_MS = 1000
PACKAGE_KEY = "_package"  # the officer's package changes, kept in the draft
_FLAGS = (
    ("no_money_for_food_or_fuel", "No money for food or fuel this week"),
    ("unfamiliar_with_benefits", "Unfamiliar with the benefit system"),
    ("family_strain", "Family strain reported"),
    ("substance_use", "Substance use reported"),
)
CAPITAL_LETTERS = {"financial": "f", "mental": "m", "social": "s", "human": "h"}
_SCORES: list[tuple[str | None, str]] = [(None, "Not scored yet")] + [
    (str(score), text) for score, text in SCORE_LABELS.items()
]


class VisitPage(QWidget):
    # Household, what happened, and to its package: "" (none, or not decided), "yes"
    # (today's yes given) or "refused" (asked for and refused: the package waits).
    saved = Signal(object, str, str)
    back = Signal(object)  # Household

    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self.household: Household | None = None
        self._decision = recommend.DecisionContext((), None)
        self._last: tuple[Visit, list[Adjustment], AdjustedPackage, dict[str, str]] | None = None
        self._loading = False
        self.last_package: uuid.UUID | None = None  # the package the last save made, if any
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)

        layout = QVBoxLayout(self)
        self.title = heading("Record a visit")
        layout.addWidget(self.title)
        self.message = banner()
        layout.addWidget(self.message)
        # Case menu, Back, Save; f, m, s and h kept for the four capitals (Alt+F, Alt+M,
        # Alt+S, Alt+H: straight to each score, wherever the officer is on the form).
        self.fields = FieldSet(self._changed, set("cbvr") | set(CAPITAL_LETTERS.values()))
        # The form on the left; on the right, always in view as the officer types, the
        # live stage, package and each item's "why" (issue 18: the package once sat
        # about 35 fields down the form).
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self._need())
        column.addWidget(self._costs())
        column.addWidget(self._capitals())
        column.addStretch(1)
        box, form = section("Recommended package (policy parts 4 to 7)")
        self.panel = RecommendationPanel()
        self.panel.items.changed.connect(self._changed)
        form.addRow(self.panel)
        self.form_area, self.package_area = scrolling(inner), scrolling(box)
        self.form_area.setObjectName("visit form")
        self.package_area.setObjectName("visit package")
        columns = QHBoxLayout()
        columns.addWidget(self.form_area, 5)
        columns.addWidget(self.package_area, 6)
        layout.addLayout(columns, 1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("&Back to household")
        self.back_button.setAccessibleName("Back to household")
        self.back_button.setAutoDefault(True)  # Enter presses it when it has the focus
        self.back_button.setToolTip("Alt+Left. Your typing is kept as a draft.")
        self.save_button = QPushButton("Sa&ve visit")
        self.save_button.setAccessibleName("Save visit")
        self.save_button.setAutoDefault(True)
        self.save_button.setToolTip("Ctrl+S")
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.leave)
        self.save_button.clicked.connect(self.save)
        self.fields.focus_chain()
        enter_presses(inner, self.save_button)  # Enter in a field saves, as on a paper form

    def _need(self) -> QWidget:
        box, form = section("The visit and the point of need")
        f = self.fields
        f.date(form, "visit_date", "Visit date", recent=True)
        f.line(form, "venue", "Venue")
        f.text(
            form,
            "point_of_need",
            "Point of need",
            "What the household told you, in their own words.",
        )
        f.checks(form, "need_categories", "Need categories", labels.choices(NeedCategory))
        for name, text in _FLAGS:
            f.check(form, name, text)
        f.date(
            form,
            "hearing_date",
            "Possession or eviction hearing",
            "dd/mm/yyyy, if any",
            recent=True,
        )
        return box

    def _costs(self) -> QWidget:
        box, form = section("Stated costs")
        f = self.fields
        f.choice(form, "work_event", "Getting to work", labels.choices(WorkEvent, "None"))
        f.date(form, "work_event_date", "Date of job, interview or hours", recent=True)
        self.work_member = f.choice(form, "work_member_id", "Who is getting to work", [])
        f.line(form, "getting_to_work_cost_pence", "Travel or clothing cost (£)")
        f.line(form, "tools_cost_pence", "Tools or equipment cost (£)")
        f.line(form, "course_fee_pence", "Course fee (£)")
        self.course_member = f.choice(form, "course_member_id", "Who has the course place", [])
        f.line(form, "childcare_cost_pence", "Childcare cost (£)")
        return box

    def _capitals(self) -> QWidget:
        box, form = section("Four capitals assessment")
        scores = []
        for name in CAPITALS:
            self.fields.free_letter(CAPITAL_LETTERS[name])
            score = self.fields.choice(
                form, name, f"{name.capitalize()} capital", _SCORES, CAPITAL_HELP[name]
            )
            scores.append(score)
            help_label = help_text(CAPITAL_HELP[name])
            form.addRow("", help_label)
        ScoreMovesOn(scores)  # four digits score all four
        self.stage = QLabel()
        self.stage.setProperty("role", "stage")
        self.stage.setAccessibleName("Stage")
        form.addRow("Stage:", self.stage)
        return box

    # -- loading --------------------------------------------------------------
    @property
    def draft_subject(self) -> str:
        return str(self.household.id) if self.household else ""

    def start(self, household: Household) -> None:
        """Open a new visit for ``household``, restoring an unsaved draft if there is one."""
        self._loading = True
        self.household = household
        self._decision = recommend.decision_context(
            self._context.store, self._context.user, household.id, self._today()
        )
        self.panel.items.restore([])
        self.title.setText(f"Record a visit — {household.reference}")
        self.title.setAccessibleName(self.title.text())
        self.message.hide()
        self.fields.clear_errors()
        people: list[tuple[str | None, str]] = [(None, "Not stated")] + [
            (str(m.id), m.full_name) for m in household.members
        ]
        for combo in (self.work_member, self.course_member):
            _fill(combo, people)
        blank: dict[str, Any] = {name: "" for name in self.fields.widgets} | {
            "visit_date": clock.today().strftime("%d/%m/%Y"),
            "need_categories": [],
            **{name: False for name, _ in _FLAGS},
            **{
                name: None
                for name in (*CAPITALS, "work_event", "work_member_id", "course_member_id")
            },
        }
        self.fields.set_values(blank)
        draft = drafts.load_draft(
            self._context.store, self._context.user, "visit", self.draft_subject
        )
        if draft is not None:
            self.fields.set_values(draft)
            self.panel.items.restore(draft.get(PACKAGE_KEY, []))
            show_banner(self.message, "Restored the visit you had not finished.")
        self._loading = False
        self.update_stage()
        self.update_recommendation()

    def focus_first(self) -> None:
        """The point of need: the visit date is today's already (change it with Alt+I)."""
        self.fields.widgets["point_of_need"].setFocus()

    def update_stage(self) -> None:
        values = self.fields.values()
        try:
            capitals = Capitals.model_validate({name: values[name] for name in CAPITALS})
        except ValueError:
            capitals = Capitals()
        stage = stage_of(capitals)
        text = f"{int(stage)} — {stage.label}" if stage else "Score all four capitals"
        self.stage.setText(text)
        self.stage.setAccessibleDescription(text)

    def _visit(self) -> Visit | None:
        assert self.household is not None
        try:
            return visits.build_visit(
                self.fields.values() | {"household_id": str(self.household.id)}
            )
        except InvalidInput:
            return None

    def update_recommendation(self) -> bool:
        """Re-run the engine on what is typed; False while the form cannot be read."""
        rules = self._context.rules
        self.panel.show_rules_state(rules.describe(), rules.using_fallback)
        visit = self._visit()
        if visit is None or self.household is None:
            self.panel.summary.setText(
                "Correct the fields marked in red to update the recommendation."
            )
            return False
        adjustments, errors = self.panel.items.adjustments()
        try:
            rec, adjusted = recommend.preview(
                rules.current(), self.household, visit, self._decision, adjustments
            )
        except NoRulesInForce as exc:
            self.panel.summary.setText(str(exc))
            return False
        except VisitFactsRefused as exc:  # e.g. a member born after the visit date
            self.panel.summary.setText(" ".join(f"{p}." for p in exc.problems))
            return False
        self._last = (visit, adjustments, adjusted, errors)
        self.panel.display(rec, adjusted, errors)
        return True

    # -- saving ---------------------------------------------------------------
    def _changed(self) -> None:
        if not self._loading:
            self.update_stage()
            self.update_recommendation()
            self._draft_timer.start()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        if self.household is not None:
            drafts.save_draft(
                self._context.store,
                self._context.user,
                "visit",
                self.draft_subject,
                self.fields.values(),
            )

    def save(self, yes_today: bool = False) -> bool:
        """Save the visit with its recommendation; propose the package if there is money in it.

        The package starts as "recommended": saying yes today or sending it to a
        manager happens on the household's Packages tab, where it lands next. With
        ``yes_today`` (Ctrl+Y) the same service call also says today's yes; a refused
        yes still saves the visit and its package, and the banner says both.
        """
        self.last_package = None
        if self.household is None:
            return False
        self.fields.clear_errors()
        values = self.fields.values() | {"household_id": str(self.household.id)}
        try:
            visit = visits.build_visit(values)
        except InvalidInput as exc:
            self.fields.show_errors(exc.fields)
            show_banner(
                self.message, "Not saved. Please correct the fields marked below.", error=True
            )
            return False
        if not self.update_recommendation() or self._last is None:
            show_banner(self.message, f"Not saved. {self.panel.summary.text()}", error=True)
            return False
        _visit, adjustments, adjusted, errors = self._last
        problems = [*errors.values(), *(p.message for p in adjusted.problems)]
        if problems:
            show_banner(self.message, "Not saved. " + " ".join(problems), error=True)
            return False
        store, user, rules = self._context.store, self._context.user, self._context.rules
        try:
            saved = drop_in.save_visit(
                store,
                user,
                rules.current(),
                visit,
                adjustments,
                self._today(),
                self.draft_subject,
                yes_today=yes_today,
            )
        except CaseworkerError as exc:  # refused, or the disk/store failed: the form keeps it
            show_banner(self.message, f"Not saved. {exc}", error=True)
            return False
        self._draft_timer.stop()
        if saved.package is not None:
            self.last_package = saved.package.id
        outcome = "" if not yes_today or saved.package is None else "yes"
        if saved.yes_refused is not None:
            outcome = "refused"
        self.saved.emit(self.household, saved_note(saved, yes_today), outcome)
        return True

    def leave(self) -> None:
        self.flush()
        self.back.emit(self.household)

    def flush(self) -> None:
        if self._draft_timer.isActive():
            self.save_draft()


def saved_note(saved: drop_in.SavedVisit, yes_today: bool) -> str:
    """What the officer is told after saving: what did happen, a refused yes included."""
    if saved.package is None:
        if yes_today:
            return "Visit saved. It has no cash award, so there is no package to say yes to."
        return "Visit saved."
    if saved.yes_refused is not None:
        return (
            f"Visit saved; today's yes was refused. {saved.yes_refused} The package is on"
            " the Packages tab: send it to a team manager, or change it."
        )
    if yes_today:
        return (
            "Approved on the spot: today's yes. The visit is saved and the money came from"
            " your allowance."
        )
    return "Visit saved. The package is on the Packages tab, ready to decide."


def _fill(combo: QComboBox, options: list[tuple[str | None, str]]) -> None:
    combo.blockSignals(True)
    combo.clear()
    for value, text in options:
        combo.addItem(text, value)
    combo.blockSignals(False)
