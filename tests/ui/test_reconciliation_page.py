"""The manager's reconciliation with finance: reached by Ctrl+Shift+P, read as the manager would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from caseworker.domain.clock import FixedClock, use_clock
from caseworker.domain.users import User
from caseworker.services import fund, households, packages, payments
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Key, Mod, Officer, table_rows

HEADER = "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"


def test_manager_sees_paid_unmatched_and_late_awards(
    open_window: Callable[..., MainWindow], qtbot: object, manager: User, officer: User
) -> None:
    window = open_window()
    store = window.context.store
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    made = []
    for arrears, approved_on in ((12_000, TODAY), (8_000, TODAY - timedelta(days=15))):
        household = households.create_household(store, officer, household_with_arrears(arrears))
        visit = add_visit(store, officer, household)
        package = packages.propose(store, officer, rules(), visit.id, [], TODAY)
        made.append(
            (
                household,
                packages.approve_on_the_spot(store, officer, rules(), package.id, approved_on),
            )
        )
    (paid_household, paid_package), (late_household, _) = made
    payment = payments.instruct_from_form(
        store,
        officer,
        paid_package.id,
        "bank_transfer",
        {"sort_code": "089999", "account_number": "66374958"},
        TODAY,
    )
    day = TODAY.isoformat()
    payments.import_finance_file(
        store,
        manager,
        HEADER
        + f"F1,{payment.reference},bank_transfer,paid,120.00,{day},4958,\n"
        + f"F2,CW-NOSUCHREF0,bank_transfer,paid,10.00,{day},1234,\n",
        TODAY,
    )

    ui = Officer(qtbot, window)  # type: ignore[arg-type]
    ui.sign_in("TM01", PASSWORD)
    ui.shortcut("Ctrl+Shift+P")
    page = window.reconciliation
    assert window.stack.currentWidget() is page
    rows = table_rows(page.table)
    states = {row[0]: row for row in rows}
    paid = states["Paid"]
    assert paid[1] == paid_household.reference and paid[2] == "£120.00"
    assert paid[4] == payment.reference
    assert paid[5] == "Bank transfer, sort code **-**-99, account ****4958"
    unmatched = states["Finance line fits no award"]
    assert unmatched[4] == "CW-NOSUCHREF0" and unmatched[2] == "£10.00"
    late = states["Approved, not paid after 10 days"]
    assert late[1] == late_household.reference
    assert "no payment instruction yet" in late[7]
    assert page.counts.text().startswith("1 paid, 0 failed, 0 returned, 0 paid twice,")

    # Looking further back than 15 days: the late award is no longer late.
    ui.click(page.days)
    ui.press(Key.Key_A, Mod.ControlModifier)
    ui.type("20")
    assert page.days.value() == 20
    assert [row[0] for row in table_rows(page.table)] == ["Finance line fits no award", "Paid"]


def test_officer_cannot_open_the_reconciliation(ui: Officer) -> None:
    ui.sign_in()
    before = ui.window.stack.currentWidget()
    ui.shortcut("Ctrl+Shift+P")
    assert ui.window.stack.currentWidget() is before  # still Today, the first screen
    assert before is not ui.window.reconciliation


def test_manager_sees_which_modulus_tables_check_bank_details(
    open_window: Callable[..., MainWindow], qtbot: object, manager: User
) -> None:
    window = open_window()
    ui = Officer(qtbot, window)  # type: ignore[arg-type]
    ui.sign_in("TM01", PASSWORD)
    ui.shortcut("Ctrl+Shift+P")
    page = window.reconciliation
    assert window.stack.currentWidget() is page
    assert page.modulus_tables.isVisible()
    assert page.modulus_tables.text() == (
        "Bank details are checked against a small sample of sort codes only: most are not "
        "checked until a manager loads Pay.UK's tables (caseworker payments modulus-table)."
    )

    # Loaded at 23:30 UTC on 1 July: 2 July in UK summer time, the day the manager sees.
    with use_clock(FixedClock(datetime(2027, 7, 1, 23, 30, tzinfo=UTC))):
        payments.load_modulus_table(
            window.context.store,
            manager,
            "089000 089999 MOD10 0 0 0 0 0 0 7 1 3 7 1 3 7 1\n"
            "107999 107999 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1\n",
            "401234 400009\n",
            "valacdos.txt and scsubtab.txt",
        )
    ui.click(page.refresh_button)
    assert page.modulus_tables.text() == (
        "Bank details are checked against Pay.UK's tables loaded on 2 July 2027 "
        "(2 rows of sort code ranges, from valacdos.txt and scsubtab.txt)."
    )
