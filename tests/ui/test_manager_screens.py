"""The team manager's screens, driven with the keyboard and mouse: approvals, fund, people.

Each page is built on its own over a store made by ``make_team`` (two managers,
two officers with £500 allowance each, a £2,000 fund); the tests read what the
screen shows and, through the services, what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from caseworker.domain.money import format_pence
from caseworker.domain.packages import Package, PackageStatus
from caseworker.domain.users import Role, User
from caseworker.services import fund, packages, payments, users
from caseworker.services.rules_state import RulesState
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.pages.approvals import ApprovalsPage, QueueModel
from caseworker.ui.pages.fund import AllowanceModel, FundPage, allowance_rows
from caseworker.ui.pages.users import UsersPage
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, Team, make_team, new_case, rules_with
from tests.ui.conftest import Key, Mod, Officer, table_rows

NEXT_YEAR = date(2027, 4, 2)  # 2027-28: no fund is open yet


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    made = make_team(tmp_path / "store.db")
    yield made
    made.store.dispose()


@pytest.fixture
def show(qtbot: QtBot) -> Callable[[QWidget], Officer]:
    """Show a page as its own active window; return mouse and keyboard on it."""

    def _show(page: QWidget) -> Officer:
        qtbot.addWidget(page)
        page.resize(1100, 760)
        with qtbot.waitActive(page):
            page.show()
            page.activateWindow()
        return Officer(qtbot, page)  # type: ignore[arg-type]  # any top-level widget does

    return _show


def waiting(team: Team, officer: User, rent_arrears_pence: int, food: bool = False) -> Package:
    """A package the officer made and sent to a team manager."""
    visit = new_case(team, officer, rent_arrears_pence, food)
    made = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    return packages.send_to_manager(team.store, officer, made.id)


def approvals(team: Team, user: User) -> ApprovalsPage:
    return ApprovalsPage(
        AppContext(team.store, current_user=user), lambda: team.rules, lambda: TODAY
    )


def unallocated(team: Team, day: date = TODAY) -> int:
    return fund.fund_view(team.store, team.managers[0], day).balances.unallocated_pence


def click_row(ui: Officer, table: QTableView, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    ui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert table.currentIndex().row() == row


def amount(page: ApprovalsPage, clause: str) -> QLineEdit:
    edit = page.item_fields.widgets[clause]
    assert isinstance(edit, QLineEdit)
    return edit


def alt(ui: Officer, key: Key, target: QAbstractButton) -> None:
    """Alt+letter of a button: its click is animated and lands a moment later."""
    with ui.qtbot.waitSignal(target.clicked, timeout=2000):
        ui.press(key, Mod.AltModifier)


def approve_key(ui: Officer) -> None:
    ui.press(Key.Key_A, Mod.ControlModifier | Mod.ShiftModifier)


def status(team: Team, package: Package) -> PackageStatus:
    return packages.get_package(team.store, package.id).status


# -- approvals ----------------------------------------------------------------------


def test_queue_lists_a_package_sent_to_a_manager(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    package = waiting(team, team.officers[0], 40_000, food=True)
    page = approvals(team, team.managers[0])
    show(page)
    rows = table_rows(page.table)
    assert len(rows) == 1
    assert rows[0][:5] == ("OF01-00001", "Ama Mensah", "3 Under pressure", "£480.00", "Officer 0")
    assert page.count.text() == "1 package waiting, oldest first."
    # The detail: each item with its rule, the household's last year, the budget impact.
    entry = page.current()
    assert entry is not None and entry.package.id == package.id
    assert amount(page, "5.1").text() == "400.00"
    assert amount(page, "5.3").text() == "80.00"
    why = [
        label.text() for label in page.findChildren(QLabel) if label.accessibleName() == "Why 5.1"
    ]
    assert why == ["5.1 Housing costs bridge £400.00, as recommended."]
    assert page.awards.text() == "£0.00"
    assert page.impact.text() == "£1,000.00 now → £520.00 after approving £480.00"
    assert page.explanation.text().startswith("3 Stage 3, Under pressure")


def test_approve_with_a_lowered_amount(team: Team, show: Callable[[QWidget], Officer]) -> None:
    package = waiting(team, team.officers[0], 40_000, food=True)
    before = unallocated(team)
    page = approvals(team, team.managers[0])
    ui = show(page)
    click_row(ui, page.table, 0)
    ui.press(Key.Key_Return)  # Enter on the row goes to the first amount
    assert ui.focused is amount(page, "5.1")
    ui.replace(amount(page, "5.1"), "350")
    assert page.impact.text() == "£1,000.00 now → £570.00 after approving £430.00"
    alt(ui, Key.Key_A, page.approve_button)

    stored = packages.get_package(team.store, package.id)
    assert stored.status is PackageStatus.APPROVED
    assert stored.total_pence == 43_000
    assert {i.clause: i.amount_pence for i in stored.items} == {"5.1": 35_000, "5.3": 8_000}
    assert unallocated(team) == before - 43_000
    assert page.message.isVisible() and not page.message.property("error")
    assert page.message.text() == (
        "Approved OF01-00001 (Ama Mensah): £430.00 (lowered from £480.00). "
        "The fund has £570.00 unallocated."
    )
    assert table_rows(page.table) == []  # the queue refreshed
    assert page.count.text() == "Nothing is waiting for you."
    assert not page.approve_button.isEnabled()


def test_amounts_a_manager_cannot_approve_are_shown_under_the_item(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    package = waiting(team, team.officers[0], 40_000, food=True)
    before = unallocated(team)
    page = approvals(team, team.managers[0])
    ui = show(page)
    ui.replace(amount(page, "5.1"), "about 300")
    assert page.impact.text() == "£1,000.00 now; correct the amounts to see after."
    approve_key(ui)
    assert page.item_fields.error_text("5.1") == (
        "5.1 Housing costs bridge: must be an amount in pounds, like 1,234.50"
    )
    assert page.message.text() == "Not approved. Correct the amounts marked below."

    ui.replace(amount(page, "5.1"), "500.00")  # more than the officer asked for
    ui.click(page.approve_button)
    refusal = "5.1 Housing costs bridge: a manager can lower this to between £0.00 and £400.00"
    assert page.item_fields.error_text("5.1") == refusal
    assert page.message.text() == f"Nothing changed. {refusal}"
    assert page.message.property("error")
    assert status(team, package) is PackageStatus.AWAITING_MANAGER
    assert unallocated(team) == before


def test_reject_needs_a_reason(team: Team, show: Callable[[QWidget], Officer]) -> None:
    package = waiting(team, team.officers[0], 40_000)
    before = unallocated(team)
    page = approvals(team, team.managers[0])
    ui = show(page)
    ui.click(page.reject_button)
    message = "Reason: say why the package is rejected"
    assert page.decision_fields.error_text("reason") == message
    assert page.message.text() == f"Nothing changed. {message}"
    assert ui.focused is page.reason  # straight to the field to fill in
    assert status(team, package) is PackageStatus.AWAITING_MANAGER
    assert table_rows(page.table)[0][0] == "OF01-00001"

    ui.type("Arrears already cleared by the landlord's hardship fund")
    alt(ui, Key.Key_R, page.reject_button)
    assert status(team, package) is PackageStatus.REJECTED
    assert unallocated(team) == before
    assert page.message.text() == (
        "Rejected OF01-00001 (Ama Mensah). Your reason is kept with the decision."
    )
    assert page.reason.text() == ""
    assert table_rows(page.table) == []


def test_a_manager_cannot_approve_their_own_package(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    manager = team.managers[0]
    package = waiting(team, manager, 40_000)
    before = unallocated(team)
    page = approvals(team, manager)
    ui = show(page)
    alt(ui, Key.Key_A, page.approve_button)
    assert page.message.text() == (
        "Nothing changed. You made this package, so another team manager must approve it (6.4)."
    )
    assert page.message.property("error")
    assert status(team, package) is PackageStatus.AWAITING_MANAGER
    assert unallocated(team) == before
    # The other manager can.
    other = approvals(team, team.managers[1])
    ui = show(other)
    alt(ui, Key.Key_A, other.approve_button)
    assert status(team, package) is PackageStatus.APPROVED


def test_the_funds_refusal_is_shown_as_it_is(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    package = waiting(team, team.officers[0], 40_000, food=True)
    fund.grant_allowance(team.store, team.managers[0], team.officers[1].id, 60_000, TODAY)
    page = approvals(team, team.managers[0])
    ui = show(page)
    assert page.impact.text() == "£400.00 now → -£80.00 after approving £480.00"
    approve_key(ui)
    assert page.message.text() == (
        "Nothing changed. The fund has only £400.00 unallocated; £480.00 would overspend it."
    )
    assert status(team, package) is PackageStatus.AWAITING_MANAGER


def test_an_officer_sees_a_refusal_not_a_crash(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    package = waiting(team, team.officers[0], 40_000)
    officer = team.officers[1]
    page = approvals(team, officer)
    ui = show(page)
    assert page.message.text() == "Only a team manager can see the approvals queue."
    assert table_rows(page.table) == []
    assert not page.approve_button.isEnabled() and not page.reject_button.isEnabled()
    approve_key(ui)
    ui.shortcut("F5")
    assert page.message.text() == "Only a team manager can see the approvals queue."
    assert status(team, package) is PackageStatus.AWAITING_MANAGER

    fund_page = FundPage(AppContext(team.store, current_user=officer), lambda: TODAY)
    show(fund_page)
    assert fund_page.message.text() == "Only a team manager can see the team fund."
    assert not fund_page.balances_box.isVisible() and not fund_page.open_box.isVisible()


def test_approvals_tab_order_follows_the_screen(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    waiting(team, team.officers[0], 40_000, food=True)
    page = approvals(team, team.managers[0])
    ui = show(page)
    page.table.setFocus(Qt.FocusReason.TabFocusReason)
    stops = []
    for _ in range(6):
        ui.press(Key.Key_Tab)
        stops.append(ui.focused)
    expected = [
        amount(page, "5.1"),
        amount(page, "5.3"),
        page.reason,
        page.approve_button,
        page.reject_button,
        page.refresh_button,
    ]
    assert stops == expected


def test_queue_model_passes_qt_model_checks(team: Team, qtmodeltester: ModelTester) -> None:
    model = QueueModel(lambda: TODAY)
    qtmodeltester.check(model, force_py=False)
    waiting(team, team.officers[0], 40_000, food=True)
    waiting(team, team.officers[1], 30_000)
    model.set_entries(packages.manager_queue(team.store, team.managers[0], team.rules))
    qtmodeltester.check(model, force_py=False)
    assert model.rowCount() == 2 and model.columnCount() == 6
    assert model.index(1, 3).data() == "£300.00"
    assert model.index(1, 3).data(Qt.ItemDataRole.AccessibleTextRole) == "£300.00"
    assert model.headerData(5, Qt.Orientation.Horizontal) == "Waiting since"


# -- the fund -----------------------------------------------------------------------


def fund_page(team: Team, day: date = TODAY) -> FundPage:
    return FundPage(AppContext(team.store, current_user=team.managers[0]), lambda: day)


def shown_figures(page: FundPage) -> dict[str, str]:
    return {name: label.text() for name, label in page.figures.items()}


def expected_figures(team: Team, day: date) -> dict[str, str]:
    b = fund.fund_view(team.store, team.managers[0], day).balances
    money = fund.fund_summary(team.store, team.managers[0], day)
    return {
        "budget": format_pence(b.budget_pence),
        "allocated": format_pence(b.allocated_pence),
        "approved": format_pence(b.approved_pence),
        "unpaid": format_pence(money.unpaid_pence),
        "paid": format_pence(b.paid_pence),
        "returned": format_pence(money.returned_pence),
        "paid_net": format_pence(money.paid_net_pence),
        "remaining": format_pence(b.remaining_pence),
        "unallocated": format_pence(b.unallocated_pence),
    }


def test_open_the_fund_for_a_new_year(team: Team, show: Callable[[QWidget], Officer]) -> None:
    page = fund_page(team, NEXT_YEAR)
    ui = show(page)
    assert page.title.text() == "Team fund 2027-28"
    assert page.open_box.isVisible() and not page.balances_box.isVisible()
    assert page.budget.text() == "60,000.00"  # the policy's default, to type over
    ui.replace(page.budget, "-5")
    ui.press(Key.Key_Return)
    assert page.open_fields.error_text("budget") == "Budget: must not be negative"
    with pytest.raises(fund.FundRefused):
        fund.fund_view(team.store, team.managers[0], NEXT_YEAR)

    ui.replace(page.budget, "45,000")
    alt(ui, Key.Key_O, page.open_button)
    view = fund.fund_view(team.store, team.managers[0], NEXT_YEAR)
    assert view.financial_year == "2027-28" and view.balances.budget_pence == 4_500_000
    assert page.message.text() == "The team fund is open with a budget of £45,000.00."
    assert not page.open_box.isVisible() and page.balances_box.isVisible()
    assert shown_figures(page) == expected_figures(team, NEXT_YEAR)
    assert shown_figures(page)["unallocated"] == "£45,000.00"
    assert table_rows(page.table) == []


def test_the_offered_budget_and_allowance_come_from_the_policy_file(
    team: Team, tmp_path: Path, show: Callable[[QWidget], Officer]
) -> None:
    """Part 9's £60,000 and £500 are the policy's ``fund_budget`` and ``offline_allowance``
    in force on the day: a council's own figures are offered once it edits its version files."""
    folder = tmp_path / "rules-fund"
    rules_with(
        folder,
        {
            "fund_budget: £60,000.00": "fund_budget: £45,500.00",
            "offline_allowance: £500.00": "offline_allowance: £350.00",
        },
    )
    context = AppContext(team.store, current_user=team.managers[0], rules=RulesState(base=folder))
    page = FundPage(context, lambda: NEXT_YEAR)
    ui = show(page)
    assert page.budget.text() == "45,500.00"
    ui.replace(page.budget, "45,500")
    alt(ui, Key.Key_O, page.open_button)
    assert page.balances_box.isVisible()
    assert page.grant_amount.text() == "350.00"


