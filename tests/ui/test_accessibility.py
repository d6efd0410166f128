"""Keyboard and screen-reader use, and 200% text, on every page of the main window."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from caseworker import paths
from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households
from caseworker.store.database import Store
from caseworker.ui.app import scale_text
from caseworker.ui.fields import CheckGroup, FieldSet
from caseworker.ui.main_window import MainWindow
from tests.conftest import make_household
from tests.ui.conftest import Key, Officer

PAGES = ["sign-in", "today", "search", "details", "members", "timeline", "visit"]
INPUTS = (
    QLineEdit,
    QPlainTextEdit,
    QComboBox,
    QCheckBox,
    QPushButton,
    QTableView,
    QListView,
    QTabWidget,
)


@pytest.fixture
def household(store: Store, officer: User) -> Household:
    return households.create_household(store, officer, make_household())


def go_to(ui: Officer, page: str, household: Household) -> QWidget:
    """Reach ``page`` as an officer would; return the page widget."""
    window = ui.window
    if page == "sign-in":
        return window.signin
    ui.sign_in()
    if page == "today":
        return window.today  # the first screen after sign-in
    if page == "search":
        ui.shortcut("Ctrl+F")
        return window.search
    ui.open_found(household.reference)
    if page == "visit":
        ui.shortcut("Ctrl+R")
        return window.visit
    ui.open_tab(window.household.tabs, page.capitalize())
    return window.household


def field_sets(window: MainWindow, page: str) -> list[FieldSet]:
    return {
        "sign-in": [window.signin.fields],
        "details": [window.household.fields],
        "members": [window.household.member_fields],
        "visit": [window.visit.fields],
    }.get(page, [])


def ident(widget: QWidget) -> str:
    name = widget.objectName()
    if name and not name.startswith("qt_"):
        return name
    return widget.accessibleName() or type(widget).__name__


def tab_cycle(ui: Officer, start: QWidget, limit: int = 80) -> list[QWidget]:
    """Press Tab from ``start`` until focus comes back to it; every widget focused on the way."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    assert ui.focused is start
    stops = [start]
    for _ in range(limit):
        ui.press(Key.Key_Tab)
        if ui.focused is start:
            return stops
        stops.append(ui.focused)
    raise AssertionError(f"Tab never came back to {ident(start)}: {[ident(w) for w in stops]}")


# -- names and labels ---------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_input_control_has_an_accessible_name(
    ui: Officer, household: Household, page: str
) -> None:
    shown = go_to(ui, page, household)
    controls = [
        w
        for w in ui.window.findChildren(QWidget)
        if isinstance(w, INPUTS)
        and w.isVisible()
        and (isinstance(w, QTabWidget) or w.focusPolicy() != Qt.FocusPolicy.NoFocus)
    ]
    assert len(controls) >= 3
    assert any(shown.isAncestorOf(w) for w in controls)
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in controls if not w.accessibleName()]
    assert unnamed == []


@pytest.mark.parametrize("page", ["sign-in", "details", "members", "visit"])
def test_every_field_has_a_visible_buddy_label(
    ui: Officer, household: Household, page: str
) -> None:
    go_to(ui, page, household)
    labels = [label for label in ui.window.findChildren(QLabel) if label.buddy() is not None]
    problems = []
    for fields in field_sets(ui.window, page):
        for name, widget in fields.widgets.items():
            assert widget.isVisible(), name
            if isinstance(widget, QCheckBox):  # a tick-box carries its own words
                if widget.text().replace("&", "") != widget.accessibleName():
                    problems.append(f"{name}: tick-box text is not its accessible name")
                continue
            captions = [label for label in labels if label.buddy() is widget]
            if len(captions) != 1 or not captions[0].isVisible():
                problems.append(f"{name}: no visible label")
                continue
            text = captions[0].text().replace("&", "")
            if not text or text != widget.accessibleName():
                problems.append(
                    f"{name}: label {text!r} but accessible name {widget.accessibleName()!r}"
                )
    # Not every field gets an Alt+letter: the visit form has more fields than the
    # alphabet; those past it are reached with Tab. Uniqueness is tested below.
    assert problems == []


def test_search_field_has_a_visible_label(ui: Officer, household: Household) -> None:
    go_to(ui, "search", household)
    search = ui.window.search.search
    [caption] = [w for w in ui.window.findChildren(QLabel) if w.buddy() is search]
    assert caption.isVisible() and caption.text() == "&Search"


