"""The mouse wheel scrolls; it never changes a value the officer is not working on (issue 18)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households
from caseworker.store.database import Store
from caseworker.ui.main_window import MainWindow
from caseworker.ui.widgets import holds_value, install_wheel_guard
from tests.conftest import PASSWORD, make_household
from tests.ui.conftest import Officer

WheelValue = int | str


def wheel(widget: QWidget, steps: int) -> None:
    """Turn the wheel ``steps`` notches over the middle of ``widget`` (negative: down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def value_of(widget: QWidget) -> WheelValue:
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    assert isinstance(widget, QAbstractSlider)
    return widget.value()


def _value_widgets(page: QWidget) -> list[QWidget]:
    return [w for w in page.findChildren(QWidget) if holds_value(w)]


def _every_page(window: MainWindow, household: Household) -> list[QWidget]:
    """Show each page of the window in turn (household and visit with a household open)."""
    shown: list[QWidget] = []
    window.make_every_page()  # pages are made on first use
    for index in range(window.stack.count()):
        page = window.stack.widget(index)
        if page is window.household:
            window.open_household(household.id)
        elif page is window.visit:
            window.start_visit(household)
        elif page is window.lock_page:
            continue  # shown last: it hides every other page until unlocked
        else:
            window.open_manager_page(page)
        assert window.stack.currentWidget() is page
        shown.append(page)
    return shown


def test_the_wheel_changes_no_value_without_focus_on_any_page(
    ui: Officer, store: Store, manager: User
) -> None:
    household = households.create_household(store, manager, make_household())
    ui.sign_in("TM01", PASSWORD)
    window = ui.window
    checked = 0
    for page in _every_page(window, household):
        tabs = [page.tabs] if page is window.household else []
        for tab in range(tabs[0].count() if tabs else 1):
            if tabs:
                tabs[0].setCurrentIndex(tab)
            for widget in _value_widgets(page):
                widget.ensurePolished()
                assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus, widget.objectName()
                if widget.hasFocus():
                    widget.clearFocus()
                before = value_of(widget)
                for steps in (-1, -1, 1, 2):
                    wheel(widget, steps)
                assert value_of(widget) == before, f"{type(page).__name__}: {widget.objectName()}"
                assert not widget.hasFocus()  # the wheel does not give it focus either
                checked += 1
    capitals = [window.visit.fields.widgets[c] for c in ("financial", "mental", "social")]
    assert all(isinstance(c, QComboBox) and c.count() > 1 for c in capitals)
    assert checked >= 10


def test_the_synthetic_wheel_would_change_an_unguarded_score(qtbot: QtBot) -> None:
    """So the test above could fail: the same event changes a combo when no guard is in."""
    guard = install_wheel_guard()
    app = QApplication.instance()
    assert guard is not None and app is not None
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItems(["0", "1", "2", "3"])
    app.removeEventFilter(guard)
    try:
        wheel(combo, -1)
    finally:
        install_wheel_guard()
    assert combo.currentIndex() == 1
    wheel(combo, -1)
    assert combo.currentIndex() == 1  # guarded again, and it has no focus


def test_a_focused_spin_box_or_score_still_follows_the_wheel(
    qtbot: QtBot, ui: Officer, store: Store, officer: User
) -> None:
    household = households.create_household(store, officer, make_household())
    ui.sign_in()
    window = ui.window
    window.start_visit(household)
    spin = QSpinBox(window.visit)
    spin.setRange(0, 10)
    spin.setValue(5)
    spin.show()
    spin.ensurePolished()
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
    wheel(spin, 1)
    assert spin.value() == 5  # not focused: unchanged
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() == 6

    combo = window.visit.fields.widgets["financial"]
    assert isinstance(combo, QComboBox)
    ui.choose(combo, "1")  # tabbed to and chosen with the keys: it has focus
    assert combo.hasFocus()
    wheel(combo, -1)
    assert combo.currentText().startswith("2")
