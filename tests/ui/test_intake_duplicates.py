"""At intake: a new household that looks like one already known says so, and opens it instead.

An officer types the lead contact of a new household; after a pause the page lists
the households already in the store that look like the same family, with why, and
Enter on one opens it. Existing households never show the panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from caseworker.domain.household import Household, Member, Relationship
from caseworker.domain.users import User
from caseworker.services import drafts, households
from caseworker.services import duplicates as duplicates_service
from caseworker.services.duplicates import Match
from caseworker.store.database import Store
from caseworker.ui.duplicates_panel import DEBOUNCE_MS
from caseworker.ui.fields import FieldSet
from caseworker.ui.pages.household import NEW
from tests.conftest import make_household
from tests.ui.conftest import Key, Mod, Officer, table_rows

SETTLE_MS = DEBOUNCE_MS * 3  # long enough for a pending check to have run


@pytest.fixture
def known(store: Store, officer: User) -> Household:
    """Zoë O'Brien-Smith, born 12/03/1985, already registered."""
    return households.create_household(store, officer, make_household())


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Mapping[str, str]]:
    """Every form the panel asked the store about (the panel calls the service module)."""
    asked: list[Mapping[str, str]] = []
    real = duplicates_service.likely_matches

    def counting(store: Store, fields: Mapping[str, str], limit: int = 5) -> list[Match]:
        asked.append(dict(fields))
        return real(store, fields, limit)

    monkeypatch.setattr(duplicates_service, "likely_matches", counting)
    return asked


def _line(fields: FieldSet, name: str) -> QLineEdit:
    edit = fields.widgets[name]
    assert isinstance(edit, QLineEdit)
    return edit


def _all_households(store: Store) -> list[str]:
    return [s.reference for s in households.search(store, "", 0, 500)]


def _start_new_household(ui: Officer) -> None:
    """Sign in, Ctrl+N, then Ctrl+M: the cursor is in the lead contact's surname."""
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page
    assert page.title.text() == "New household"
    ui.shortcut("Ctrl+M")
    assert ui.focused is page.member_fields.widgets["surname"]


def _type_lead_contact(ui: Officer, first: str, surname: str, dob: str) -> None:
    """Surname, Tab, first name, Tab, date of birth; then wait for the pause's check."""
    panel = ui.window.household.duplicates
    with ui.qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        ui.type(surname)
        ui.press(Key.Key_Tab)
        ui.type(first)
        ui.press(Key.Key_Tab)
        ui.type(dob)


def test_a_near_duplicate_is_shown_with_why_and_enter_opens_it_instead(
    store: Store, known: Household, ui: Officer, checks: list[Mapping[str, str]]
) -> None:
    page = ui.window.household
    panel = page.duplicates
    _start_new_household(ui)
    assert panel.isHidden()
    checks.clear()

    _type_lead_contact(ui, "Zoe", "OBrien Smith", "12/03/1985")
    # One check for the whole burst of typing, not one per keystroke.
    assert checks == [
        {
            "postcode": "",
            "phone": "",
            "email": "",
            "first_name": "Zoe",
            "surname": "OBrien Smith",
            "date_of_birth": "12/03/1985",
        }
    ]
    assert panel.isVisible()
    assert panel.label.text().startswith("This family may already be known: 1 household below.")
    [(reference, strength, why)] = table_rows(panel.table)
    assert reference == known.reference
    assert strength in ("Likely", "Very likely")
    assert "Same date of birth (12/03/1985)" in why
    assert "surname" in why and "O'Brien-Smith" in why
    # The panel sits right under the page's message line, above the tabs.
    layout = page.layout()
    assert layout is not None
    assert layout.indexOf(panel) == layout.indexOf(page.message) + 1
    assert panel.geometry().bottom() < page.tabs.geometry().top()

    # Tab reaches the list (it never takes the focus by itself); Enter opens the match.
    assert ui.focused is page.member_fields.widgets["date_of_birth"]
    for _ in range(60):
        ui.press(Key.Key_Tab)
        if ui.focused is panel.table:
            break
    assert ui.focused is panel.table
    ui.press(Key.Key_Return)

    assert ui.window.stack.currentWidget() is page
    assert page.household is not None and page.household.id == known.id
    assert page.title.text() == f"Household {known.reference}"
    assert _line(page.fields, "postcode").text() == "SE15 4QF"
    assert table_rows(page.members_table)[0][:2] == ("Zoë O'Brien-Smith", "12/03/1985")
    assert page.message.text().startswith(f"Opened household {known.reference} instead")
    assert panel.isHidden()
    assert ui.focused is page.fields.widgets["address_line1"]
    assert _all_households(store) == [known.reference]  # no second household saved

    # As on leaving the page, nothing typed is lost: the new form is its draft, and
    # Ctrl+N brings it back with the match shown at once.
    draft = drafts.load_draft(store, ui.window.context.user, "household", NEW)
    assert draft is not None
    assert draft["member_form"]["surname"] == "OBrien Smith"
    ui.shortcut("Ctrl+N")
    assert page.household is None
    assert _line(page.member_fields, "surname").text() == "OBrien Smith"
    assert panel.isVisible() and table_rows(panel.table)[0][0] == known.reference


