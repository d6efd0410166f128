"""The officer chooses, for a visit's referral, a service from the borough's directory."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from caseworker.domain.clock import FixedClock, use_clock
from caseworker.domain.users import Role, User
from caseworker.services import directory, households, users
from caseworker.services.case_file import case_file
from caseworker.store.database import Store
from tests.conftest import PASSWORD
from tests.directory_feed import service
from tests.services.packages_fixtures import household_with_arrears
from tests.services.test_directory import add_visit, read_feed_of
from tests.ui.conftest import Officer, table_rows

Key = Qt.Key
SATURDAY_10AM = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _feed() -> list[dict[str, object]]:
    return [
        service(
            1, name="Saturday Debt Desk", terms=("Debt advice",), byday="SA", postcode="SE15 1AA"
        ),
        service(2, name="Borough Money Help", terms=("Money advice",), postcode="SE1 1AA"),
        service(
            3,
            name="Peckham Money Advice Centre",
            terms=("Debt advice",),
            postcode="SE15 5DQ",
            phone="0300 000 1507",
        ),
    ]


def _open_referrals(ui: Officer, reference: str) -> None:
    ui.sign_in()
    ui.open_found(reference)
    page = ui.window.household
    ui.open_tab(page.tabs, "Referrals")


def test_officer_lists_the_services_for_a_referral_and_chooses_one_by_keyboard(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)  # financial score 2: referral 7.1
    directory.import_services(store, manager, read_feed_of(_feed()), "feed")
    _open_referrals(ui, household.reference)
    panel = ui.window.household.referrals
    rows = table_rows(panel.referral_table)
    first = next(i for i, r in enumerate(rows) if r[1].startswith("7.1"))
    assert "Not chosen yet" in rows[first][2]
    panel.referral_table.setFocus()
    panel.referral_table.selectRow(first)
    ui.press(Key.Key_Return)  # Enter lists the services for the referral

    # The fixed clock: Friday 10:00. Open now and in the family's district (SE15) first.
    services = table_rows(panel.service_table)
    assert [r[0] for r in services] == [
        "Peckham Money Advice Centre",
        "Borough Money Help",
        "Saturday Debt Desk",
    ]
    _name, _org, address, phone, hours, now = services[0]
    assert address == "4 Example Street, London, SE15 5DQ" and phone == "0300 000 1507"
    assert hours == "Monday, Tuesday, Wednesday, Thursday, Friday 09:00 to 17:00"
    assert now == "Yes, open now · near the family"
    assert services[2][5] == "Closed now · near the family"
    assert "7.1" in panel.services_title.text() and not panel.none_note.isVisible()
    assert ui.focused is panel.service_table

    ui.press(Key.Key_Return)  # Enter chooses the selected (first) service
    assert "will print Peckham Money Advice Centre" in panel.message.text()
    assert table_rows(panel.referral_table)[first][2] == "Peckham Money Advice Centre, SE15 5DQ"
    [record] = case_file(store, household.id, visit.id).visits
    assert record.referral_services["7.1"].name == "Peckham Money Advice Centre"


def test_the_order_follows_the_app_clock_and_a_click_chooses(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)
    directory.import_services(store, manager, read_feed_of(_feed()), "feed")
    _open_referrals(ui, household.reference)
    panel = ui.window.household.referrals
    first = next(
        i for i, r in enumerate(table_rows(panel.referral_table)) if r[1].startswith("7.1")
    )
    panel.referral_table.selectRow(first)
    with use_clock(FixedClock(SATURDAY_10AM)):
        ui.click(panel.find_button)
    services = table_rows(panel.service_table)
    assert services[0][0] == "Saturday Debt Desk" and services[0][5].startswith("Yes, open now")
    panel.service_table.selectRow(1)
    ui.click(panel.choose_button)
    [record] = case_file(store, household.id, visit.id).visits
    assert record.referral_services["7.1"].name == services[1][0]


def test_an_empty_directory_is_said_plainly(ui: Officer, store: Store, officer: User) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    add_visit(store, officer, household)
    _open_referrals(ui, household.reference)
    panel = ui.window.household.referrals
    panel.referral_table.setFocus()
    ui.press(Key.Key_Return)
    assert panel.none_note.isVisible()
    assert "services directory is empty" in panel.none_note.text()
    assert "general details from the referral list" in panel.none_note.text()
    assert not panel.service_table.isVisible() and not panel.choose_button.isVisible()


def test_keyboard_only_ctrl_tab_to_the_referrals_tab_type_a_language_and_choose(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)
    feed = [
        *_feed(),
        service(
            4,
            name="Polish Debt Advice Peckham",
            terms=("Debt advice",),
            postcode="SE15 3CC",
            languages=("English", "Polish"),
        ),
    ]
    directory.import_services(store, manager, read_feed_of(feed), "feed")
    ui.sign_in()
    ui.open_found(household.reference)
    page = ui.window.household
    page.tabs.tabBar().setFocus()
    while page.tabs.tabText(page.tabs.currentIndex()) != "Referrals":
        ui.shortcut("Ctrl+Tab")
    panel = page.referrals
    ui.press(Key.Key_Tab)  # from the tab bar into the list of referrals
    assert ui.focused is panel.referral_table
    rows = table_rows(panel.referral_table)
    assert rows[0][1].startswith("7.1"), rows  # the first referral is selected
    ui.press(Key.Key_Tab)
    assert ui.focused is panel.languages
    ui.type("Polish")
    ui.press(Key.Key_Return)  # Enter in the languages box lists the services
    services = table_rows(panel.service_table)
    assert services[0][0] == "Polish Debt Advice Peckham"  # open, near and in Polish
    assert ui.focused is panel.service_table
    ui.press(Key.Key_Down)
    ui.press(Key.Key_Return)
    [record] = case_file(store, household.id, visit.id).visits
    assert record.referral_services["7.1"].name == services[1][0]
    assert ui.focused is panel.referral_table


def test_another_officers_visit_is_refused_in_plain_words_and_nothing_changes(
    ui: Officer, store: Store, manager: User, officer: User
) -> None:
    other = users.add_user(store, manager, "Sam Patel", "SP02", Role.OFFICER, PASSWORD)
    household = households.create_household(store, other, household_with_arrears(50_000))
    visit = add_visit(store, other, household)  # Sam's visit; Jo signs in
    directory.import_services(store, manager, read_feed_of(_feed()), "feed")
    _open_referrals(ui, household.reference)
    panel = ui.window.household.referrals
    panel.referral_table.setFocus()
    ui.press(Key.Key_Return)
    ui.press(Key.Key_Return)
    assert panel.message.text().startswith("Nothing changed.")
    assert "recorded by another officer" in panel.message.text()
    assert "Traceback" not in panel.message.text()
    [record] = case_file(store, household.id, visit.id).visits
    assert record.referral_services == {}
