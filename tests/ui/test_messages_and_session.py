"""Messages belong to their subject; sign out and quit by keys; labels, never codes (issue 18)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QTableView,
    QTabWidget,
    QWidget,
)

from caseworker.domain.household import Household
from caseworker.domain.packages import Package, PackageStatus, PaymentMethod
from caseworker.domain.users import User
from caseworker.services import fund, households, keys, packages
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.tasks import Done, TaskRunner
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Officer, table_rows

RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture
def eligible(store: Store, manager: User, officer: User) -> Household:
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    return households.create_household(store, officer, household_with_arrears(12_000))


def _proposed(store: Store, officer: User, household: Household) -> Package:
    visit = add_visit(store, officer, household)
    return packages.propose(store, officer, rules(), visit.id, [], TODAY)


def _packages_tab(ui: Officer, household: Household) -> None:
    ui.open_found(household.reference)
    ui.open_tab(ui.window.household.tabs, "Packages")


# -- messages belong to their subject ------------------------------------------------
def test_a_green_message_does_not_greet_the_next_household(
    ui: Officer, store: Store, officer: User, eligible: Household
) -> None:
    _proposed(store, officer, eligible)
    other = households.create_household(store, officer, make_household(postcode="SE5 8RS"))
    ui.sign_in()
    _packages_tab(ui, eligible)
    panel = ui.window.household.packages
    ui.type("JS01", into=panel.fields.widgets["manager_code"])
    ui.click(panel.yes_button)
    assert panel.message.text().startswith("Approved on the spot")
    assert panel.message.isVisible()

    _packages_tab(ui, other)
    assert panel.household_id == other.id
    assert panel.message.isHidden()
    assert panel.fields.values()["manager_code"] == ""  # typed for the other household


def test_a_refused_approval_in_person_changes_nothing_and_says_so(
    ui: Officer, store: Store, officer: User, manager: User, eligible: Household
) -> None:
    """Sending to the manager and their approval are one transaction
    (``drop_in.approve_in_person``): refused, the package stays where it was."""
    package = _proposed(store, officer, eligible)
    packages.declare_conflict(store, manager, eligible.id, "My sister's family")
    ui.sign_in()
    _packages_tab(ui, eligible)
    panel = ui.window.household.packages
    ui.type("TM01", into=panel.fields.widgets["manager_code"])
    ui.type(PASSWORD, into=panel.fields.widgets["manager_password"])
    ui.click(panel.approve_button)

    saved = packages.get_package(store, package.id)
    assert saved.status is PackageStatus.RECOMMENDED  # not left in the manager's queue
    text = panel.message.text()
    assert text.startswith("Nothing changed.")
    assert "conflict of interest" in text
    assert panel.model.index(0, 2).data() == PackageStatus.RECOMMENDED.label


def test_a_wrong_manager_password_still_says_nothing_changed(
    ui: Officer, store: Store, officer: User, manager: User, eligible: Household
) -> None:
    package = _proposed(store, officer, eligible)
    ui.sign_in()
    _packages_tab(ui, eligible)
    panel = ui.window.household.packages
    ui.type("TM01", into=panel.fields.widgets["manager_code"])
    ui.type("not the password", into=panel.fields.widgets["manager_password"])
    ui.click(panel.approve_button)
    assert panel.message.text().startswith("Nothing changed.")
    assert packages.get_package(store, package.id).status is PackageStatus.RECOMMENDED


@pytest.mark.parametrize(
    ("key", "page_name"), [("Ctrl+Shift+F", "fund"), ("Ctrl+Shift+Q", "approvals")]
)
def test_no_false_sign_in_first_banner_for_a_signed_in_manager(
    ui: Officer, manager: User, key: str, page_name: str
) -> None:
    page = getattr(ui.window, page_name)
    ui.sign_in("TM01", PASSWORD)
    ui.shortcut(key)
    assert ui.window.stack.currentWidget() is page
    assert page.message.isHidden(), page.message.text()


# -- sign out and quit -------------------------------------------------------------
def test_sign_out_by_keyboard_forgets_the_search(
    ui: Officer, store: Store, officer: User, manager: User
) -> None:
    households.create_household(store, officer, make_household())
    window = ui.window
    ui.sign_in()
    assert keys.key_for(officer.id) is not None  # signing in unlocked their key
    assert ui.search("O'Brien")
    ui.shortcut("Ctrl+Shift+L")
    assert window.stack.currentWidget() is window.signin
    assert window.context.current_user is None
    assert keys.key_for(officer.id) is None  # nothing left that signs for them
    assert window.search.search.text() == ""
    assert window.search.model.rowCount() == 0
    assert window.signin.code.text() == ""
    assert ui.focused is window.signin.code
    assert not window.find_action.isEnabled()
    assert window.who.text() == ""

    assert window.statusBar().currentMessage().startswith("Signed out.")
    ui.sign_in("TM01", PASSWORD)
    assert window.context.user.id == manager.id
    assert window.search.search.text() == ""
    assert window.statusBar().currentMessage() == ""  # about the session before


def test_someone_else_signing_in_at_the_lock_screen_does_not_see_the_search(
    ui: Officer, store: Store, officer: User, manager: User
) -> None:
    households.create_household(store, officer, make_household())
    window = ui.window
    ui.sign_in()
    assert ui.search("O'Brien")
    ui.shortcut("Ctrl+L")
    lock = window.lock_page
    ui.type("TM01", into=lock.other_code)
    ui.type(PASSWORD, into=lock.other_password)
    ui.press(Qt.Key.Key_Return)
    assert window.context.user.id == manager.id
    assert window.stack.currentWidget() is window.today
    assert window.search.search.text() == ""


def test_quit_by_keyboard_closes_the_window(ui: Officer) -> None:
    ui.sign_in()
    assert ui.window.quit_action.shortcut().toString() == "Ctrl+Q"
    ui.shortcut("Ctrl+Q")
    assert not ui.window.isVisible()


def test_sign_out_and_quit_are_in_the_case_menu(ui: Officer) -> None:
    texts = [a.text() for a in ui.window.case_menu.actions()]
    assert "Sign &out" in texts and "&Quit" in texts
    assert ui.window.sign_out_action.shortcut().toString() == "Ctrl+Shift+L"


# -- labels, never codes ----------------------------------------------------------
def _shown_texts(page: QWidget) -> list[str]:
    """Every text a person can read on ``page``: labels, buttons, titles, pickers, tables."""
    texts: list[str] = []
    for label in page.findChildren(QLabel):
        texts.append(label.text())
    for push in page.findChildren(QAbstractButton):
        texts.append(push.text())
    for box in page.findChildren(QGroupBox):
        texts.append(box.title())
    for combo in page.findChildren(QComboBox):
        texts += [combo.itemText(i) for i in range(combo.count())]
    for tabs in page.findChildren(QTabWidget):
        texts += [tabs.tabText(i) for i in range(tabs.count())]
    for view in page.findChildren(QTableView):
        model = view.model()
        across = Qt.Orientation.Horizontal
        texts += [str(model.headerData(c, across)) for c in range(model.columnCount())]
        texts += [cell for row in table_rows(view) for cell in row]
    return texts


def test_package_and_case_pages_show_labels_not_codes(
    ui: Officer, store: Store, officer: User, eligible: Household
) -> None:
    package = _proposed(store, officer, eligible)
    packages.approve_on_the_spot(store, officer, rules(), package.id, TODAY)
    packages.record_payment(store, officer, package.id, PaymentMethod.BANK_TRANSFER, "BACS 1")
    ui.sign_in()
    _packages_tab(ui, eligible)
    window = ui.window
    pages = [window.household]
    window.start_visit(eligible)
    pages.append(window.visit)
    texts = [t for page in pages for t in _shown_texts(page)]
    assert "Bank transfer" in texts
    assert "Paid" in texts
    codes = sorted({m for t in texts for m in RAW_CODE.findall(t)})
    assert codes == []


class _Later(TaskRunner):
    """Holds background work until the test lets it finish (the PDF takes its time)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Callable[[], Any], Done]] = []

    def run(self, work: Callable[[], Any], done: Done) -> None:
        self.held.append((work, done))

    def finish(self) -> None:
        for work, done in self.held:
            done(work(), None)
        self.held.clear()


