"""Tab follows the screen on every page, reaches every control, and every control is named.

For each page of the window (each tab of the household page; the lock screen; the Keys
page) a test presses Tab from the first control until focus comes round again, and checks
that the controls were visited top to bottom, left to right, as they are laid out, and
that every enabled control of the page was reached. Another walks the accessibility tree
of the same pages and fails on a control a screen reader could not name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import pairwise

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollArea,
    QTabBar,
    QWidget,
)

from caseworker import paths
from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households
from caseworker.store.database import Store
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD, make_household
from tests.ui.conftest import Key, Officer


@dataclass(frozen=True)
class Shown:
    name: str
    page: QWidget


def _household_tabs(window: MainWindow) -> Iterator[str]:
    tabs = window.household.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        yield f"household: {tabs.tabText(index).replace('&', '')}"


def every_page(ui: Officer, household: Household) -> Iterator[Shown]:
    """Show each page in turn, as a manager (who sees every page); the sign-in page first."""
    window = ui.window
    yield Shown("sign-in", window.signin)
    ui.sign_in("TM01", PASSWORD)
    window.make_every_page()  # pages are made on first use
    for index in range(window.stack.count()):
        page = window.stack.widget(index)
        if page in (window.signin, window.lock_page):
            continue
        if page is window.household:
            window.open_household(household.id)
            for name in _household_tabs(window):
                yield Shown(name, page)
            continue
        if page is window.visit:
            window.start_visit(household)
        else:
            window.open_manager_page(page)
        yield Shown(type(page).__name__, page)
    window.lock()
    assert window.stack.currentWidget() is window.lock_page
    yield Shown("lock", window.lock_page)
    window.show_keys()  # F1 works on the lock screen too
    assert window.keys_dialog is not None
    ui.qtbot.waitUntil(window.keys_dialog.isVisible)
    window.keys_dialog.activateWindow()
    ui.qtbot.waitUntil(lambda: QApplication.activeWindow() is window.keys_dialog)
    yield Shown("keys", window.keys_dialog)
    window.keys_dialog.close()


def _inside_compound(widget: QWidget, page: QWidget) -> bool:
    """A part of a compound control (a combo's or a spin box's own line edit)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def controls(page: QWidget) -> list[QWidget]:
    """What Tab should reach on ``page``: shown, enabled, taking focus by Tab."""
    found = []
    for widget in page.findChildren(QWidget):
        if not (widget.isVisible() and widget.isEnabled()):
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusProxy():
            continue
        if _inside_compound(widget, page) or isinstance(widget, QScrollArea):
            continue
        found.append(widget)
    return found


Place = tuple[tuple[QWidget, QRect], ...]


def where(widget: QWidget, page: QWidget) -> Place:
    """Where ``widget`` is, level by level: a scroll area on the page, then within its content.

    A form in a scroll area is laid out in its content (which may be far taller than the
    window): its fields are compared with each other there, and with what is outside the
    area (the buttons below it) by where the area itself is.
    """
    levels: list[tuple[QWidget, QRect]] = []
    inner = widget
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QScrollArea) and parent.widget() is not None:
            content = parent.widget()
            levels.append((inner, QRect(inner.mapTo(content, QPoint(0, 0)), inner.size())))
            inner = parent
        parent = parent.parentWidget()
    levels.append((inner, QRect(inner.mapTo(page, QPoint(0, 0)), inner.size())))
    return tuple(reversed(levels))


def _compared(a: Place, b: Place) -> tuple[QRect, QRect]:
    """The rectangles to compare: at the first level where a and b are in different places."""
    for (box_a, rect_a), (box_b, rect_b) in zip(a, b, strict=False):
        if box_a is not box_b:
            return rect_a, rect_b
    return a[-1][1], b[-1][1]


def ident(widget: QWidget) -> str:
    return widget.accessibleName() or widget.objectName() or type(widget).__name__


def _same_row(a: QRect, b: QRect) -> bool:
    overlap = min(a.bottom(), b.bottom()) - max(a.top(), b.top())
    return overlap > min(a.height(), b.height()) // 2


def _before(a: Place, b: Place) -> int:
    """1 if ``b`` comes after ``a`` in reading order, else 0."""
    ra, rb = _compared(a, b)
    if _same_row(ra, rb):
        return int(rb.left() > ra.left())
    return int(rb.center().y() > ra.center().y())


