"""Paying an approved award on the Packages tab: a route, only its fields, errors where typed."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from caseworker.domain.household import Household
from caseworker.domain.packages import Package
from caseworker.domain.payments import PaymentStatus, RouteKind
from caseworker.domain.users import User
from caseworker.services import fund, households, packages, payments
from caseworker.store.database import Store
from caseworker.ui.packages_panel import PackagesPanel
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Key, Officer


@pytest.fixture
def approved(store: Store, manager: User, officer: User) -> tuple[Household, Package]:
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    household = households.create_household(store, officer, household_with_arrears(12_000))
    visit = add_visit(store, officer, household)
    package = packages.propose(store, officer, rules(), visit.id, [], TODAY)
    return household, packages.approve_on_the_spot(store, officer, rules(), package.id, TODAY)


def _packages_tab(ui: Officer, household: Household) -> PackagesPanel:
    ui.sign_in()
    ui.open_found(household.reference)
    page = ui.window.household
    ui.open_tab(page.tabs, "Packages")
    return page.packages


def _everything_shown(ui: Officer) -> str:
    texts = [w.text() for w in ui.window.findChildren(QLabel)]
    texts += [w.text() for w in ui.window.findChildren(QLineEdit)]
    return "\n".join(texts)


def test_bank_transfer_shows_its_fields_only_errors_under_them_and_masks_after(
    ui: Officer, approved: tuple[Household, Package], store: Store
) -> None:
    household, package = approved
    panel = _packages_tab(ui, household)
    combo = panel.route_combo
    options = [combo.itemText(i) for i in range(combo.count())]
    assert "Bank transfer" in options
    assert not {k.value for k in RouteKind} & set(options)  # labels, never codes

    ui.choose(combo, "Bank transfer")
    bank = panel.route_fields[RouteKind.BANK_TRANSFER].widgets
    cash = panel.route_fields[RouteKind.CASH_OUT].widgets
    assert bank["sort_code"].isVisible() and bank["account_number"].isVisible()
    assert not cash["code"].isVisible()
    assert not panel.route_fields[RouteKind.PREPAID_CARD].widgets["last_four"].isVisible()
    ui.press(Key.Key_Tab)  # from the route to its own fields, then the button
    assert ui.focused is bank["sort_code"]
    ui.press(Key.Key_Tab)
    assert ui.focused is bank["account_number"]
    ui.press(Key.Key_Tab)
    assert ui.focused is panel.paid_button

    ui.type("08-99-9", into=bank["sort_code"])
    ui.type("66374958", into=bank["account_number"])
    ui.click(panel.paid_button)
    fields = panel.route_fields[RouteKind.BANK_TRANSFER]
    assert fields.error_text("sort_code") == "Sort code: enter the 6 digits, like 20-00-00"
    assert panel.message.text().startswith("Nothing sent to finance.")
    assert payments.payments_of(store, package.id) == []

    ui.replace(bank["sort_code"], "08-99-99")  # type: ignore[arg-type]
    ui.replace(bank["account_number"], "66374959")  # type: ignore[arg-type]
    ui.click(panel.paid_button)
    assert fields.error_text("sort_code") == ""
    assert "does not belong with that sort code" in fields.error_text("account_number")
    assert payments.payments_of(store, package.id) == []

    ui.replace(bank["account_number"], "66374958")  # type: ignore[arg-type]
    ui.click(panel.paid_button)
    [payment] = payments.payments_of(store, package.id)
    assert payment.status is PaymentStatus.INSTRUCTED
    assert panel.message.text().startswith(
        f"Sent to finance as {payment.reference}: "
        "Bank transfer, sort code **-**-99, account ****4958."
    )
    assert "into your bank account ending 4958" in panel.message.text()
    assert f"Payment {payment.reference}: Bank transfer" in panel.detail.text()
    shown = _everything_shown(ui)
    assert "66374958" not in shown and "089999" not in shown and "08-99-99" not in shown
    assert combo.currentIndex() == 0  # the form is cleared for the next award


def test_each_route_asks_its_own_questions(
    ui: Officer, approved: tuple[Household, Package], store: Store
) -> None:
    household, package = approved
    panel = _packages_tab(ui, household)
    ui.click(panel.paid_button)  # no route chosen yet
    assert panel.route_choice.error_text("route").startswith("Payment route: choose one of")

    ui.choose(panel.route_combo, "Prepaid card")
    card = panel.route_fields[RouteKind.PREPAID_CARD].widgets
    assert card["top_up"].text() == "120.00"  # type: ignore[attr-defined]  # the award

    ui.choose(panel.route_combo, "Cash-out code")
    cash = panel.route_fields[RouteKind.CASH_OUT]
    ui.type("ab12cd34", into=cash.widgets["code"])
    ui.choose(cash.widgets["delivery"], "Text message")  # type: ignore[arg-type]
    ui.click(panel.paid_button)
    assert cash.error_text("phone").startswith("Mobile number: enter a UK mobile number")
    ui.type("07700 900123", into=cash.widgets["phone"])
    ui.click(panel.paid_button)
    [payment] = payments.payments_of(store, package.id)
    assert payment.description == "Cash-out code by text"
    assert "phone ending 123" in panel.message.text()
