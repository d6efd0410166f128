"""Today on screen: the first page after sign-in; number keys and Enter open any line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import drafts, fund, households, packages
from caseworker.store.database import Store
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Officer

Key = Qt.Key


@pytest.fixture
def day(store: Store, manager: User, officer: User) -> tuple[Household, Household]:
    """Jo's day: one family seen with a big package sent to a manager; a visit to
    another family typed and not saved."""
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    seen = households.create_household(store, officer, household_with_arrears(40_000))
    visit = add_visit(store, officer, seen, day=TODAY)
    big = packages.propose(store, officer, rules(), visit.id, [], TODAY)
    packages.send_to_manager(store, officer, big.id)
    typed = households.create_household(store, officer, household_with_arrears(100))
    drafts.save_draft(store, officer, "visit", str(typed.id), {"venue": "Peckham Library"})
    return seen, typed


def _lines(ui: Officer, name: str) -> list[str]:
    items = ui.window.today.lists[name]
    return [items.item(i).text() for i in range(items.count())]


def test_today_is_the_first_screen_and_lists_the_day(
    ui: Officer, day: tuple[Household, Household]
) -> None:
    seen, typed = day
    ui.sign_in()
    today = ui.window.today
    assert ui.window.stack.currentWidget() is today
    assert today.title.text() == "Today — Friday 27 November 2026"
    assert today.allowance.text() == "Your allowance left: £500.00"
    assert [line.split("\n")[0] for line in _lines(ui, "seen")] == [
        f"{seen.reference} — Ama Mensah"
    ]
    assert "waiting for a team manager" in _lines(ui, "waiting")[0]
    assert _lines(ui, "drafts")[0].startswith(typed.reference)
    assert _lines(ui, "reviews") == ["Nothing here"]
    assert today.titles["waiting"].text() == "&3  Waiting for a manager (1)"
    unsynced = _lines(ui, "unsynced")
    assert len(unsynced) == 2 and all("Changes not synced yet" in line for line in unsynced)
    assert ui.focused is today.lists["seen"]  # the first list with something in it


def test_number_key_and_enter_open_the_package_waiting(
    ui: Officer, day: tuple[Household, Household]
) -> None:
    seen, _typed = day
    ui.sign_in()
    ui.press(Key.Key_3)  # Waiting for a manager
    assert ui.focused is ui.window.today.lists["waiting"]
    ui.press(Key.Key_Return)
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page
    assert seen.reference in page.title.text()
    assert page.tabs.tabText(page.tabs.currentIndex()).replace("&", "") == "Packages"


def test_a_visit_typed_and_not_saved_opens_with_what_was_typed(
    ui: Officer, day: tuple[Household, Household]
) -> None:
    _seen, typed = day
    ui.sign_in()
    ui.press(Key.Key_2)  # Typed, not saved
    ui.press(Key.Key_Return)
    visit = ui.window.visit
    assert ui.window.stack.currentWidget() is visit
    assert visit.household is not None and visit.household.id == typed.id
    assert visit.fields.widgets["venue"].text() == "Peckham Library"  # type: ignore[attr-defined]

    ui.shortcut("Ctrl+T")  # back to Today from anywhere
    assert ui.window.stack.currentWidget() is ui.window.today


def test_a_household_seen_today_opens_on_its_timeline_by_double_click(
    ui: Officer, day: tuple[Household, Household]
) -> None:
    seen, _typed = day
    ui.sign_in()
    items = ui.window.today.lists["seen"]
    rect = items.visualItemRect(items.item(0))
    # A double click is a click, then a second press the system reports as a double one.
    ui.qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    ui.qtbot.mouseDClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page
    assert seen.reference in page.title.text()
    assert page.tabs.currentIndex() == 2  # the timeline, where the visit is


def test_an_empty_list_line_opens_nothing(ui: Officer, officer: User) -> None:
    ui.sign_in()
    today = ui.window.today
    assert today.allowance.text().startswith("No team fund is open")
    ui.press(Key.Key_5)
    assert ui.focused is today.lists["reviews"]
    ui.press(Key.Key_Return)
    assert ui.window.stack.currentWidget() is today


def test_search_results_show_stage_last_visit_pending_package_and_review(
    ui: Officer, day: tuple[Household, Household]
) -> None:
    seen, typed = day
    ui.sign_in()
    rows = {row[0]: row for row in ui.search("Mensah")}
    assert ui.window.search.model.HEADERS[3:] == (
        "Last visit",
        "Stage",
        "Pending package",
        "Review due",
    )
    assert rows[seen.reference][3:6] == (
        "27/11/2026",
        "3 Under pressure",
        "£400.00 Waiting for a team manager",
    )
    assert rows[typed.reference][3:] == ("No visit yet", "Not scored", "", "")