def out_of_order(stops: list[QWidget], at: dict[QWidget, Place]) -> list[str]:
    """Each step of Tab that goes up the screen, or leftwards along a row."""
    wrong = []
    for a, b in pairwise(stops):
        ra, rb = _compared(at[a], at[b])
        if _same_row(ra, rb):
            backwards = rb.left() < ra.left()
        else:
            backwards = rb.center().y() < ra.center().y()
        if backwards:
            wrong.append(f"{ident(a)} {ra.getRect()} -> {ident(b)} {rb.getRect()}")
    return wrong


def _scroll_to_top(page: QWidget) -> None:
    for area in page.findChildren(QAbstractScrollArea):
        area.verticalScrollBar().setValue(0)
        area.horizontalScrollBar().setValue(0)


def tab_walk(ui: Officer, page: QWidget, limit: int = 400) -> tuple[list[QWidget], list[str]]:
    """Tab from the page's first control round to it again; (stops on the page, problems)."""
    _scroll_to_top(page)
    QApplication.processEvents()
    expected = controls(page)
    if not expected:
        return [], ["no control takes the focus"]
    at = {w: where(w, page) for w in expected}
    first = min(
        expected, key=cmp_to_key(lambda a, b: _before(at[b], at[a]) - _before(at[a], at[b]))
    )
    first.setFocus(Qt.FocusReason.TabFocusReason)
    assert QApplication.focusWidget() is first, ident(first)
    stops = [first]
    for _ in range(limit):
        target = QApplication.focusWidget()
        assert target is not None
        ui.qtbot.keyClick(target, Key.Key_Tab)
        now = QApplication.focusWidget()
        assert now is not None
        if now is first:
            break
        if page.isAncestorOf(now) and now not in stops:
            stops.append(now)
    else:
        raise AssertionError(f"Tab never came back to {ident(first)}")
    problems = out_of_order([s for s in stops if s in at], at)
    missed = [ident(w) for w in expected if w not in stops]
    if missed:
        problems.append(f"never reached: {missed}")
    return stops, problems


@pytest.fixture
def household(store: Store, manager: User) -> Household:
    return households.create_household(store, manager, make_household())


def test_tab_follows_the_screen_and_reaches_every_control_on_every_page(
    ui: Officer, household: Household
) -> None:
    problems: dict[str, list[str]] = {}
    walked = 0
    for shown in every_page(ui, household):
        stops, wrong = tab_walk(ui, shown.page)
        walked += 1
        assert stops, shown.name
        if wrong:
            problems[shown.name] = wrong
    assert walked >= 15
    assert problems == {}


def test_the_order_check_catches_a_step_up_the_screen(ui: Officer) -> None:
    """So the test above could fail: swap two sign-in fields' Tab order and it says so."""
    page = ui.window.signin
    QWidget.setTabOrder(page.password, page.code)
    QWidget.setTabOrder(page.code, page.button)
    _stops, problems = tab_walk(ui, page)
    assert any("->" in p for p in problems)


def test_every_control_on_every_page_has_a_name_in_the_accessibility_tree(
    ui: Officer, household: Household
) -> None:
    unnamed: dict[str, list[str]] = {}
    checked = 0
    for shown in every_page(ui, household):
        for widget in controls(shown.page):
            face = QAccessible.queryAccessibleInterface(widget)
            assert face is not None, ident(widget)
            name = face.text(QAccessible.Text.Name)
            if isinstance(widget, QTabBar):  # named by its tabs, each a child of the bar
                name = name or " ".join(
                    face.child(i).text(QAccessible.Text.Name) for i in range(face.childCount())
                )
            checked += 1
            if not name.strip():
                unnamed.setdefault(shown.name, []).append(
                    f"{type(widget).__name__} {widget.objectName()!r}"
                )
    assert checked >= 100
    assert unnamed == {}


@pytest.fixture
def app_style(qapp: QApplication) -> Iterator[None]:
    """The app's own stylesheet, as ``caseworker`` runs with it; the test's restored after."""
    sheet = qapp.styleSheet()
    qapp.setStyleSheet((paths.resources_dir() / "style.qss").read_text(encoding="utf-8"))
    yield
    qapp.setStyleSheet(sheet)


def test_focus_is_visible_on_every_control_of_every_page(
    app_style: None, ui: Officer, household: Household
) -> None:
    """Each control looks different with the focus: drawn with and without it, compared."""
    unseen: dict[str, list[str]] = {}
    checked = 0
    for shown in every_page(ui, household):
        for widget in controls(shown.page):
            widget.clearFocus()
            QApplication.processEvents()
            without = widget.grab().toImage()
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            QApplication.processEvents()
            if not widget.hasFocus():
                continue  # e.g. a dialog's control while the window has the focus
            checked += 1
            if widget.grab().toImage() == without:
                unseen.setdefault(shown.name, []).append(ident(widget))
    assert checked >= 100
    assert unseen == {}