class _SaveTo(DialogService):
    def __init__(self, path: Path) -> None:
        self.path, self.opened = path, []

    def save_path(self, parent: QWidget, title: str, suggested: str, filter: str) -> Path | None:
        return self.path

    def open_file(self, path: Path) -> None:
        self.opened.append(path)


def test_a_pdf_finished_after_moving_on_is_not_reported_on_the_next_household(
    ui: Officer, store: Store, officer: User, tmp_path: Path
) -> None:
    first = households.create_household(store, officer, make_household())
    other = households.create_household(store, officer, make_household(postcode="SE5 8RS"))
    later = _Later()
    ui.window.context.tasks = later
    ui.window.context.dialogs = _SaveTo(tmp_path / "copy.pdf")
    ui.sign_in()
    ui.open_found(first.reference)
    page = ui.window.household
    ui.click(page.family_pdf_button)
    assert page.message.text() == "Making the family summary…"

    ui.open_found(other.reference)  # the officer moves on while it is made
    later.finish()
    assert page.household is not None and page.household.id == other.id
    assert page.message.isHidden()  # nothing about the first family on the second's page
    status = ui.window.statusBar().currentMessage()
    assert status.startswith(f"{first.reference}: Saved the family summary")


def test_approved_by_a_manager_is_gone_when_today_opens_another_family(
    ui: Officer, store: Store, officer: User, manager: User, eligible: Household
) -> None:
    _proposed(store, officer, eligible)
    other = households.create_household(store, officer, household_with_arrears(100))
    add_visit(store, officer, other, day=TODAY)  # seen today: listed on Today
    ui.sign_in()
    _packages_tab(ui, eligible)
    panel = ui.window.household.packages
    ui.type("TM01", into=panel.fields.widgets["manager_code"])
    ui.type(PASSWORD, into=panel.fields.widgets["manager_password"])
    ui.click(panel.approve_button)
    assert panel.message.text().startswith("Approved by the team manager")

    ui.shortcut("Ctrl+T")
    ui.press(Qt.Key.Key_1)  # Seen today
    ui.press(Qt.Key.Key_Return)
    assert ui.window.household.household is not None
    assert ui.window.household.household.id == other.id
    ui.open_tab(ui.window.household.tabs, "Packages")
    assert panel.household_id == other.id
    assert panel.message.isHidden()
