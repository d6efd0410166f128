"""The Manager menu: there for team managers, absent for officers."""

from __future__ import annotations

from collections.abc import Callable

from caseworker.domain.users import User
from caseworker.services import fund, households, packages
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Officer


def test_manager_reaches_queue_fund_and_users_by_keyboard(
    open_window: Callable[..., MainWindow], qtbot: object, manager: User, officer: User
) -> None:
    window = open_window()
    store = window.context.store
    fund.open_fund(store, manager, 6_000_000, TODAY)
    household = households.create_household(store, officer, household_with_arrears(40_000))
    visit = add_visit(store, officer, household)
    package = packages.propose(store, officer, rules(), visit.id, [], TODAY)
    packages.send_to_manager(store, officer, package.id)

    ui = Officer(qtbot, window)  # type: ignore[arg-type]
    ui.sign_in("TM01", PASSWORD)
    assert window.manager_menu.menuAction().isVisible()
    ui.shortcut("Ctrl+Shift+Q")
    assert window.stack.currentWidget() is window.approvals
    assert window.approvals.model.rowCount() == 1
    ui.shortcut("Ctrl+Shift+F")
    assert window.stack.currentWidget() is window.fund
    ui.shortcut("Ctrl+Shift+U")
    assert window.stack.currentWidget() is window.users
    ui.shortcut("Alt+Left")
    assert window.stack.currentWidget() is window.today  # a manager's pages go back to Today


def test_officer_has_no_manager_menu(ui: Officer) -> None:
    ui.sign_in()
    assert not ui.window.manager_menu.menuAction().isVisible()
    ui.shortcut("Ctrl+Shift+Q")
    assert ui.window.stack.currentWidget() is ui.window.today  # nothing opened