def test_the_list_is_the_tab_stop_before_the_tabs(known: Household, ui: Officer) -> None:
    page = ui.window.household
    panel = page.duplicates
    _start_new_household(ui)
    _type_lead_contact(ui, "Zoe", "OBrien Smith", "12/03/1985")
    page.member_fields.widgets["surname"].setFocus()  # the member form's first field
    ui.press(Key.Key_Tab, Mod.ShiftModifier)  # the members list
    ui.press(Key.Key_Tab, Mod.ShiftModifier)  # the tab bar
    assert ui.focused.parentWidget() is page.tabs  # its tab bar
    ui.press(Key.Key_Tab, Mod.ShiftModifier)
    assert ui.focused is panel.table


def test_a_different_person_shows_no_match(
    known: Household, ui: Officer, checks: list[Mapping[str, str]]
) -> None:
    panel = ui.window.household.duplicates
    _start_new_household(ui)
    checks.clear()
    _type_lead_contact(ui, "Amara", "Okafor", "01/01/1990")
    assert len(checks) == 1
    assert panel.model.rowCount() == 0
    assert panel.isHidden()


def test_a_match_that_no_longer_fits_is_hidden_again(known: Household, ui: Officer) -> None:
    page = ui.window.household
    panel = page.duplicates
    _start_new_household(ui)
    _type_lead_contact(ui, "Zoe", "OBrien Smith", "12/03/1985")
    assert panel.isVisible()
    with ui.qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        ui.replace(_line(page.member_fields, "date_of_birth"), "12/03/1995")
    assert panel.isHidden()


def test_an_existing_household_being_edited_shows_no_panel(
    qtbot: QtBot, known: Household, ui: Officer, checks: list[Mapping[str, str]]
) -> None:
    page = ui.window.household
    ui.sign_in()
    ui.open_found(known.reference)
    checks.clear()
    # Typing the very details that would match, in the member form and the address.
    ui.shortcut("Ctrl+M")
    ui.type("OBrien Smith")
    ui.press(Key.Key_Tab)
    ui.type("Zoe")
    ui.press(Key.Key_Tab)
    ui.type("12/03/1985")
    ui.open_tab(page.tabs, "Details")
    ui.replace(_line(page.fields, "postcode"), "SE15 4QF")
    qtbot.wait(SETTLE_MS)
    assert checks == []
    assert page.duplicates.isHidden()


def test_a_check_pending_at_save_does_not_flag_the_new_household_itself(
    qtbot: QtBot, store: Store, ui: Officer
) -> None:
    page = ui.window.household
    _start_new_household(ui)
    ui.type("41 Bellenden Road", into=page.fields.widgets["address_line1"])
    ui.type("SE15 4QF", into=page.fields.widgets["postcode"])
    ui.shortcut("Ctrl+M")
    ui.type("Okafor")
    ui.press(Key.Key_Tab)
    ui.type("Amara")
    ui.press(Key.Key_Tab)
    ui.type("01/01/1990")
    ui.click(page.add_member_button)
    ui.shortcut("Ctrl+S")  # before the pause is over
    assert page.title.text().startswith("Household "), page.message.text()
    qtbot.wait(SETTLE_MS)
    assert page.duplicates.isHidden()
    assert page.duplicates.model.rowCount() == 0
    assert len(_all_households(store)) == 1


def test_the_added_lead_contact_is_checked_while_another_member_is_typed(
    store: Store, officer: User, ui: Officer
) -> None:
    known = households.create_household(
        store,
        officer,
        Household(
            postcode="SE5 8RS",
            members=[
                Member(
                    first_name="Tomasz",
                    surname="Nowak",
                    date_of_birth=date(1979, 6, 2),
                    relationship=Relationship.LEAD,
                )
            ],
        ),
    )
    page = ui.window.household
    panel = page.duplicates
    _start_new_household(ui)
    _type_lead_contact(ui, "Tomas", "Nowak", "02/06/1979")
    ui.click(page.add_member_button)  # the member form empties for the next member
    with ui.qtbot.waitSignal(panel.model.modelReset, timeout=2000):
        ui.type("Ola", into=page.member_fields.widgets["first_name"])
    assert [row[0] for row in table_rows(panel.table)] == [known.reference]