# -- keyboard -------------------------------------------------------------------------


def test_tab_order_on_the_sign_in_page(ui: Officer) -> None:
    stops = tab_cycle(ui, ui.window.signin.code)
    assert [ident(w) for w in stops] == ["officer_code", "password", "Sign in"]


def test_tab_order_on_the_household_details_tab(ui: Officer, household: Household) -> None:
    page = go_to(ui, "details", household)
    assert isinstance(page, type(ui.window.household))
    stops = [ident(w) for w in tab_cycle(ui, page.fields.widgets["address_line1"])]
    benefits = page.fields.widgets["benefits"]
    assert isinstance(benefits, CheckGroup)
    expected = [
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "phone",
        "email",
        "tenure",
        "savings_pence",
        "rent_arrears_pence",
        "mortgage_arrears_pence",
        "utility_arrears_pence",
        "council_tax_arrears_pence",
        "other_debts_pence",
        *[box.accessibleName() for box in benefits.boxes.values()],
        "Family summary (PDF)",  # the documents row sits above the buttons
        "Case file (PDF)",
        "Back to search",
        "Save household",
        "Record a visit",
        "QTabBar",  # the Details/Members/Timeline tabs, reached by wrapping round
    ]
    assert stops[: len(expected)] == expected


@pytest.mark.parametrize("page", ["details", "members", "visit"])
def test_tab_moves_down_the_form_in_screen_order(
    ui: Officer, household: Household, page: str
) -> None:
    """Columns left to right (the visit: the form, then the package beside it); within a
    column sections top to bottom; within a section focus never moves up."""
    go_to(ui, page, household)
    [fields] = field_sets(ui.window, page)
    first = next(iter(fields.widgets.values()))
    stops = [w for w in tab_cycle(ui, first) if _section(w) is not None]
    assert len(stops) >= len(fields.widgets)
    positions = [
        (_column_x(_section(w)), _content_y(_section(w)), _y_in(w, _section(w))) for w in stops
    ]
    backwards = [
        f"{ident(a)} -> {ident(b)}"
        for (a, pa), (b, pb) in zip(
            zip(stops, positions, strict=True),
            zip(stops[1:], positions[1:], strict=True),
            strict=False,
        )
        if pb < pa
    ]
    assert backwards == []


def _section(widget: QWidget) -> QGroupBox | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QGroupBox):
        parent = parent.parentWidget()
    return parent


def _y_in(widget: QWidget, ancestor: QWidget | None) -> int:
    assert ancestor is not None
    return widget.mapTo(ancestor, widget.rect().topLeft()).y()


def _column_x(box: QGroupBox | None) -> int:
    """Where the section's column starts across the window (its scrolled content's x)."""
    assert box is not None
    content = box.parentWidget()
    assert content is not None
    return content.mapTo(content.window(), content.rect().topLeft()).x()


def _content_y(box: QGroupBox | None) -> int:
    """The section's y within the scrolled content (not the window, which scrolls)."""
    assert box is not None
    content = box.parentWidget()
    assert content is not None
    return _y_in(box, content)


@pytest.mark.parametrize("page", PAGES)
def test_every_tab_stop_is_a_named_control(ui: Officer, household: Household, page: str) -> None:
    go_to(ui, page, household)
    start = ui.focused
    stops = tab_cycle(ui, start)
    unnamed = [
        type(w).__name__
        for w in stops
        if not w.accessibleName() and not isinstance(w.parentWidget(), QTabWidget)
    ]
    assert not any(isinstance(w, QScrollArea) for w in stops)
    assert unnamed == []


