"""Fewer keys for a drop-in, and the manager pages' keys (issue 18), driven as an officer.

Dates as eight or six digits, the family's surname carried to the next member, Enter
adding a member and going on to the next, the relationship following the date of birth
and "Hours reduced" filling in work and why earnings fell (the officer's choice
winning), four digits scoring the four capitals, Ctrl+R saving a new household and
opening its visit, Alt+letters for the members' work and hours and for
the four capitals, the visit opening on the point of need, Ctrl+P for the family copy;
Enter and Alt+Left on the manager pages; the Packages tab in UK time; Today's 1 to 5 on
the Keys page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from caseworker.domain import clock
from caseworker.domain.dates import digits_date, four_digits_date, six_digits_date
from caseworker.domain.household import (
    Household,
    IncomeDropReason,
    Relationship,
    WorkStatus,
)
from caseworker.domain.packages import PackageStatus
from caseworker.domain.users import User
from caseworker.services import fund, households, packages, users
from caseworker.services.forms import parse_date
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.keys import PAGE_SHORTCUTS
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Key, Mod, Officer, error_label, table_rows

# -- dates as eight digits ------------------------------------------------------------


def test_eight_digits_are_a_date_and_anything_else_is_not() -> None:
    assert digits_date("04051988") == date(1988, 5, 4)
    assert parse_date("04051988") == parse_date("04/05/1988") == date(1988, 5, 4)
    for not_a_date in ("31021988", "0405198", "040519888", "04-05-88", "", "O4051988"):
        assert digits_date(not_a_date) is None
    with pytest.raises(ValueError, match="31/12/1985"):
        parse_date("31021988")


def test_six_digits_take_the_century_nearest_today_or_the_latest_past_one() -> None:
    today = date(2026, 11, 27)
    # A date of birth or the day earnings fell: never after today.
    assert six_digits_date("040588", today, past=True) == date(1988, 5, 4)
    assert six_digits_date("030216", today, past=True) == date(2016, 2, 3)
    assert six_digits_date("011026", today, past=True) == date(2026, 10, 1)
    assert six_digits_date("281126", today, past=True) == date(1926, 11, 28)  # tomorrow: 1926
    assert six_digits_date("271126", today, past=True) == date(2026, 11, 27)  # today counts
    assert six_digits_date("150136", today, past=True) == date(1936, 1, 15)  # 90 years old
    # Any other date (a hearing, a job start): the nearest, ahead or behind.
    assert six_digits_date("150127", today, past=False) == date(2027, 1, 15)
    assert six_digits_date("010380", today, past=False) == date(1980, 3, 1)
    assert six_digits_date("290200", today, past=True) == date(2000, 2, 29)  # 1900 had none
    for not_a_date in ("310288", "04058", "0405888", "04-5-8", "", "O40588", "040588 1"):
        assert six_digits_date(not_a_date, today, past=True) is None


def test_four_digits_are_this_years_day_and_month_for_a_recent_date() -> None:
    today = date(2026, 11, 27)
    assert four_digits_date("0110", today, past=True) == date(2026, 10, 1)
    assert four_digits_date("0112", today, past=True) == date(2025, 12, 1)  # not yet this year
    assert four_digits_date("0112", today, past=False) == date(2026, 12, 1)  # a hearing
    assert four_digits_date("1501", today, past=False) == date(2027, 1, 15)  # nearer than 2026
    assert four_digits_date("2902", today, past=True) is None  # no 29 February near today
    for not_a_date in ("3102", "011", "01100", "01/1", ""):
        assert four_digits_date(not_a_date, today, past=True) is None


def test_four_digits_are_a_date_only_where_the_date_is_recent(ui: Officer) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    ui.shortcut("Ctrl+M")
    m = ui.window.household.member_fields.widgets
    fell, born = m["earnings_fell_on"], m["date_of_birth"]
    assert isinstance(fell, QLineEdit) and isinstance(born, QLineEdit)
    ui.type("0110", into=fell)
    ui.press(Key.Key_Tab)
    assert fell.text() == "01/10/2026"
    ui.type("0405", into=born)  # a birthday without its year is not a date of birth
    ui.press(Key.Key_Tab)
    assert born.text() == "0405"
    assert "3112 for this year" in fell.toolTip() and "this year" not in born.toolTip()


# -- members by the keyboard ----------------------------------------------------------


def _alt(ui: Officer, key: Key, box: QCheckBox) -> None:
    """Alt+letter of a check box: Qt ticks it a moment after the press."""
    with ui.qtbot.waitSignal(box.toggled, timeout=2000):
        ui.press(key, Mod.AltModifier)


def test_a_family_typed_with_enter_between_members_and_its_surname_carried(
    ui: Officer, store: Store
) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    m = page.member_fields.widgets
    ui.shortcut("Ctrl+M")
    assert ui.focused is m["surname"]  # the form asks the surname first, as councils do
    ui.type("Mensah")
    ui.press(Key.Key_Tab)
    ui.type("Ama")
    ui.press(Key.Key_Tab)
    assert ui.focused is m["date_of_birth"]
    ui.type("040588")
    _alt(ui, Key.Key_H, m["reduced_hours"])  # Hours reduced, ticked: so works, hours cut
    assert m["work_status"].currentText() == "Employed"  # type: ignore[attr-defined]
    assert m["earnings_fall_reason"].currentText() == "Hours reduced"  # type: ignore[attr-defined]
    assert ui.focused is m["earnings_fell_on"]  # ticked: on to when, with no Tab
    ui.type("0110")  # a recent date: this year's, day and month
    ui.press(Key.Key_Return)  # Add member, and on to the next one
    assert [x.first_name for x in page.members] == ["Ama"]
    surname = m["surname"]
    assert isinstance(surname, QLineEdit) and surname.text() == "Mensah"  # carried
    assert ui.focused is m["first_name"] and m["first_name"].text() == ""  # type: ignore[attr-defined]

    ui.press(Key.Key_Backtab)
    assert ui.focused is surname and surname.selectedText() == "Mensah"  # kept, or typed over
    ui.press(Key.Key_Tab)
    ui.type("Kofi")
    ui.press(Key.Key_Tab)
    ui.type("121185")
    ui.press(Key.Key_Tab)  # an adult, and no partner yet: the partner, on screen
    assert m["relationship"].currentText() == "Partner"  # type: ignore[attr-defined]
    ui.press(Key.Key_Return)

    ui.type("Esi")
    ui.type("Okafor", into=surname)  # a click selects the carried surname too: typed over
    ui.press(Key.Key_Tab)
    ui.press(Key.Key_Tab)  # past Esi, typed already
    ui.type("030216")
    ui.press(Key.Key_Return)

    ama, kofi, esi = page.members
    assert (ama.surname, kofi.surname, esi.surname) == ("Mensah", "Mensah", "Okafor")
    assert ama.date_of_birth == date(1988, 5, 4) and esi.date_of_birth == date(2016, 2, 3)
    assert ama.relationship is Relationship.LEAD and ama.work_status is WorkStatus.EMPLOYED
    assert ama.reduced_hours and ama.earnings_fell_on == date(2026, 10, 1)
    assert ama.earnings_fall_reason is IncomeDropReason.REDUCED_HOURS
    assert kofi.work_status is None  # not ticked, not typed: not recorded
    assert kofi.relationship is Relationship.PARTNER and esi.relationship is Relationship.CHILD
    assert table_rows(page.members_table)[0][1] == "04/05/1988"


def test_a_date_typed_as_digits_shows_its_slashes_on_leaving_the_field(ui: Officer) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    ui.shortcut("Ctrl+M")
    born = ui.window.household.member_fields.widgets["date_of_birth"]
    assert isinstance(born, QLineEdit)
    ui.type("04051988", into=born)
    ui.press(Key.Key_Tab)
    assert born.text() == "04/05/1988"
    ui.replace(born, "31021988")  # no such day: left as typed, for the error to name
    ui.press(Key.Key_Tab)
    assert born.text() == "31021988"


def test_the_officers_own_choices_win_over_the_forms_guesses(ui: Officer) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    m = page.member_fields.widgets
    relationship, work, reason = m["relationship"], m["work_status"], m["earnings_fall_reason"]
    assert isinstance(relationship, QComboBox) and isinstance(work, QComboBox)
    assert isinstance(reason, QComboBox)
    ui.shortcut("Ctrl+M")
    ui.type("Mensah")
    ui.press(Key.Key_Tab)
    ui.type("Ama")
    ui.press(Key.Key_Tab)
    ui.type("040588")
    ui.press(Key.Key_W, Mod.AltModifier)
    ui.type("s")  # Self-employed, chosen before "Hours reduced" is ticked
    _alt(ui, Key.Key_H, m["reduced_hours"])
    assert (work.currentText(), reason.currentText()) == ("Self-employed", "Hours reduced")
    ui.press(Key.Key_Return)

    ui.type("Kwame")  # the carried surname kept: the form starts on First name
    ui.press(Key.Key_Tab)
    ui.type("010203")  # 23: an adult, and no partner yet
    ui.press(Key.Key_Tab)
    assert ui.focused is relationship and relationship.currentText() == "Partner"
    ui.choose(relationship, "Child")  # the lead's grown-up son
    ui.replace(m["date_of_birth"], "01022003")  # a date put right: the choice stays
    ui.press(Key.Key_Tab)
    assert relationship.currentText() == "Child"
    ui.press(Key.Key_Return)

    ui.type("Abena")
    ui.press(Key.Key_Tab)
    ui.type("050512")  # 14: the lead's child, the form's default
    ui.press(Key.Key_Tab)
    assert relationship.currentText() == "Child"
    ui.press(Key.Key_Return)
    ama, kwame, abena = page.members
    assert ama.work_status is WorkStatus.SELF_EMPLOYED
    assert ama.earnings_fall_reason is IncomeDropReason.REDUCED_HOURS
    assert kwame.relationship is Relationship.CHILD and abena.relationship is Relationship.CHILD

    # A member reopened from the list keeps their relationship when a date is put right.
    page.members_table.setFocus()
    page.members_table.selectRow(1)
    ui.press(Key.Key_Return)
    ui.replace(m["date_of_birth"], "01022004")
    ui.press(Key.Key_Tab)
    assert relationship.currentText() == "Child"


def test_save_takes_in_a_member_typed_but_not_added(ui: Officer, store: Store) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    f, m = page.fields.widgets, page.member_fields.widgets
    ui.type("SE15 4QF", into=f["postcode"])
    ui.shortcut("Ctrl+M")
    ui.type("Ama", into=m["first_name"])
    ui.type("Mensah", into=m["surname"])
    ui.type("3105", into=m["date_of_birth"])  # not a date of birth: nothing saved
    ui.shortcut("Ctrl+S")
    assert page.household is None and page.members == []
    assert "The member typed on the Members tab is not complete" in page.message.text()
    assert "Date of birth" in error_label(page, "date_of_birth").text()
    assert m["first_name"].text() == "Ama"  # type: ignore[attr-defined]  # kept, to put right

    ui.replace(m["date_of_birth"], "040588")
    ui.shortcut("Ctrl+S")  # no Add member pressed: saved with Ama all the same
    assert page.household is not None
    assert [x.first_name for x in households.get_household(store, page.household.id).members] == [
        "Ama"
    ]

    page.members_table.setFocus()  # reopened, put right, saved without Update member
    page.members_table.selectRow(0)
    ui.press(Key.Key_Return)
    ui.replace(m["first_name"], "Amma")
    ui.shortcut("Ctrl+S")
    saved = households.get_household(store, page.household.id)
    assert [x.first_name for x in saved.members] == ["Amma"]

    ui.shortcut("Ctrl+S")  # nothing typed now (only the carried surname): saved as it is
    assert "Saved household" in page.message.text()
    assert len(households.get_household(store, page.household.id).members) == 1


# -- the visit ------------------------------------------------------------------------


@pytest.fixture
def eligible(store: Store, manager: User, officer: User) -> Household:
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    return households.create_household(store, officer, household_with_arrears(12_000))


def test_the_visit_opens_on_the_point_of_need_and_alt_letters_reach_each_capital(
    ui: Officer, eligible: Household
) -> None:
    ui.sign_in()
    ui.open_found(eligible.reference)
    ui.shortcut("Ctrl+R")
    visit = ui.window.visit
    v = visit.fields.widgets
    assert ui.focused is v["point_of_need"]  # dated today already
    assert v["visit_date"].text() == f"{TODAY:%d/%m/%Y}"  # type: ignore[attr-defined]
    ui.type("Hours cut at work; rent behind.")
    for key, capital, score in (
        (Key.Key_F, "financial", "2"),
        (Key.Key_M, "mental", "1"),
        (Key.Key_S, "social", "1"),
        (Key.Key_H, "human", "1"),
    ):
        ui.press(key, Mod.AltModifier)
        assert ui.focused is v[capital]
        ui.type(score)
        combo = v[capital]
        assert isinstance(combo, QComboBox) and combo.currentData() == score
    assert visit.stage.text() == "3 — Under pressure"  # all four scored


def test_four_digits_score_the_four_capitals_each_moving_on_to_the_next(
    ui: Officer, eligible: Household
) -> None:
    ui.sign_in()
    ui.open_found(eligible.reference)
    ui.shortcut("Ctrl+R")
    v = ui.window.visit.fields.widgets
    ui.press(Key.Key_F, Mod.AltModifier)
    ui.type("9")  # not a score: nothing chosen, the focus stays
    assert ui.focused is v["financial"] and v["financial"].currentData() is None  # type: ignore[attr-defined]
    for digit in "21":  # one key at a time: each goes where the focus now is
        ui.type(digit)
    assert ui.focused is v["social"]
    for digit in "03":
        ui.type(digit)
    assert ui.focused is v["human"]  # the last keeps the focus, to save from
    scores = [v[c].currentData() for c in ("financial", "mental", "social", "human")]  # type: ignore[attr-defined]
    assert scores == ["2", "1", "0", "3"]
    assert ui.window.visit.stage.text() == "3 — Under pressure"


def test_ctrl_r_on_a_new_household_saves_it_then_opens_its_visit(ui: Officer, store: Store) -> None:
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    f, m = page.fields.widgets, page.member_fields.widgets
    ui.type("12 Rye Lane", into=f["address_line1"])
    ui.type("SE15 4QF", into=f["postcode"])
    ui.shortcut("Ctrl+R")  # no member yet: not saved, nothing lost, still here
    assert ui.window.stack.currentWidget() is page and page.household is None
    assert "Not saved" in page.message.text()
    assert f["address_line1"].text() == "12 Rye Lane"  # type: ignore[attr-defined]
    ui.shortcut("Ctrl+M")
    ui.type("Ama", into=m["first_name"])
    ui.type("Mensah", into=m["surname"])
    ui.type("040588", into=m["date_of_birth"])
    ui.press(Key.Key_Return)
    ui.shortcut("Ctrl+R")
    assert ui.window.stack.currentWidget() is ui.window.visit
    assert page.household is not None
    saved = households.get_household(store, page.household.id)
    assert (saved.postcode, [x.first_name for x in saved.members]) == ("SE15 4QF", ["Ama"])
    assert ui.window.visit.household is not None and ui.window.visit.household.id == saved.id


class SaveTo(DialogService):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.opened: list[Path] = []

    def save_path(self, parent: QWidget, title: str, suggested: str, filter: str) -> Path | None:
        return self.folder / Path(suggested).name

    def open_file(self, path: Path) -> None:
        self.opened.append(path)


def test_ctrl_p_makes_the_family_copy_of_the_household_on_screen(
    ui: Officer, eligible: Household, tmp_path: Path
) -> None:
    dialogs = SaveTo(tmp_path)
    ui.window.context.dialogs = dialogs
    ui.window.context.tasks.synchronous = True
    ui.sign_in()
    ui.open_found(eligible.reference)
    ui.shortcut("Ctrl+P")
    assert dialogs.opened == [tmp_path / f"{eligible.reference}-family-summary.pdf"]
    assert dialogs.opened[0].exists()
    assert "Saved the family summary" in ui.window.household.message.text()


def test_ctrl_p_on_a_new_household_asks_to_save_it_first(ui: Officer, tmp_path: Path) -> None:
    dialogs = SaveTo(tmp_path)
    ui.window.context.dialogs = dialogs
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    ui.shortcut("Ctrl+P")
    assert dialogs.opened == []
    assert ui.window.household.message.text() == ("Save the household first: then its family copy.")


def test_ctrl_y_from_the_visit_shows_the_new_visit_and_the_yes_on_the_household(
    ui: Officer, eligible: Household, store: Store
) -> None:
    ui.sign_in()
    ui.open_found(eligible.reference)
    ui.shortcut("Ctrl+R")
    v = ui.window.visit.fields.widgets
    ui.type("Rent behind.")
    for key, score in ((Key.Key_F, "2"), (Key.Key_M, "1"), (Key.Key_S, "1"), (Key.Key_H, "0")):
        ui.press(key, Mod.AltModifier)
        ui.type(score)
    assert v["human"].currentData() == "0"  # type: ignore[attr-defined]
    ui.shortcut("Ctrl+Y")
    page = ui.window.household
    [made] = packages.packages_of(store, eligible.id)
    assert made.status is PackageStatus.APPROVED_ON_SPOT
    assert table_rows(page.packages.table)[0][2] == made.status.label
    whats = [row[2] for row in table_rows(page.timeline)]
    assert any("visit" in what.lower() for what in whats)  # the visit just saved
    assert any("spot" in what.lower() or "approv" in what.lower() for what in whats)


# -- the Packages tab in UK time ------------------------------------------------------


def test_the_packages_tab_shows_when_a_package_was_made_in_uk_time(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(12_000))
    visit = add_visit(store, officer, household, day=TODAY)
    # Made on a summer evening (the clock only says when it was made).
    before = clock.set_clock(clock.FixedClock(datetime(2027, 7, 1, 22, 30, tzinfo=UTC)))
    try:
        packages.propose(store, officer, rules(), visit.id, [], TODAY)
    finally:
        clock.set_clock(before)
    ui.sign_in()
    ui.open_found(household.reference)
    ui.open_tab(ui.window.household.tabs, "Packages")
    made = table_rows(ui.window.household.packages.table)[0][0]
    assert made == "01/07/2027 23:30"  # BST: 22:30 UTC is half past eleven on the wall


# -- the manager pages ----------------------------------------------------------------


@pytest.fixture
def manager_ui(
    store: Store, manager: User, officer: User, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> Officer:
    ui = Officer(qtbot, open_window())
    ui.sign_in("TM01", PASSWORD)
    return ui


@pytest.mark.parametrize(
    ("shortcut", "page"),
    [("Ctrl+Shift+Q", "approvals"), ("Ctrl+Shift+U", "users"), ("Ctrl+Shift+M", "duplicates")],
)
def test_alt_left_on_a_manager_page_goes_back_to_today(
    manager_ui: Officer, shortcut: str, page: str
) -> None:
    window = manager_ui.window
    manager_ui.shortcut(shortcut)
    assert window.stack.currentWidget() is getattr(window, page)
    manager_ui.shortcut("Alt+Left")
    assert window.stack.currentWidget() is window.today


def test_enter_in_a_users_field_adds_the_person(manager_ui: Officer, store: Store) -> None:
    manager_ui.shortcut("Ctrl+Shift+U")
    page = manager_ui.window.users
    f = page.fields.widgets
    assert page.add_button.isDefault()
    for name, text in (
        ("name", "Zoe Okafor"),
        ("officer_code", "ZO01"),
        ("password", "plum kettle window"),
        ("confirm", "plum kettle window"),
    ):
        manager_ui.type(text, into=f[name])
    manager_ui.click(f["name"])
    manager_ui.press(Key.Key_Return)  # from the first field, not only the last
    added = [u for u in users.list_users(store) if u.officer_code == "ZO01"]
    assert len(added) == 1  # once, not twice


def test_enter_on_the_approvals_page(
    manager_ui: Officer, store: Store, officer: User, eligible: Household
) -> None:
    visit = add_visit(store, officer, eligible, day=TODAY)
    made = packages.propose(store, officer, rules(), visit.id, [], TODAY)
    packages.send_to_manager(store, officer, made.id)
    manager_ui.shortcut("Ctrl+Shift+Q")
    page = manager_ui.window.approvals
    assert page.approve_button.isDefault()
    page.table.setFocus()
    manager_ui.press(Key.Key_Home)
    manager_ui.press(Key.Key_Return)  # Enter on the row: its first amount
    assert isinstance(manager_ui.focused, QLineEdit)
    manager_ui.click(page.reason)
    manager_ui.type("Cleared by the landlord")
    manager_ui.press(Key.Key_Return)  # Enter in the reason rejects, with it
    assert packages.get_package(store, made.id).status is PackageStatus.REJECTED


def test_enter_on_a_likely_pair_goes_to_merge_into_left(
    manager_ui: Officer, store: Store, officer: User
) -> None:
    for _ in range(2):
        households.create_household(store, officer, household_with_arrears(0))
    manager_ui.shortcut("Ctrl+Shift+M")
    page = manager_ui.window.duplicates
    manager_ui.qtbot.waitUntil(lambda: not page.scanning, timeout=10_000)
    assert page.model.rowCount() >= 1
    page.table.setFocus()
    manager_ui.press(Key.Key_Home)
    manager_ui.press(Key.Key_Return)
    assert manager_ui.focused is page.left_button  # Enter again merges (asked why first)


def test_open_household_is_the_conflicts_pages_default_button(
    manager_ui: Officer,
) -> None:
    manager_ui.shortcut("Ctrl+Shift+C")
    assert manager_ui.window.conflicts.open_button.isDefault()


# -- the Keys page ---------------------------------------------------------------------


def test_the_keys_page_lists_todays_1_to_5(window: MainWindow) -> None:
    window.show_keys()  # F1
    rows = {(row.key, row.menu, row.action) for row in window.keys_dialog.rows}
    window.keys_dialog.close()
    titles = [window.today.titles[name] for name in window.today.lists]
    assert len(titles) == 5
    for number, name in enumerate(window.today.lists, start=1):
        title = window.today.lists[name].accessibleName()
        assert (str(number), PAGE_SHORTCUTS, title) in rows
    assert ("Ctrl+P", "Case", "Family copy (PDF)") in rows