def test_figures_and_allowances_match_the_fund(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, 12_000)
    made = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, made.id, TODAY)
    page = fund_page(team)
    show(page)
    assert shown_figures(page) == expected_figures(team, TODAY)
    assert shown_figures(page) == {
        "budget": "£2,000.00",
        "allocated": "£880.00",
        "approved": "£120.00",
        "unpaid": "£120.00",
        "paid": "£0.00",
        "returned": "£0.00",
        "paid_net": "£0.00",
        "remaining": "£1,880.00",
        "unallocated": "£1,000.00",
    }
    assert table_rows(page.table) == [
        ("Officer 0 (OF01)", "£500.00", "£0.00", "£120.00", "£380.00"),
        ("Officer 1 (OF02)", "£500.00", "£0.00", "£0.00", "£500.00"),
    ]


def test_fund_shows_approved_paid_and_returned_apart(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    officer, manager = team.officers[0], team.managers[0]
    refs = []
    for arrears in (12_000, 8_000):
        visit = new_case(team, officer, arrears)
        made = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
        packages.approve_on_the_spot(team.store, officer, team.rules, made.id, TODAY)
        code = f"CODE{arrears}"
        form = {"code": code, "delivery": "printed"}
        sent = payments.instruct_from_form(team.store, officer, made.id, "cash_out", form, TODAY)
        refs.append((sent.reference, f"{arrears / 100:.2f}", code[-4:]))
    (kept, kept_amount, kept_end), (back, back_amount, back_end) = refs
    day = TODAY.isoformat()
    payments.import_finance_file(
        team.store,
        manager,
        "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"
        f"F1,{kept},cash_out,paid,{kept_amount},{day},{kept_end},\n"
        f"F2,{back},cash_out,paid,{back_amount},{day},{back_end},\n"
        f"F3,{back},cash_out,returned,{back_amount},{day},{back_end},not collected\n",
        TODAY,
    )
    page = fund_page(team)
    show(page)
    figures = shown_figures(page)
    assert figures == expected_figures(team, TODAY)
    # By hand: £120 and £80 paid; the £80 came back, so only £120 still stands.
    assert {k: figures[k] for k in ("approved", "unpaid", "paid", "returned", "paid_net")} == {
        "approved": "£120.00",
        "unpaid": "£0.00",
        "paid": "£200.00",
        "returned": "£80.00",
        "paid_net": "£120.00",
    }
    assert page.figures["returned"].accessibleName() == (
        "Returned to the fund (paid, then came back)"
    )


def test_grant_allowance(team: Team, show: Callable[[QWidget], Officer]) -> None:
    page = fund_page(team)
    ui = show(page)
    assert page.grant_amount.text() == "500.00"  # the policy's default allowance
    ui.choose(page.grant_officer, "Officer 1")
    ui.replace(page.grant_amount, "125.50")
    alt(ui, Key.Key_G, page.grant_button)
    view = fund.fund_view(team.store, team.managers[0], TODAY)
    assert view.balances.officers[team.officers[1].id].granted_pence == 50_000 + 12_550
    assert page.message.text() == "Granted £125.50 of allowance to Officer 1."
    assert shown_figures(page) == expected_figures(team, TODAY)
    assert ("Officer 1 (OF02)", "£625.50", "£0.00", "£0.00", "£625.50") in table_rows(page.table)

    ui.replace(page.grant_amount, "5,000")  # more than is unallocated
    ui.click(page.grant_button)
    assert page.message.text() == (
        "Nothing granted. The fund has only £874.50 unallocated; £5,000.00 would overspend it."
    )
    assert fund.fund_view(team.store, team.managers[0], TODAY).balances.unallocated_pence == 87_450


def test_enter_in_the_amount_grants_the_allowance(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    page = fund_page(team)
    ui = show(page)
    ui.choose(page.grant_officer, "Officer 1")
    ui.replace(page.grant_amount, "10")
    ui.press(Key.Key_Return)  # the section's button, as Alt+G or a click would
    view = fund.fund_view(team.store, team.managers[0], TODAY)
    assert view.balances.officers[team.officers[1].id].granted_pence == 50_000 + 1_000
    assert page.message.text() == "Granted £10.00 of allowance to Officer 1."


def test_moving_allowance_needs_the_holders_password(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    holder, receiver = team.officers
    page = fund_page(team)
    ui = show(page)
    ui.type("OF01", into=page.holder_code)
    ui.type("not the password", into=page.holder_password)
    ui.choose(page.move_officer, "Officer 1")
    ui.type("100", into=page.move_amount)
    alt(ui, Key.Key_M, page.move_button)
    assert page.message.text().startswith("Nothing moved. The officer code or password is wrong.")
    assert page.holder_password.text() == ""  # never kept
    assert fund.allowance_left(team.store, holder, TODAY) == 50_000
    assert fund.allowance_left(team.store, receiver, TODAY) == 50_000

    ui.type(PASSWORD, into=page.holder_password)
    ui.click(page.move_button)
    assert page.holder_password.text() == ""
    assert fund.allowance_left(team.store, holder, TODAY) == 40_000
    assert fund.allowance_left(team.store, receiver, TODAY) == 60_000
    assert page.message.text() == "Moved £100.00 of allowance from Officer 0 to Officer 1."
    assert shown_figures(page) == expected_figures(team, TODAY)
    assert table_rows(page.table) == [
        ("Officer 0 (OF01)", "£500.00", "£100.00", "£0.00", "£400.00"),
        ("Officer 1 (OF02)", "£600.00", "£0.00", "£0.00", "£600.00"),
    ]


def test_moving_allowance_to_the_holder_is_refused_under_the_field(
    team: Team, show: Callable[[QWidget], Officer]
) -> None:
    page = fund_page(team)
    ui = show(page)
    ui.type("OF01", into=page.holder_code)
    ui.type(PASSWORD, into=page.holder_password)
    ui.choose(page.move_officer, "Officer 0")
    ui.type("100", into=page.move_amount)
    ui.click(page.move_button)
    message = "Officer: choose a different officer to move it to"
    assert page.move_fields.error_text("move_officer") == message
    assert page.message.text() == f"Nothing moved. {message}"
    assert page.holder_password.text() == ""
    assert fund.allowance_left(team.store, team.officers[0], TODAY) == 50_000


def test_allowance_model_passes_qt_model_checks(team: Team, qtmodeltester: ModelTester) -> None:
    model = AllowanceModel()
    qtmodeltester.check(model, force_py=False)
    view = fund.fund_view(team.store, team.managers[0], TODAY)
    model.set_rows(allowance_rows(view, users.list_users(team.store)))
    qtmodeltester.check(model, force_py=False)
    assert model.rowCount() == 2 and model.columnCount() == 5
    assert model.index(0, 4).data() == "£500.00"
    assert model.index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole) is not None


# -- people -------------------------------------------------------------------------


def users_page(team: Team, user: User | None = None) -> UsersPage:
    return UsersPage(AppContext(team.store, current_user=user or team.managers[0]))


def password_fields(page: UsersPage) -> list[str]:
    return [page._line(name).text() for name in ("password", "confirm")]


def test_add_an_officer_with_the_keyboard(team: Team, show: Callable[[QWidget], Officer]) -> None:
    page = users_page(team)
    ui = show(page)
    assert len(table_rows(page.table)) == 4
    ui.press(Key.Key_N, Mod.AltModifier)  # Name
    assert ui.focused is page.fields.widgets["name"]
    ui.type("Zoë O'Brien-Smith")
    ui.press(Key.Key_Tab)
    ui.type("zo01")
    ui.press(Key.Key_Tab)
    assert ui.focused is page.fields.widgets["role"]
    ui.press(Key.Key_Tab)  # Officer is the first role
    ui.type("plum kettle window")
    ui.press(Key.Key_Tab)
    ui.type("plum kettle window")
    ui.press(Key.Key_Return)

    added = [u for u in users.list_users(team.store) if u.officer_code == "ZO01"]
    assert [(u.name, u.role) for u in added] == [("Zoë O'Brien-Smith", Role.OFFICER)]
    assert users.sign_in(team.store, "ZO01", "plum kettle window").id == added[0].id
    assert password_fields(page) == ["", ""]
    assert page.message.text() == (
        "Added Zoë O'Brien-Smith (ZO01) as an officer. "
        "They can sign in now with the password you gave them."
    )
    assert ("Zoë O'Brien-Smith", "ZO01", "Officer") in table_rows(page.table)
    assert page.table.currentIndex().data() == "Zoë O'Brien-Smith"


def fill(ui: Officer, fields: FieldSet, **values: str) -> None:
    for name, text in values.items():
        widget = fields.widgets[name]
        if isinstance(widget, QComboBox):
            ui.choose(widget, text)
        else:
            assert isinstance(widget, QLineEdit)
            ui.replace(widget, text)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"password": "short", "confirm": "short"},
            "password",
            "Password: use at least 10 characters (a few unrelated words are easy to remember)",
        ),
        ({"officer_code": "OF01"}, "officer_code", "Officer code: OF01 is already in use"),
        ({"confirm": "something else"}, "confirm", "The two passwords are not the same"),
        ({"name": ""}, "name", "Your name: must not be empty"),
        (
            {"officer_code": "1AB"},
            "officer_code",
            "Officer code: must be 2 to 8 letters or digits starting with a letter, like JS01",
        ),
    ],
)
def test_bad_input_is_shown_under_the_field_and_nothing_is_saved(
    team: Team,
    show: Callable[[QWidget], Officer],
    values: dict[str, str],
    field: str,
    message: str,
) -> None:
    page = users_page(team)
    ui = show(page)
    before = users.list_users(team.store)
    good = {
        "name": "Sam Patel",
        "officer_code": "SP01",
        "role": "Team manager",
        "password": "plum kettle window",
        "confirm": "plum kettle window",
    }
    fill(ui, page.fields, **(good | values))
    ui.click(page.add_button)
    assert page.fields.error_text(field) == message
    assert page.message.property("error")
    assert users.list_users(team.store) == before
    assert password_fields(page) == ["", ""]
    assert page._line("name").text() == (good | values)["name"]  # the rest is kept to correct


