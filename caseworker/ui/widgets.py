"""Small building blocks shared by the screens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TypeGuard

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QTableView,
    QWidget,
)


def section(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return box, form


def scrolling(inner: QWidget) -> QScrollArea:
    """Wrap a form so it stays usable at 200% text size on a small laptop screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a Tab stop: its fields are
    area.setWidget(inner)
    return area


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)  # relative, so it follows text scaling
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def help_text(text: str = "") -> QLabel:
    """Wrapped explanatory text in the quieter help style."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "help")
    return label


def banner() -> QLabel:
    """A message line for the outcome of the last action (errors, saved, restored)."""
    label = QLabel()
    label.setProperty("role", "banner")
    label.setWordWrap(True)
    label.hide()
    return label


def show_banner(label: QLabel, text: str, error: bool = False) -> None:
    label.setText(text)
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setAccessibleName(text)
    label.show()


def button(text: str, tip: str = "") -> QPushButton:
    """A push button named for screen readers by its text (without the & of its Alt+key)."""
    push = QPushButton(text)
    push.setAutoDefault(True)  # Enter presses it when it has the focus (Qt: only in dialogs)
    push.setAccessibleName(text.replace("&", ""))
    if tip:
        push.setToolTip(tip)
    return push


def row_table(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only table that selects whole rows, one at a time; Tab leaves it."""
    view = QTableView()
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return view


REFRESH_KEY = "F5"
REFRESH_WHAT = "Refresh: reload the list on screen (what others changed)"


def on_refresh_key(page: QWidget, refresh: Callable[[], None]) -> None:
    """F5 anywhere on ``page`` reloads it (list pages show what others changed)."""
    shortcut = QShortcut(QKeySequence(REFRESH_KEY), page)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.setWhatsThis(REFRESH_WHAT)
    shortcut.activated.connect(refresh)


class EnterPresses(QObject):
    """Enter in a field of ``area`` presses its default button (as Enter does in a dialog).

    Enter on a focused push button presses that button; Enter in a list opens its row
    (the list's own ``activated``) and in a notes box starts a new line, so neither
    presses the default button.
    """

    def __init__(self, area: QWidget, default: QAbstractButton | Callable[[], QAbstractButton]):
        super().__init__(area)
        self._default = default

    def default(self) -> QAbstractButton:
        return self._default if isinstance(self._default, QAbstractButton) else self._default()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False  # Ctrl+Enter and the like are someone else's
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractItemView | QPlainTextEdit):
            return False
        push = focus if isinstance(focus, QPushButton) else self.default()
        if not (push.isEnabled() and push.isVisible()):
            return False
        push.click()
        return True


def enter_presses(
    area: QWidget,
    default: QAbstractButton | Callable[[], QAbstractButton],
    drawn: bool = True,
) -> EnterPresses:
    """Enter anywhere in ``area`` (a field or a form) presses ``default``.

    ``drawn``: show it as the page's default button (one per page; not for a section's).
    """
    if drawn and isinstance(default, QPushButton):
        default.setDefault(True)
    presses = EnterPresses(area, default)
    area.installEventFilter(presses)
    return presses


def tab_chain(widgets: Sequence[QWidget]) -> None:
    """Tab visits ``widgets`` in this order, the order they appear on screen."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


# Widgets whose value the mouse wheel changes: spin and date boxes, pickers, sliders.
VALUE_WIDGETS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


def holds_value(widget: QObject) -> TypeGuard[QWidget]:
    """A value someone entered (a scroll bar is a slider too, but only moves the view)."""
    return isinstance(widget, VALUE_WIDGETS) and not isinstance(widget, QScrollBar)


class WheelGuard(QObject):
    """The wheel changes only the value being worked on, never one it passes over.

    Installed once on the application. A wheel event over a value widget without
    focus is ignored and swallowed, so Qt hands it on to the scroll area beneath
    (the page scrolls) and the capital score the pointer crossed stays as it was.
    Each value widget also takes ``StrongFocus`` when first polished, so the wheel
    never gives it focus either: only a click or Tab does.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and holds_value(watched):
            steady(watched)
        elif kind == QEvent.Type.Wheel and holds_value(watched):
            if watched.hasFocus():
                return False
            event.ignore()  # unaccepted: it goes on to the parent, which scrolls
            return True
        return False


_guard: WheelGuard | None = None


def install_wheel_guard() -> WheelGuard | None:
    """Install the one application-wide ``WheelGuard`` (again is harmless)."""
    global _guard
    app = QApplication.instance()
    if app is None:
        return None
    if _guard is None:
        _guard = WheelGuard()
    app.removeEventFilter(_guard)  # never twice in the filter list
    app.installEventFilter(_guard)
    return _guard


def steady(widget: QWidget) -> None:
    """Focus by click or Tab only (not by the wheel), for a widget holding a value."""
    if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class ScoreMovesOn(QObject):
    """A score typed as its digit in one of ``combos`` chooses it and moves on to the next,
    so an officer scores the four capitals with four digits (issue 18: fewer keys).

    Only a digit that is one of the combo's values moves on; any other key does what it
    always did, and the last combo keeps the focus (the officer saves from there).
    """

    def __init__(self, combos: Sequence[QComboBox]) -> None:
        super().__init__(combos[0] if combos else None)
        self._combos = list(combos)
        for combo in self._combos:
            combo.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if watched not in self._combos or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        position = self._combos.index(watched)
        combo = self._combos[position]
        index = combo.findData(event.text()) if event.text().isdigit() else -1
        if index < 0:
            return False
        combo.setCurrentIndex(index)
        if position + 1 < len(self._combos):
            self._combos[position + 1].setFocus(Qt.FocusReason.TabFocusReason)
        return True
