"""Follow-up reviews on screen: the overdue list, the review form, and before and after.

The packages are approved through the services some days before the real
today (the window's clock), so "overdue by 6 days" is what an officer would
see that day; then the officer works the screen with the mouse and keyboard.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from caseworker.domain.household import Household
from caseworker.domain.reviews import MAX_REVIEW_NOTE_LENGTH
from caseworker.domain.users import User
from caseworker.services import fund, households, packages, reviews, visits
from caseworker.store.database import Store
from caseworker.ui.main_window import MainWindow
from caseworker.ui.pages.reviews import OVERDUE_BACKGROUND, ReviewListModel, ReviewsPage
from tests.conftest import FIXED_TODAY, PASSWORD
from tests.services.packages_fixtures import household_with_arrears, rules
from tests.ui.conftest import Key, Officer, error_label, table_rows

APPROVED_DAYS_AGO = 90  # due at 84 days: 6 days overdue


@dataclass
class Approved:
    household: Household
    package_id: uuid.UUID
    visit_day: date


def lead_name(case: Approved) -> str:
    lead = case.household.members[0]
    return f"{lead.first_name} {lead.surname}"


_FIRST_NAMES = itertools.cycle(["Ama", "Kofi", "Efua", "Yaw", "Akosua", "Kwame", "Abena"])


def approved_days_ago(
    store: Store, manager: User, officer: User, days: int, rent_arrears_pence: int = 12_000
) -> Approved:
    """A package the officer approved on the spot ``days`` ago, after a visit that day.

    The visit (scored 3, 2, 1, 1: stage 4) is saved with the rules, so its
    referrals are stored with it for the review to ask about.
    """
    day = FIXED_TODAY - timedelta(days=days)
    made = household_with_arrears(rent_arrears_pence)
    # A different family each time: the same person twice would be a likely duplicate (6.1).
    lead = made.members[0].model_copy(
        update={
            "earnings_fell_on": day - timedelta(days=20),
            "first_name": next(_FIRST_NAMES),
            "date_of_birth": made.members[0].date_of_birth - timedelta(days=days % 3650),
        }
    )
    household = households.create_household(
        store, officer, made.model_copy(update={"members": [lead]})
    )
    with contextlib.suppress(fund.FundRefused):  # already open for that financial year
        fund.open_fund(store, manager, 6_000_000, day)
    fund.grant_allowance(store, manager, officer.id, 20_000, day)
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": day.strftime("%d/%m/%Y"),
            "financial": "3",
            "mental": "2",
            "social": "1",
            "human": "1",
        }
    )
    ruleset = rules()
    visits.record_visit(store, officer, visit, rules=ruleset)
    package = packages.propose(store, officer, ruleset, visit.id, [], day)
    packages.approve_on_the_spot(store, officer, ruleset, package.id, day)
    return Approved(household, package.id, day)


def open_reviews(ui: Officer) -> ReviewsPage:
    """Case > Reviews due, by its shortcut."""
    ui.shortcut("Ctrl+Shift+D")
    page = ui.window.reviews
    assert ui.window.stack.currentWidget() is page
    return page


def click_row(ui: Officer, table: QTableView, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    ui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def combo(page: ReviewsPage, name: str) -> QComboBox:
    widget = {**page.fields.widgets, **page.referral_fields.widgets}[name]
    assert isinstance(widget, QComboBox)
    return widget


def check(page: ReviewsPage, name: str) -> QCheckBox:
    widget = page.fields.widgets[name]
    assert isinstance(widget, QCheckBox)
    return widget


def notes(page: ReviewsPage) -> QPlainTextEdit:
    widget = page.fields.widgets["notes"]
    assert isinstance(widget, QPlainTextEdit)
    return widget


def test_officer_records_an_overdue_review_and_the_household_shows_before_and_after(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    case = approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    reference = case.household.reference
    today, visited = FIXED_TODAY, f"{case.visit_day:%d/%m/%Y}"
    due = f"{case.visit_day + timedelta(days=84):%d/%m/%Y}"
    ui.sign_in()
    page = open_reviews(ui)

    # The overdue review, tinted, and how late it is in words.
    assert ui.focused is page.table
    assert table_rows(page.table) == [
        (reference, lead_name(case), "", visited, "£120.00", due, "Overdue by 6 days")
    ]
    tint = page.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QBrush) and tint.color() == OVERDUE_BACKGROUND
    assert page.table.isColumnHidden(ReviewListModel.OFFICER_COLUMN)  # all of them are hers
    assert not page.everyone.isVisible()  # an officer sees only her own
    assert page.count.text() == (
        "You have 1 overdue (oldest first, marked in red) and 0 due in the next 14 days."
    )

    # Open it: click the row, Enter starts the form at the first capital.
    click_row(ui, page.table, 0)
    ui.press(Key.Key_Return)
    assert ui.focused is page.fields.widgets["financial"]
    assert page.summary.text() == (
        f"{reference}, {lead_name(case)}: £120.00 approved on {visited} after the visit of "
        f"{visited}. Review due {due}: overdue by 6 days."
    )
    helps = [w.text() for w in page.findChildren(QLabel) if w.text().startswith("At the visit")]
    assert helps[0] == "At the visit: 3 - severe pressure. Income drop, arrears, debts, savings."
    referrals = list(page.referral_fields.widgets)
    assert referrals and all(name.startswith("referral_7.") for name in referrals)

    # Three capitals scored: not saved, and the fourth is named.
    ui.choose(combo(page, "financial"), "1")
    ui.choose(combo(page, "mental"), "1")
    ui.choose(combo(page, "social"), "0")
    assert page.stage.text() == (
        "Not all four capitals scored (at the visit: 4 — Depressed and despairing)"
    )
    ui.click(page.save_button)
    assert error_label(page, "human").text() == "Human capital: score it from 0 to 3"
    assert error_label(page, "human").isVisible()
    assert page.message.text() == "Not saved. Please correct the fields marked below."
    assert ui.focused is page.fields.widgets["human"]
    assert len(table_rows(page.table)) == 1

    # Every capital scored, outcomes ticked, one referral answered: the others are marked.
    ui.choose(combo(page, "human"), "1")
    assert page.stage.text() == "1 — Coping (at the visit: 4 — Depressed and despairing)"
    ui.choose(combo(page, "home_kept"), "Kept")
    ui.tick(check(page, "hours_restored"))
    ui.tick(check(page, "debt_plan_in_place"))
    first, *others = referrals
    ui.choose(combo(page, first), "Taken up")
    ui.type("Back on full hours; the rent is paid.", into=notes(page))
    ui.shortcut("Ctrl+S")
    assert not error_label(page, "human").isVisible()
    for name in others:
        assert error_label(page, name).text() == (
            f"{combo(page, name).accessibleName()}: say whether it was taken up"
        )
    assert not error_label(page, first).isVisible()
    assert reviews.reviews_for(store, officer, today).overdue != []

    for name in others:
        ui.choose(combo(page, name), "Not taken up")
    ui.shortcut("Ctrl+S")
    assert page.message.text().startswith(f"Review of {reference} recorded: stage 4 — ")
    assert "1 — Coping now" in page.message.text()

    # It leaves the list, and the store holds what the screen showed.
    assert table_rows(page.table) == []
    assert page.count.text() == "You have no review overdue or due in the next 14 days."
    assert not page.save_button.isEnabled()
    assert reviews.reviews_for(store, officer, today).overdue == []
    (recorded,) = reviews.reviews_of(store, case.household.id)
    assert recorded.completed_on == today and recorded.completed_by == officer.id
    assert recorded.notes == "Back on full hours; the rent is paid."
    assert recorded.outcomes is not None and recorded.outcomes.referrals_taken_up == {
        name.removeprefix("referral_"): name == first for name in referrals
    }

    # The household: before and after, and the review on its timeline.
    ui.open_found(reference)
    household = ui.window.household
    ui.open_tab(household.tabs, "Before and after")
    assert table_rows(household.before_after) == [
        (
            visited,
            f"{today:%d/%m/%Y}",
            "3 → 1",
            "2 → 1",
            "1 → 0",
            "1 → 1",
            "4 → 1",
            f"Home kept; hours restored; debt plan in place; 1 of {len(referrals)} "
            "referrals taken up",
        )
    ]
    assert household.before_after_note.text().startswith("The four capitals at the visit")
    assert "Review recorded" in [row[2] for row in table_rows(household.timeline)]


def test_what_is_typed_is_kept_as_a_draft_when_the_window_closes(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    store: Store,
    manager: User,
    officer: User,
) -> None:
    approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    ui = Officer(qtbot, open_window())
    ui.sign_in()
    page = open_reviews(ui)
    ui.choose(combo(page, "financial"), "2")
    ui.type("Hours cut again in the new year.", into=notes(page))
    ui.window.close()  # within a second of the last keystroke: closing writes the draft

    ui = Officer(qtbot, open_window())
    ui.sign_in()
    page = open_reviews(ui)
    assert combo(page, "financial").currentText() == "2 - significant pressure"
    assert combo(page, "mental").currentText() == "Not scored yet"
    assert notes(page).toPlainText() == "Hours cut again in the new year."
    assert page.message.text() == "Restored the review you had not finished."


def test_a_note_too_long_is_refused_under_the_notes_field(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    """The stored review checks its own fields; pydantic's message is shown against Notes."""
    case = approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    ui.sign_in()
    page = open_reviews(ui)
    for name in ("financial", "mental", "social", "human"):
        ui.choose(combo(page, name), "1")
    for name in page.referral_fields.widgets:
        ui.choose(combo(page, name), "Taken up")
    ui.paste("x" * (MAX_REVIEW_NOTE_LENGTH + 1), into=notes(page))
    ui.click(page.save_button)
    assert error_label(page, "notes").text() == (
        f"Notes: String should have at most {MAX_REVIEW_NOTE_LENGTH} characters"
    )
    assert page.message.text() == "Not saved. Please correct the fields marked below."
    assert reviews.reviews_of(store, case.household.id)[0].completed_on is None

    ui.replace(notes(page), "Shorter.")
    ui.click(page.save_button)
    assert reviews.reviews_of(store, case.household.id)[0].notes == "Shorter."