def test_an_officer_cannot_add_people(team: Team, show: Callable[[QWidget], Officer]) -> None:
    page = users_page(team, team.officers[0])
    ui = show(page)
    before = users.list_users(team.store)
    fill(
        ui,
        page.fields,
        name="Sam Patel",
        officer_code="SP01",
        password="plum kettle window",
        confirm="plum kettle window",
    )
    ui.click(page.add_button)
    assert page.message.text() == "Nobody added. Only a team manager can add users."
    assert users.list_users(team.store) == before
    assert password_fields(page) == ["", ""]


def test_users_model_passes_qt_model_checks(
    team: Team, qtmodeltester: ModelTester, qapp: QApplication
) -> None:
    page = users_page(team)
    qtmodeltester.check(page.model, force_py=False)
    assert table_rows(page.table)[0] == ("Manager 1", "TM02", "Team manager")


# -- labels, names and Alt+letters on every page --------------------------------------


PAGES: dict[str, Callable[[Team], QWidget]] = {
    "approvals": lambda team: approvals(team, team.managers[0]),
    "fund": fund_page,
    "open fund": lambda team: fund_page(team, NEXT_YEAR),
    "users": users_page,
}


@pytest.mark.parametrize("name", PAGES)
def test_every_control_is_named_labelled_and_has_its_own_alt_letter(
    team: Team, show: Callable[[QWidget], Officer], name: str
) -> None:
    waiting(team, team.officers[0], 40_000, food=True)
    page = PAGES[name](team)
    show(page)
    controls = [
        w
        for w in page.findChildren(QWidget)
        if isinstance(w, QLineEdit | QComboBox | QAbstractButton | QTableView)
        and w.isVisible()
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    assert len(controls) >= 3
    assert [w.objectName() for w in controls if not w.accessibleName()] == []
    labels = [label for label in page.findChildren(QLabel) if label.isVisible()]
    buddies = {id(label.buddy()): label for label in labels if label.buddy() is not None}
    unlabelled = [
        w.accessibleName()
        for w in controls
        if not isinstance(w, QAbstractButton) and id(w) not in buddies
    ]
    assert unlabelled == []
    for widget in controls:
        label = buddies.get(id(widget))
        if label is not None:
            assert label.text().replace("&", "").rstrip(":") == widget.accessibleName()
    texts = [label.text() for label in labels] + [
        w.text() for w in controls if isinstance(w, QAbstractButton)
    ]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert "c" not in letters  # the main window's Case menu
    assert len(letters) == len(set(letters)), sorted(letters)
