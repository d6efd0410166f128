"""GUI test helpers: open the main window offscreen and drive it as an officer would.

``Officer`` only uses the mouse and keyboard (and an input method for scripts a
keyboard layout cannot type); tests then read what the screen shows and, through
the services, what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QStyleOptionButton,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from caseworker import paths
from caseworker.domain.users import User
from caseworker.store.database import Store
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD

HERE = Path(__file__).resolve().parent
# The offscreen platform plugin says this whenever a window with size limits is shown;
# it is about the plugin, not the application, so it must not fail every GUI test.
OFFSCREEN_NOISE = r"^This plugin does not support propagateSizeHints\(\)$"
WINDOW_SIZE = (1100, 760)
Key = Qt.Key
Mod = Qt.KeyboardModifier


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def open_store(data_dir: Path) -> Iterator[Callable[[], Store]]:
    """Open another ``Store`` on the same data folder, as a restarted app would."""
    opened: list[Store] = []

    def _open() -> Store:
        store = Store.open_local(paths.local_store_path())
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.dispose()


@pytest.fixture
def open_window(qtbot: QtBot, store: Store) -> Callable[..., MainWindow]:
    """Show a new main window over ``on`` (default: the test's store), active and exposed."""

    def _open(on: Store | None = None, size: tuple[int, int] = WINDOW_SIZE) -> MainWindow:
        window = MainWindow(AppContext(on or store))
        qtbot.addWidget(window)
        window.resize(*size)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        return window

    return _open


@pytest.fixture
def window(officer: User, open_window: Callable[..., MainWindow]) -> MainWindow:
    """A window over a store where officer Jo Smith (JS01) has an account."""
    return open_window()


@pytest.fixture
def ui(qtbot: QtBot, window: MainWindow) -> Officer:
    return Officer(qtbot, window)


class Officer:
    """Mouse and keyboard on one main window."""

    def __init__(self, qtbot: QtBot, window: MainWindow) -> None:
        self.qtbot = qtbot
        self.window = window

    # -- keyboard -------------------------------------------------------------
    @property
    def focused(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has keyboard focus"
        return widget

    def press(self, key: Key, modifier: Mod = Mod.NoModifier) -> None:
        """A key press on whatever has focus (shortcuts included)."""
        target = QApplication.focusWidget() or self.window
        self.qtbot.keyClick(target, key, modifier)

    def shortcut(self, sequence: str) -> None:
        """Press e.g. "Ctrl+S" or "Alt+Left"."""
        *mods, key = sequence.split("+")
        modifier = Mod.NoModifier
        for mod in mods:
            modifier |= {
                "Ctrl": Mod.ControlModifier,
                "Alt": Mod.AltModifier,
                "Shift": Mod.ShiftModifier,
            }[mod]
        self.press(getattr(Key, f"Key_{key}"), modifier)

    def type(self, text: str, into: QWidget | None = None) -> None:
        """Type ``text`` where the focus is (or into ``into``, clicking it first).

        ASCII goes key by key; accented Latin letters arrive as key events carrying the
        letter (dead keys, AltGr); other scripts are committed by an input method (IME).
        """
        if into is not None:
            self.click(into)
            assert self.focused is into or self.focused.parent() is into
        target = self.focused
        for run in _runs(text):
            if run.isascii():
                self.qtbot.keyClicks(target, run)
            elif all(ord(c) <= 0x24F for c in run):
                for char in run:
                    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                        QApplication.sendEvent(target, QKeyEvent(kind, 0, Mod.NoModifier, char))
            else:
                event = QInputMethodEvent("", [])
                event.setCommitString(run)
                QApplication.sendEvent(target, event)

    def replace(self, widget: QLineEdit | QPlainTextEdit, text: str) -> None:
        """Click into a field, select everything and type over it."""
        self.click(widget)
        self.press(Key.Key_A, Mod.ControlModifier)
        self.press(Key.Key_Delete)
        if text:
            self.type(text)
        current = widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()
        assert current == text

    def paste(self, text: str, into: QWidget) -> None:
        """Copy ``text`` to the clipboard and Ctrl+V it into a field (long notes)."""
        QApplication.clipboard().setText(text)
        self.click(into)
        self.press(Key.Key_V, Mod.ControlModifier)

    def choose(self, combo: QComboBox, text: str) -> None:
        """Choose the option starting with ``text``: Home, then Down arrow until it shows."""
        combo.setFocus(Qt.FocusReason.TabFocusReason)  # as if tabbed to
        self.qtbot.keyClick(combo, Key.Key_Home)
        for _ in range(combo.count()):
            if combo.currentText().startswith(text):
                return
            self.qtbot.keyClick(combo, Key.Key_Down)
        raise AssertionError(f"{combo.objectName()} has no option starting {text!r}")

    # -- mouse ----------------------------------------------------------------
    def click(self, widget: QWidget) -> None:
        if isinstance(widget, QPlainTextEdit):
            widget = widget.viewport()
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def tick(self, box: QCheckBox) -> None:
        """Click the check box's square (the only part that toggles a text-less box)."""
        option = QStyleOptionButton()
        box.initStyleOption(option)
        square = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        self.qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=square.center())

    def open_tab(self, tabs: QTabWidget, title: str) -> None:
        titles = [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]
        bar = tabs.tabBar()
        self.qtbot.mouseClick(
            bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(titles.index(title)).center()
        )
        assert tabs.currentIndex() == titles.index(title)

    # -- whole steps ----------------------------------------------------------
    def sign_in(self, code: str = "JS01", password: str = PASSWORD) -> None:
        """Officer code, Enter, password, Enter."""
        page = self.window.signin
        assert self.window.stack.currentWidget() is page
        assert page.sign_in_box.isVisible()
        self.type(code, into=page.code)
        self.press(Key.Key_Return)  # Enter moves to the password
        assert self.focused is page.password
        self.type(password)
        self.press(Key.Key_Return)
        self.qtbot.waitUntil(lambda: self.window.stack.currentWidget() is self.window.today)

    def search(self, text: str) -> list[tuple[str, ...]]:
        """Ctrl+F, type over the search text, and wait for the results to settle."""
        page = self.window.search
        self.shortcut("Ctrl+F")
        assert self.focused is page.search
        with self.qtbot.waitSignal(page.model.modelReset, timeout=2000):
            self.press(Key.Key_Delete)  # Ctrl+F selected the old text
            self.type(text)
        return table_rows(page.table)

    def open_found(self, text: str) -> None:
        """Search, then Enter opens the first household found."""
        assert self.search(text), f"nothing found for {text!r}"
        self.press(Key.Key_Return)
        assert self.window.stack.currentWidget() is self.window.household


def _runs(text: str) -> list[str]:
    """Split text into runs of ASCII and non-ASCII characters."""
    runs: list[str] = []
    for char in text:
        if runs and runs[-1][-1].isascii() == char.isascii():
            runs[-1] += char
        else:
            runs.append(char)
    return runs


def table_rows(view: QTableView) -> list[tuple[str, ...]]:
    """What a table view shows, row by row."""
    model = view.model()
    return [
        tuple(str(model.index(r, c).data()) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def error_label(page: QWidget, field: str) -> QLabel:
    label = page.findChild(QLabel, f"{field}_error")
    assert label is not None, f"no error label for {field}"
    return label
