"""The Keys page (F1): every key of the window, read from its actions, never a list by hand.

A row comes from each menu action with a key (its menu, its words, its key and
its status tip, which says what it does), then from each page's own shortcuts
(F5 to refresh a list, a manager's approve and reject), which carry what they
do in their "what's this" text. The README's keys table is checked against
the same rows (tests/ui/test_keys.py), so neither can drift from the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseworker.ui.widgets import heading, help_text

KEYS_PAGE_KEY = "F1"
YES_TODAY_KEY = "Ctrl+Y"  # Say yes today: the Case menu and the Packages tab's button
PAGE_SHORTCUTS = "On a page"


@dataclass(frozen=True)
class KeyRow:
    menu: str  # the menu it is in, or PAGE_SHORTCUTS
    action: str  # its words, without the & of an Alt+letter
    key: str  # portable text, e.g. "Ctrl+Shift+D"
    what: str  # what it does


def _words(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def action_rows(window: QMainWindow) -> list[KeyRow]:
    """Each action of each menu of the window's menu bar, in menu order (hidden menus too)."""
    rows: list[KeyRow] = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if not isinstance(menu, QMenu):
            continue
        for action in menu.actions():
            if action.isSeparator() or not isinstance(action, QAction):
                continue
            rows.append(
                KeyRow(
                    _words(top.text()),
                    _words(action.text()),
                    key_text(action.shortcut()),
                    action.statusTip() or action.toolTip(),
                )
            )
    return rows


def page_rows(window: QWidget) -> list[KeyRow]:
    """Shortcuts a page keeps for itself (each once, however many pages have it).

    A page's ``QShortcut`` says what it does in its what's-this text, "Name: what it does".
    Only pages already made are read: the window makes them all before it opens the
    Keys page (``MainWindow.show_keys``).
    """
    seen: dict[tuple[str, str], KeyRow] = {}
    for shortcut in window.findChildren(QShortcut):
        what = shortcut.whatsThis()
        key = key_text(shortcut.key())
        if what and key and (key, what) not in seen:
            name, _, does = what.partition(": ")
            seen[(key, what)] = KeyRow(PAGE_SHORTCUTS, name, key, does or what)
    return sorted(seen.values(), key=lambda row: row.key)


def key_rows(window: QMainWindow) -> list[KeyRow]:
    """Everything the Keys page lists."""
    return action_rows(window) + page_rows(window)


class KeysDialog(QDialog):
    """Help > Keys: a table of every key, read from the window's actions when opened."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keys")
        self.setAccessibleName("Keys")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Keys"))
        layout.addWidget(
            help_text(
                "Every action has a key. Tab and Shift+Tab move between fields in the order "
                "they appear; Enter presses the page's main button; Alt and an underlined "
                "letter goes to that field or button; Enter on a list row opens it."
            )
        )
        self.rows = key_rows(window)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setAccessibleName("Keys and what they do")
        self.table.setHorizontalHeaderLabels(("Key", "Action", "What it does"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # wrapped: taller
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for number, row in enumerate(self.rows):
            native = QKeySequence(row.key).toString(QKeySequence.SequenceFormat.NativeText)
            place = "" if row.menu == PAGE_SHORTCUTS else f"{row.menu} > "
            for column, text in enumerate((native, place + row.action, row.what)):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(number, column, item)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setDefault(True)
        layout.addWidget(buttons)
        self.resize(820, 600)
