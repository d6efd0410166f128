"""An officer's day through the main window: keyboard and mouse in, screen and store checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from caseworker.domain.assessment import Stage, stage_of
from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import drafts, households, users, visits
from caseworker.store.database import Store
from caseworker.ui.main_window import MainWindow
from tests.conftest import FIXED_TODAY, PASSWORD, make_household
from tests.ui.conftest import Key, Mod, Officer, error_label, table_rows

REFERENCE = re.compile(r"^Household (JS01-\d{5})$")
LONG_NOTE = "".join(f"Line {n:04d}: rent up, hours cut — £{n % 97}.50 short.\n" for n in range(250))
LONG_NOTE = (LONG_NOTE * 2)[:9_999] + "."


def _seed(store: Store, officer: User) -> list[Household]:
    return [
        households.create_household(store, officer, make_household()),
        households.create_household(
            store,
            officer,
            make_household(
                postcode="SE5 8RS",
                members=[
                    {"first_name": "Amara", "surname": "Okafor", "relationship": "lead_contact"}
                ],
            ),
        ),
        households.create_household(
            store,
            officer,
            make_household(
                postcode="SE22 9AB",
                members=[
                    {"first_name": "Tomasz", "surname": "Nowak", "relationship": "lead_contact"}
                ],
            ),
        ),
    ]


def _all_households(store: Store) -> list[tuple[str, str]]:
    return [(s.reference, s.lead_name) for s in households.search(store, "", 0, 500)]


def _add_member(ui: Officer, first: str, surname: str, dob: str, relationship: str = "") -> None:
    page = ui.window.household
    fields = page.member_fields.widgets
    ui.type(first, into=fields["first_name"])
    ui.type(surname, into=fields["surname"])
    ui.type(dob, into=fields["date_of_birth"])
    if relationship:
        ui.choose(fields["relationship"], relationship)
    ui.click(page.add_member_button)


def _create_household_through_ui(ui: Officer) -> str:
    """Ctrl+N, address, two members, Ctrl+S; return the case reference in the title."""
    window = ui.window
    page = window.household
    ui.shortcut("Ctrl+N")
    assert window.stack.currentWidget() is page
    assert page.title.text() == "New household"
    assert ui.focused is page.fields.widgets["address_line1"]
    ui.type("Flat 3, 41 Bellenden Road")
    ui.type("se15 4qf", into=page.fields.widgets["postcode"])
    ui.open_tab(page.tabs, "Members")
    _add_member(ui, "Zoë", "O'Brien-Smith", "12/03/1985")
    _add_member(ui, "김민준", "Nguyễn", "01/07/2012", relationship="Child")
    assert table_rows(page.members_table) == [
        ("Zoë O'Brien-Smith", "12/03/1985", "Lead contact", "Not recorded"),
        ("김민준 Nguyễn", "01/07/2012", "Child", "Not recorded"),
    ]
    ui.shortcut("Ctrl+S")
    match = REFERENCE.match(page.title.text())
    assert match, page.title.text()
    assert page.message.text() == f"Saved household {match.group(1)}."
    return match.group(1)


def _start_visit(ui: Officer) -> None:
    ui.shortcut("Ctrl+R")
    assert ui.window.stack.currentWidget() is ui.window.visit


def _score(ui: Officer, **scores: int) -> None:
    for capital, score in scores.items():
        ui.choose(ui.window.visit.fields.widgets[capital], str(score))


def test_password_fields_are_cleared_when_the_two_passwords_differ(
    store: Store, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    ui = Officer(qtbot, open_window())
    page = ui.window.signin
    fields = page.setup_fields.widgets
    ui.type("Morgan Lee", into=fields["name"])
    ui.type("TM01", into=fields["new_code"])
    ui.type("long enough words", into=fields["new_password"])
    ui.type("long enough wordz", into=fields["confirm"])
    ui.click(page.setup_button)
    assert error_label(page, "confirm").text() == "The two passwords are not the same"
    assert [fields["new_password"].text(), fields["confirm"].text()] == ["", ""]


# -- signing in and finding ---------------------------------------------------------


def test_sign_in_by_typing_code_and_password(store: Store, officer: User, ui: Officer) -> None:
    ui.sign_in("js01", PASSWORD)
    window = ui.window
    assert window.who.text() == "Signed in as Jo Smith (JS01)"
    assert window.stack.currentWidget() is window.today  # the first screen: Today
    assert ui.focused is window.today.lists["seen"]
    assert window.context.user.id == officer.id
    assert window.signin.password.text() == ""  # not kept once checked


def test_wrong_password_is_refused_and_counted(store: Store, ui: Officer) -> None:
    page = ui.window.signin
    ui.type("JS01", into=page.code)
    ui.type("not the password", into=page.password)
    ui.press(Key.Key_Return)
    assert ui.window.stack.currentWidget() is page
    assert page.message.isVisible()
    assert page.message.text().startswith("The officer code or password is wrong.")
    assert page.password.text() == ""
    assert ui.window.context.current_user is None
    # The failure was written to the store: the next wrong try has one fewer left.
    left = users.MAX_FAILURES - 2
    with pytest.raises(users.SignInRefused, match=f"{left} tries left"):
        users.sign_in(store, "JS01", "still not it")


def test_first_run_sets_up_the_team_manager(
    store: Store, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    ui = Officer(qtbot, open_window())  # an empty store: no one can sign in yet
    page = ui.window.signin
    assert page.setup_box.isVisible() and not page.sign_in_box.isVisible()
    fields = page.setup_fields.widgets
    assert ui.focused is fields["name"]
    ui.type("Morgan Lee")
    ui.type("tm01", into=fields["new_code"])
    ui.type("long enough words", into=fields["new_password"])
    ui.type("long enough wordz", into=fields["confirm"])
    ui.click(page.setup_button)
    assert error_label(page, "confirm").isVisible()
    assert users.needs_first_manager(store)

    ui.replace(fields["new_password"], "long enough words")
    ui.replace(fields["confirm"], "long enough words")
    ui.click(page.setup_button)
    assert ui.window.stack.currentWidget() is ui.window.today
    assert ui.window.who.text() == "Signed in as Morgan Lee (TM01)"
    assert users.sign_in(store, "TM01", "long enough words").name == "Morgan Lee"


def test_search_results_update_as_you_type(store: Store, officer: User, ui: Officer) -> None:
    seeded = _seed(store, officer)
    ui.sign_in()
    ui.shortcut("Ctrl+F")  # from Today: the search opens on the latest households
    page = ui.window.search
    assert {row[0] for row in table_rows(page.table)} == {h.reference for h in seeded}
    assert page.count.text() == "3 most recently changed households"

    rows = ui.search("obrien")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (seeded[0].reference, "Zoë O'Brien-Smith", "SE15 4QF")
    ]
    assert page.count.text() == "1 matching households"

    assert [r[1] for r in ui.search("se22")] == ["Tomasz Nowak"]
    assert [r[1] for r in ui.search("zoe 12/03/1985")] == ["Zoë O'Brien-Smith"]
    assert ui.search("Zzyzx") == []
    assert page.count.text() == "No household matches. Check the spelling, or create a new one."


# -- creating a household and recording a visit -------------------------------------


def test_new_household_with_two_members(store: Store, ui: Officer) -> None:
    ui.sign_in()
    reference = _create_household_through_ui(ui)

    [found] = households.search(store, reference)
    saved = households.get_household(store, found.id)
    assert saved.reference == reference
    assert saved.address_line1 == "Flat 3, 41 Bellenden Road"
    assert saved.postcode == "SE15 4QF"
    assert [(m.first_name, m.surname, m.relationship.value) for m in saved.members] == [
        ("Zoë", "O'Brien-Smith", "lead_contact"),
        ("김민준", "Nguyễn", "child"),
    ]
    assert [m.date_of_birth for m in saved.members] == [date(1985, 3, 12), date(2012, 7, 1)]
    assert [r[2] for r in table_rows(ui.window.household.timeline)] == ["Household created"]
    # Accents and scripts fold for searching, but are stored exactly as typed.
    assert [s.reference for s in households.search(store, "nguyen")] == [reference]
    assert [s.reference for s in households.search(store, "김민준")] == [reference]


def test_record_visit_shows_the_stage_live(store: Store, officer: User, ui: Officer) -> None:
    household = _seed(store, officer)[0]
    ui.sign_in()
    ui.open_found(household.reference)
    _start_visit(ui)
    page = ui.window.visit
    assert page.title.text() == f"Record a visit — {household.reference}"
    assert page.stage.text() == "Score all four capitals"

    _score(ui, financial=2, mental=2, social=0)
    assert page.stage.text() == "Score all four capitals"  # one capital still unscored
    _score(ui, human=0)
    assert page.stage.text() == "4 — Depressed and despairing"
    _score(ui, mental=1)
    assert page.stage.text() == "3 — Under pressure"
    _score(ui, financial=0)
    assert page.stage.text() == "1 — Coping"
    _score(ui, financial=2, mental=2)
    assert page.stage.text() == "4 — Depressed and despairing"
    ui.type("Peckham Library", into=page.fields.widgets["venue"])
    ui.type("Hours cut at the depot; rent due Friday.", into=page.fields.widgets["point_of_need"])

    ui.shortcut("Ctrl+S")
    hh_page = ui.window.household
    assert ui.window.stack.currentWidget() is hh_page
    assert hh_page.tabs.currentWidget() is hh_page.timeline
    assert hh_page.timeline.isVisible()
    assert [r[2] for r in table_rows(hh_page.timeline)] == ["Visit recorded", "Household created"]
    assert hh_page.message.text().startswith("Visit saved.")

    [visit] = visits.visits_of(store, household.id)
    capitals = visit.capitals
    assert (capitals.financial, capitals.mental, capitals.social, capitals.human) == (2, 2, 0, 0)
    assert visit.venue == "Peckham Library"
    assert visit.point_of_need == "Hours cut at the depot; rent due Friday."
    assert visit.visit_date == FIXED_TODAY
    assert households.search(store, household.reference)[0].last_visit == FIXED_TODAY
    assert drafts.load_draft(store, ui.window.context.user, "visit", str(household.id)) is None


def test_saved_work_is_there_after_closing_and_reopening(
    store: Store,
    ui: Officer,
    qtbot: QtBot,
    open_store: Callable[[], Store],
    open_window: Callable[..., MainWindow],
) -> None:
    ui.sign_in()
    reference = _create_household_through_ui(ui)
    _start_visit(ui)
    _score(ui, financial=2, mental=2, social=1, human=0)
    ui.type("Drop-in at the library", into=ui.window.visit.fields.widgets["venue"])
    ui.shortcut("Ctrl+S")
    assert ui.window.stack.currentWidget() is ui.window.household
    ui.window.close()
    assert not ui.window.isVisible()

    again = Officer(qtbot, open_window(open_store()))
    again.sign_in()
    rows = again.search("nguyen")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (reference, "Zoë O'Brien-Smith", FIXED_TODAY.strftime("%d/%m/%Y"))
    ]
    again.press(Key.Key_Return)
    page = again.window.household
    assert page.title.text() == f"Household {reference}"
    assert page.fields.widgets["address_line1"].text() == "Flat 3, 41 Bellenden Road"
    assert page.fields.widgets["postcode"].text() == "SE15 4QF"
    assert [r[0] for r in table_rows(page.members_table)] == [
        "Zoë O'Brien-Smith",
        "김민준 Nguyễn",
    ]
    assert [r[2] for r in table_rows(page.timeline)] == ["Visit recorded", "Household created"]
    assert not page.message.isVisible()  # nothing half-typed was left behind

    reopened = again.window.context.store
    [visit] = visits.visits_of(reopened, households.search(reopened, reference)[0].id)
    assert visit.venue == "Drop-in at the library"
    assert stage_of(visit.capitals) is Stage.DEPRESSED_AND_DESPAIRING


# -- bad input ------------------------------------------------------------------------

FUTURE = (FIXED_TODAY + timedelta(days=30)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("postcode", "XYZ", "Postcode: is not a UK postcode"),
        ("savings_pence", "-5", "Savings: must not be negative"),
        ("savings_pence", "abc", "Savings: must be an amount in pounds"),
    ],
)
def test_bad_household_detail_is_shown_next_to_the_field_and_not_saved(
    store: Store, ui: Officer, field: str, typed: str, message: str
) -> None:
    ui.sign_in()
    page = ui.window.household
    ui.shortcut("Ctrl+N")
    ui.type("1 Choumert Grove", into=page.fields.widgets["address_line1"])
    ui.type("SE15 4QF", into=page.fields.widgets["postcode"])
    ui.open_tab(page.tabs, "Members")
    _add_member(ui, "Zoë", "O'Brien-Smith", "12/03/1985")
    ui.open_tab(page.tabs, "Details")
    ui.replace(page.fields.widgets[field], typed)

    ui.shortcut("Ctrl+S")
    _assert_error_next_to(ui, page, page.fields.widgets[field], field, message)
    assert page.title.text() == "New household"
    assert page.message.text().startswith("Not saved.")
    assert _all_households(store) == []

    # Fixing the field and saving again clears the message and saves.
    ui.replace(page.fields.widgets[field], {"postcode": "SE15 4QF"}.get(field, "20.00"))
    ui.shortcut("Ctrl+S")
    assert not error_label(page, field).isVisible()
    assert REFERENCE.match(page.title.text())
    assert len(_all_households(store)) == 1


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("date_of_birth", FUTURE, "Date of birth: cannot be in the future"),
        ("date_of_birth", "31/12/1899", "Date of birth: must be in 1900 or later"),
        ("surname", "", "Surname: must not be empty"),
    ],
)
def test_bad_member_is_shown_next_to_the_field_and_not_saved(
    store: Store, ui: Officer, field: str, typed: str, message: str
) -> None:
    ui.sign_in()
    page = ui.window.household
    ui.shortcut("Ctrl+N")
    ui.type("1 Choumert Grove", into=page.fields.widgets["address_line1"])
    ui.type("SE15 4QF", into=page.fields.widgets["postcode"])
    ui.open_tab(page.tabs, "Members")
    values = {"first_name": "Zoë", "surname": "O'Brien-Smith", "date_of_birth": "12/03/1985"}
    values[field] = typed
    _add_member(ui, values["first_name"], values["surname"], values["date_of_birth"])

    widget = page.member_fields.widgets[field]
    _assert_error_next_to(ui, page, widget, field, message)
    assert page.members_model.rowCount() == 0
    # Save takes in the member typed but not added: still wrong, so nothing is saved and
    # the message says why (the member, not "add at least the lead contact").
    ui.shortcut("Ctrl+S")
    assert page.message.text().startswith("Not saved.")
    assert "The member typed on the Members tab is not complete" in page.message.text()
    assert message in error_label(page, field).text()  # still beside the field
    assert page.title.text() == "New household"
    assert _all_households(store) == []


def test_bad_change_to_a_saved_household_leaves_the_store_unchanged(
    store: Store, officer: User, ui: Officer
) -> None:
    household = _seed(store, officer)[0]
    ui.sign_in()
    ui.open_found(household.reference)
    page = ui.window.household
    assert page.fields.widgets["savings_pence"].text() == "120.00"
    ui.replace(page.fields.widgets["savings_pence"], "-5")
    ui.replace(page.fields.widgets["town"], "London")
    ui.shortcut("Ctrl+S")
    _assert_error_next_to(
        ui, page, page.fields.widgets["savings_pence"], "savings_pence", "Savings: must not"
    )
    assert households.get_household(store, household.id) == household
    assert [e.what for e in visits.timeline(store, household.id)] == ["Household created"]


def _assert_error_next_to(
    ui: Officer, page: QWidget, widget: QWidget, field: str, message: str
) -> None:
    error = error_label(page, field)
    assert error.isVisible(), f"no message shown for {field}"
    assert error.text().startswith(message), error.text()
    # Directly beneath the field, in the same column: "next to the field".
    top = widget.mapTo(ui.window, widget.rect().bottomLeft())
    where = error.mapTo(ui.window, error.rect().topLeft())
    assert where.x() == top.x()
    assert 0 <= where.y() - top.y() <= widget.height()
    assert ui.focused is widget  # the cursor is put in the field to correct


# -- long text and drafts ---------------------------------------------------------------


def test_ten_thousand_character_point_of_need_is_kept_in_full(
    store: Store, officer: User, ui: Officer, qtbot: QtBot
) -> None:
    assert len(LONG_NOTE) == 10_000
    household = _seed(store, officer)[0]
    ui.sign_in()
    ui.open_found(household.reference)
    _start_visit(ui)
    note = ui.window.visit.fields.widgets["point_of_need"]
    ui.paste(LONG_NOTE, into=note)
    assert note.toPlainText() == LONG_NOTE
    user = ui.window.context.user

    def draft_has_note() -> None:
        draft = drafts.load_draft(store, user, "visit", str(household.id))
        assert draft is not None and draft["point_of_need"] == LONG_NOTE

    qtbot.waitUntil(draft_has_note, timeout=3000)

    ui.shortcut("Alt+Left")  # back to the household, then start the visit again
    assert ui.window.stack.currentWidget() is ui.window.household
    _start_visit(ui)
    assert note.toPlainText() == LONG_NOTE
    assert ui.window.visit.message.text() == "Restored the visit you had not finished."

    ui.shortcut("Ctrl+S")
    [visit] = visits.visits_of(store, household.id)
    assert visit.point_of_need == LONG_NOTE


def test_typed_visit_survives_closing_the_window_without_saving(
    store: Store,
    officer: User,
    ui: Officer,
    qtbot: QtBot,
    open_store: Callable[[], Store],
    open_window: Callable[..., MainWindow],
) -> None:
    household = _seed(store, officer)[0]
    ui.sign_in()
    ui.open_found(household.reference)
    _start_visit(ui)
    fields = ui.window.visit.fields.widgets
    ui.type("Walworth Hub", into=fields["venue"])
    ui.type("Zoë's hours were cut; 김 needs a school coat.", into=fields["point_of_need"])
    _score(ui, financial=2, mental=2, social=0, human=1)
    ui.tick(fields["no_money_for_food_or_fuel"])
    assert fields["no_money_for_food_or_fuel"].isChecked()
    user = ui.window.context.user

    # The draft timer writes what was typed about a second after the last keystroke.
    qtbot.waitUntil(
        lambda: (
            (drafts.load_draft(store, user, "visit", str(household.id)) or {}).get("human") == "1"
        ),
        timeout=3000,
    )
    ui.window.close()
    assert visits.visits_of(store, household.id) == []  # a draft is not a visit

    again = Officer(qtbot, open_window(open_store()))
    again.sign_in()
    again.open_found(household.reference)
    _start_visit(again)
    page = again.window.visit
    restored = page.fields.widgets
    assert page.message.isVisible()
    assert page.message.text() == "Restored the visit you had not finished."
    assert restored["venue"].text() == "Walworth Hub"
    assert restored["point_of_need"].toPlainText() == (
        "Zoë's hours were cut; 김 needs a school coat."
    )
    assert restored["no_money_for_food_or_fuel"].isChecked()
    assert [restored[c].currentText() for c in ("financial", "mental", "social", "human")] == [
        "2 - significant pressure",
        "2 - significant pressure",
        "0 - no pressure",
        "1 - some pressure",
    ]
    assert page.stage.text() == "4 — Depressed and despairing"


def test_half_typed_new_household_survives_closing_the_window(
    store: Store,
    ui: Officer,
    qtbot: QtBot,
    open_store: Callable[[], Store],
    open_window: Callable[..., MainWindow],
) -> None:
    ui.sign_in()
    page = ui.window.household
    ui.shortcut("Ctrl+N")
    ui.type("9 Lyndhurst Way")
    ui.open_tab(page.tabs, "Members")
    _add_member(ui, "Zoë", "O'Brien-Smith", "12/03/1985")
    ui.type("Nguy", into=page.member_fields.widgets["first_name"])  # not yet added
    user = ui.window.context.user
    qtbot.waitUntil(
        lambda: (
            (drafts.load_draft(store, user, "household", "new") or {})
            .get("member_form", {})
            .get("first_name")
            == "Nguy"
        ),
        timeout=3000,
    )
    ui.window.close()
    assert _all_households(store) == []

    again = Officer(qtbot, open_window(open_store()))
    again.sign_in()
    again.shortcut("Ctrl+N")
    page = again.window.household
    assert page.message.text() == "Restored changes that were not saved last time."
    assert page.fields.widgets["address_line1"].text() == "9 Lyndhurst Way"
    assert [r[0] for r in table_rows(page.members_table)] == ["Zoë O'Brien-Smith"]
    assert page.member_fields.widgets["first_name"].text() == "Nguy"


def test_keyboard_shortcuts_do_nothing_before_sign_in(ui: Officer) -> None:
    ui.press(Key.Key_N, Mod.ControlModifier)
    ui.press(Key.Key_F, Mod.ControlModifier)
    assert ui.window.stack.currentWidget() is ui.window.signin