def test_a_manager_ticks_everyone_to_see_the_whole_teams_reviews(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    overdue = approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    soon = approved_days_ago(store, manager, officer, 80, rent_arrears_pence=9_000)
    ui.sign_in("TM01", PASSWORD)
    page = open_reviews(ui)
    assert page.everyone.isVisible()
    assert table_rows(page.table) == []  # a manager's own list: nothing of hers is due
    assert page.count.text() == "You have no review overdue or due in the next 14 days."

    ui.tick(page.everyone)
    assert not page.table.isColumnHidden(ReviewListModel.OFFICER_COLUMN)
    rows = table_rows(page.table)
    assert [(r[0], r[2], r[6]) for r in rows] == [
        (overdue.household.reference, "Jo Smith", "Overdue by 6 days"),
        (soon.household.reference, "Jo Smith", "Due in 4 days"),
    ]
    assert page.model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None  # not overdue
    assert page.count.text() == (
        "The team has 1 overdue (oldest first, marked in red) and 1 due in the next 14 days."
    )

    # Open household shows the second one's record.
    click_row(ui, page.table, 1)
    assert page.summary.text().startswith(f"{soon.household.reference}, {lead_name(soon)}: £90.00")
    ui.click(page.open_button)
    assert ui.window.stack.currentWidget() is ui.window.household
    assert ui.window.household.title.text() == f"Household {soon.household.reference}"
    ui.shortcut("Alt+Left")
    assert ui.window.stack.currentWidget() is ui.window.search


def test_the_reviews_page_is_named_and_its_alt_keys_are_unique(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    ui.sign_in("TM01", PASSWORD)
    page = open_reviews(ui)
    ui.tick(page.everyone)
    window = ui.window
    texts = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisible()]
    texts += [a.text() for a in window.menuBar().actions()]
    keys = [
        t.replace("&&", "")[t.replace("&&", "").find("&") + 1].lower() for t in texts if "&" in t
    ]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    controls = [
        w
        for w in page.findChildren(QWidget)
        if isinstance(w, QComboBox | QCheckBox | QPlainTextEdit | QAbstractButton | QTableView)
        and w.isVisible()
    ]
    assert len(controls) > 10
    assert [w.objectName() for w in controls if not w.accessibleName()] == []


def test_review_list_model_passes_qt_model_checks(
    qtmodeltester: ModelTester, store: Store, manager: User, officer: User
) -> None:
    approved_days_ago(store, manager, officer, APPROVED_DAYS_AGO)
    approved_days_ago(store, manager, officer, 80, rent_arrears_pence=9_000)
    today = FIXED_TODAY
    lists = reviews.reviews_for(store, officer, today)
    model = ReviewListModel()
    qtmodeltester.check(model, force_py=False)
    model.set_entries([*lists.overdue, *lists.due], {officer.id: officer.name}, today)
    qtmodeltester.check(model, force_py=False)
    assert model.rowCount() == 2 and model.columnCount() == len(ReviewListModel.HEADERS)
    assert model.index(1, 2).data() == "Jo Smith"
    assert model.index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole) is not None  # money
    assert model.entry(2) is None
    model.set_entries([], {}, today)
    qtmodeltester.check(model, force_py=False)


@pytest.mark.parametrize(
    "days, text", [(84, "Due today"), (83, "Due tomorrow"), (85, "Overdue by 1 day")]
)
def test_status_in_words_around_the_due_date(
    store: Store, manager: User, officer: User, days: int, text: str
) -> None:
    approved_days_ago(store, manager, officer, days)
    lists = reviews.reviews_for(store, officer, FIXED_TODAY)
    model = ReviewListModel()
    model.set_entries([*lists.overdue, *lists.due], {}, FIXED_TODAY)
    assert model.index(0, 6).data() == text
