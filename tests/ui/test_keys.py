"""Keyboard complete (issue 18): every action has a key, shown in its menu, on the Keys page
(F1) and in the README; today's yes, the Packages tab and the forms work from the keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QMenu, QTabWidget

from caseworker.domain.household import Household
from caseworker.domain.packages import PackageStatus
from caseworker.domain.users import User
from caseworker.services import fund, households, packages
from caseworker.store.database import Store
from caseworker.ui.keys import PAGE_SHORTCUTS, KeysDialog
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, household_with_arrears
from tests.ui.conftest import Key, Officer

README = Path(__file__).resolve().parents[2] / "README.md"


def _menu_actions(window: MainWindow) -> list[tuple[str, QAction]]:
    found = []
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        found += [(top.text(), a) for a in menu.actions() if not a.isSeparator()]
    return found


def test_every_menu_action_has_a_key_and_says_what_it_does(window: MainWindow) -> None:
    actions = _menu_actions(window)
    assert len(actions) >= 20
    keyless = [a.text() for _, a in actions if a.shortcut().isEmpty()]
    silent = [a.text() for _, a in actions if not a.statusTip()]
    assert keyless == [] and silent == []
    keys = [a.shortcut().toString() for _, a in actions]
    assert len(keys) == len(set(keys)), "two actions share a key"
    # In the window, so the key works whichever page (and the menu need not be open).
    assert all(a in window.actions() for _, a in actions)


def test_f1_opens_the_keys_page_listing_every_action(ui: Officer) -> None:
    ui.sign_in()
    ui.shortcut("F1")
    dialog = ui.window.keys_dialog
    assert isinstance(dialog, KeysDialog) and dialog.isVisible()
    table = dialog.table
    shown = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    for menu, action in _menu_actions(ui.window):
        native = action.shortcut().toString(action.shortcut().SequenceFormat.NativeText)
        assert (
            native,
            f"{menu.replace('&', '')} > {action.text().replace('&', '').rstrip('…')}",
        ) in shown
    # A page's own keys too (F5 refreshes a list; a manager's approve and reject).
    assert ("F5", "Refresh") in shown
    assert all(table.item(r, 2).text() for r in range(table.rowCount()))
    ui.qtbot.keyClick(dialog.table, Key.Key_Escape)
    assert not dialog.isVisible()


def _readme_keys() -> list[tuple[str, str, str]]:
    text = README.read_text("utf-8")
    start = text.index("| keys | menu | action | what it does |")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        key, menu, action, what = (cell.strip() for cell in line.strip("|").split("|"))
        assert what, line
        rows.append((key, menu, action))
    return rows


def test_the_readme_keys_table_is_the_apps(window: MainWindow) -> None:
    window.show_keys()  # F1: the Keys page, as an officer opens it
    app = [(row.key, row.menu, row.action) for row in window.keys_dialog.rows]
    window.keys_dialog.close()
    readme = _readme_keys()
    assert [r for r in readme if r not in app] == []  # nothing in the README the app lacks
    assert [r for r in app if r not in readme] == []  # no key of the app missing there
    assert ("Ctrl+Y", "Case", "Say yes today") in readme
    assert any(menu == PAGE_SHORTCUTS for _, menu, _ in readme)


def test_the_readme_check_reads_every_row() -> None:
    """So the test above could fail: the parser sees the whole table, Ctrl+Y included."""
    text = README.read_text("utf-8")
    table = text[text.index("| keys | menu |") :].split("\n\n")[0]
    assert len(_readme_keys()) == len(re.findall(r"^\| ", table, re.MULTILINE)) - 1


# -- today's yes and the Packages tab -----------------------------------------------


@pytest.fixture
def eligible(store: Store, manager: User, officer: User) -> Household:
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    return households.create_household(store, officer, household_with_arrears(12_000))


def _score_visit(ui: Officer, household: Household) -> None:
    ui.sign_in()
    ui.open_found(household.reference)
    ui.shortcut("Ctrl+R")
    visit = ui.window.visit
    for capital, score in (("financial", "2"), ("mental", "1"), ("social", "1"), ("human", "0")):
        ui.choose(visit.fields.widgets[capital], score)


@pytest.mark.parametrize(
    ("arrears", "status", "said"),
    [
        (12_000, PackageStatus.APPROVED_ON_SPOT, "Approved on the spot"),
        # Above the officer's limit: the visit and its package are saved all the same (one
        # service call), the yes is not, and the Packages tab says so beside the package.
        (30_000, PackageStatus.RECOMMENDED, "Visit saved; today's yes was refused. This"),
    ],
)
def test_ctrl_y_on_the_visit_saves_it_and_says_yes_today_or_why_not(
    ui: Officer,
    eligible: Household,
    store: Store,
    officer: User,
    arrears: int,
    status: PackageStatus,
    said: str,
) -> None:
    household = eligible
    if arrears != 12_000:
        household = households.create_household(store, officer, household_with_arrears(arrears))
    _score_visit(ui, household)
    ui.shortcut("Ctrl+Y")
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page
    assert page.tabs.currentWidget().isAncestorOf(page.packages)
    [saved] = packages.packages_of(store, household.id)
    assert saved.status is status
    assert page.packages.message.text().startswith(said)
    spent = saved.total_pence if status is PackageStatus.APPROVED_ON_SPOT else 0
    assert fund.allowance_left(store, officer, TODAY) == 50_000 - spent


def test_ctrl_y_on_the_packages_tab_says_yes_to_the_chosen_package(
    ui: Officer, eligible: Household, store: Store
) -> None:
    _score_visit(ui, eligible)
    ui.shortcut("Ctrl+S")  # saved: the package waits, recommended
    [made] = packages.packages_of(store, eligible.id)
    assert made.status is PackageStatus.RECOMMENDED
    ui.shortcut("Ctrl+Y")
    assert packages.get_package(store, made.id).status is PackageStatus.APPROVED_ON_SPOT


def test_ctrl_y_on_a_visit_without_money_approves_nothing(
    ui: Officer, store: Store, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(0))
    ui.sign_in()
    ui.open_found(household.reference)
    ui.shortcut("Ctrl+R")
    for capital in ("financial", "mental", "social", "human"):  # no pressure: no award
        ui.choose(ui.window.visit.fields.widgets[capital], "0")
    ui.shortcut("Ctrl+Y")
    assert ui.window.visit.message.text() == ""
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page  # the visit was saved
    assert packages.packages_of(store, household.id) == []
    assert "no package to say yes to" in page.message.text()


def test_packages_buttons_have_their_own_alt_letters_and_tab_reaches_the_approve_button(
    ui: Officer, eligible: Household
) -> None:
    ui.sign_in()
    ui.open_found(eligible.reference)
    page = ui.window.household
    ui.open_tab(page.tabs, "Packages")
    panel = page.packages
    buttons = [
        panel.yes_button,
        panel.send_button,
        panel.approve_button,
        panel.paid_button,
        panel.withdraw_button,
        panel.conflict_button,
    ]
    assert all("&" in b.text() for b in buttons), [b.text() for b in buttons]
    letters: list[str] = []
    visible = [w.text() for w in ui.window.findChildren(QLabel) if w.isVisible()]
    visible += [w.text() for w in ui.window.findChildren(QAbstractButton) if w.isVisible()]
    visible += [a.text() for a in ui.window.menuBar().actions()]
    for tabs in ui.window.findChildren(QTabWidget):
        if tabs.isVisible():
            visible += [tabs.tabText(i) for i in range(tabs.count())]
    for text in visible:
        at = text.replace("&&", "").find("&")
        if at >= 0:
            letters.append(text.replace("&&", "")[at + 1].lower())
    assert len(letters) == len(set(letters)), sorted(letters)

    password = panel.fields.widgets["manager_password"]
    password.setFocus()
    ui.press(Key.Key_Tab)
    assert ui.focused is panel.approve_button


def test_enter_in_the_manager_fields_presses_manager_approves(
    ui: Officer, eligible: Household, store: Store
) -> None:
    _score_visit(ui, eligible)
    ui.shortcut("Ctrl+S")
    page = ui.window.household
    ui.open_tab(page.tabs, "Packages")
    code = page.packages.fields.widgets["manager_code"]
    assert isinstance(code, QLineEdit)
    ui.type("NOPE", into=code)
    ui.press(Key.Key_Return)
    # Pressed: the wrong code is refused, in words, and nothing moved.
    assert page.packages.message.isVisible()
    assert page.packages.message.text().startswith("Nothing changed.")


# -- Enter on forms, and a member reopened from the list -----------------------------


def test_enter_in_a_details_field_saves_the_household(
    ui: Officer, store: Store, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(0))
    ui.sign_in()
    ui.open_found(household.reference)
    town = ui.window.household.fields.widgets["town"]
    assert isinstance(town, QLineEdit)
    ui.replace(town, "Peckham")
    ui.press(Key.Key_Return)
    assert households.get_household(store, household.id).town == "Peckham"


def test_a_member_is_reopened_from_the_keyboard_and_enter_updates_it(
    ui: Officer, store: Store, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(0))
    ui.sign_in()
    ui.open_found(household.reference)
    page = ui.window.household
    ui.open_tab(page.tabs, "Members")
    first = page.members[0]
    table = page.members_table
    table.setFocus()
    ui.press(Key.Key_Home)  # the first row
    ui.press(Key.Key_Return)  # reopens it in the form, on its first field
    surname, name = page.member_fields.widgets["surname"], page.member_fields.widgets["first_name"]
    assert isinstance(surname, QLineEdit) and isinstance(name, QLineEdit)
    assert ui.focused is surname and surname.text() == first.surname
    ui.press(Key.Key_Tab)
    assert ui.focused is name and name.text() == first.first_name
    name.selectAll()
    ui.type("Renamed")
    ui.press(Key.Key_Return)  # Update member, not a second member
    assert [m.first_name for m in page.members] == ["Renamed"]  # one member, renamed


def test_enter_in_a_visit_field_saves_the_visit_and_enter_on_back_goes_back(
    ui: Officer, eligible: Household, store: Store
) -> None:
    _score_visit(ui, eligible)
    visit = ui.window.visit
    visit.back_button.setFocus()
    ui.press(Key.Key_Return)  # Enter on a focused button presses that button
    assert ui.window.stack.currentWidget() is ui.window.household
    assert packages.packages_of(store, eligible.id) == []  # left, not saved
    ui.shortcut("Ctrl+R")  # the draft comes back
    venue = visit.fields.widgets["venue"]
    assert isinstance(venue, QLineEdit)
    ui.type("Library", into=venue)
    ui.press(Key.Key_Return)
    assert ui.window.stack.currentWidget() is ui.window.household
    [made] = packages.packages_of(store, eligible.id)
    assert made.status is PackageStatus.RECOMMENDED  # saved; yes today is Ctrl+Y


def test_sign_out_clears_the_last_persons_messages(
    ui: Officer, eligible: Household, store: Store
) -> None:
    _score_visit(ui, eligible)
    ui.shortcut("Ctrl+Y")
    panel = ui.window.household.packages
    assert panel.message.text().startswith("Approved on the spot")
    ui.shortcut("Ctrl+Shift+L")  # sign out
    ui.sign_in("TM01", PASSWORD)
    ui.open_found(eligible.reference)  # the same household, someone else
    ui.open_tab(ui.window.household.tabs, "Packages")
    assert not panel.message.isVisible() and panel.message.text() == ""
    assert not ui.window.household.message.isVisible()