def test_keyboard_shortcuts(store: Store, ui: Officer, household: Household) -> None:
    window = ui.window
    shortcuts = {
        a.text().replace("&", ""): a.shortcut().toString() for a in window.case_menu.actions()
    }
    assert shortcuts["Find household"] == "Ctrl+F"
    assert shortcuts["New household"] == "Ctrl+N"
    assert shortcuts["Save"] == "Ctrl+S"
    assert shortcuts["Record a visit"] == "Ctrl+R"
    ui.sign_in()

    ui.shortcut("Ctrl+N")  # Ctrl+N opens a new household
    assert window.stack.currentWidget() is window.household
    assert window.household.title.text() == "New household"
    assert ui.focused is window.household.fields.widgets["address_line1"]

    ui.shortcut("Ctrl+F")  # Ctrl+F goes back to the search field
    assert window.stack.currentWidget() is window.search
    assert ui.focused is window.search.search

    ui.open_found(household.reference)
    ui.replace(window.household.fields.widgets["town"], "Peckham")
    ui.shortcut("Ctrl+S")  # Ctrl+S saves
    assert households.get_household(store, household.id).town == "Peckham"
    assert window.household.message.text() == f"Saved household {household.reference}."

    ui.shortcut("Ctrl+R")  # Ctrl+R records a visit
    assert window.stack.currentWidget() is window.visit
    assert window.visit.title.text() == f"Record a visit — {household.reference}"
    assert ui.focused is window.visit.fields.widgets["point_of_need"]  # dated today already


@pytest.mark.parametrize("page", PAGES)
def test_alt_letter_shortcuts_are_unique_on_each_page(
    ui: Officer, household: Household, page: str
) -> None:
    go_to(ui, page, household)
    keys: list[tuple[str, str]] = []
    texts = [w.text() for w in ui.window.findChildren(QLabel) if w.isVisible()]
    texts += [w.text() for w in ui.window.findChildren(QAbstractButton) if w.isVisible()]
    texts += [a.text() for a in ui.window.menuBar().actions()]
    for tabs in ui.window.findChildren(QTabWidget):
        if tabs.isVisible():
            texts += [tabs.tabText(i) for i in range(tabs.count())]
    for text in texts:
        at = text.replace("&&", "").find("&")
        if at >= 0:
            keys.append((text.replace("&&", "")[at + 1].lower(), text.replace("&", "")))
    counts = Counter(key for key, _ in keys)
    clashes = {k: [t for kk, t in keys if kk == k] for k, n in counts.items() if n > 1}
    assert clashes == {}


def test_alt_r_records_a_visit_from_the_household(ui: Officer, household: Household) -> None:
    go_to(ui, "details", household)
    ui.shortcut("Alt+R")  # the underlined R of "Record a visit"
    # A button's Alt+letter "animates" the click: it lands about 100 ms later.
    ui.qtbot.waitUntil(lambda: ui.window.stack.currentWidget() is ui.window.visit, timeout=2000)


def test_clicking_the_words_of_a_yes_no_question_ticks_it(
    ui: Officer, household: Household
) -> None:
    go_to(ui, "visit", household)
    box = ui.window.visit.fields.widgets["no_money_for_food_or_fuel"]
    assert isinstance(box, QCheckBox)
    assert "No money for food or fuel" in box.text().replace("&", "")
    # Click on the words, to the right of the square.
    words_at = QPoint(box.fontMetrics().horizontalAdvance("No money") + 24, box.height() // 2)
    ui.qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=words_at)
    assert box.isChecked()


# -- 200% text ------------------------------------------------------------------------


@pytest.fixture
def double_text(qapp: QApplication) -> Iterator[float]:
    """The app's own stylesheet and twice the text size; both restored afterwards."""
    font, sheet = qapp.font(), qapp.styleSheet()
    qapp.setStyleSheet((paths.resources_dir() / "style.qss").read_text(encoding="utf-8"))
    scale_text(qapp, 2.0)
    yield font.pointSizeF() * 2
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)


@pytest.mark.parametrize("page", PAGES)
def test_text_is_not_clipped_at_200_percent(
    double_text: float,
    qtbot: QtBot,
    household: Household,
    open_window: Callable[..., MainWindow],
    page: str,
) -> None:
    window = open_window(size=(1280, 800))
    ui = Officer(qtbot, window)
    go_to(ui, page, household)
    assert window.size().toTuple() == (1280, 800)
    texts = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, QLabel | QCheckBox | QPushButton) and w.isVisible() and w.text()
    ]
    assert len(texts) >= 3
    assert window.statusBar().font().pointSizeF() == double_text

    def clipped() -> list[str]:
        return [
            f"{type(w).__name__} {w.text()!r}: {w.width()} < {w.minimumSizeHint().width()}"
            for w in texts
            if w.width() < w.minimumSizeHint().width()
        ]

    # Layouts settle on the next pass of the event loop; text that stays clipped fails.
    def nothing_clipped() -> None:
        assert clipped() == []

    qtbot.waitUntil(nothing_clipped, timeout=1000)
