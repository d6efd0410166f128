"""Today: the first screen after sign-in, the officer's drop-in at a glance.

Five lists (seen today, not saved, waiting for a manager, not yet synced or not
accepted, reviews this week) and the allowance left. Keys 1 to 5 (or Alt+1 to
Alt+5) go to a list, the arrows choose a line and Enter opens it; F5 reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.money import format_pence
from caseworker.services import today as today_service
from caseworker.services.errors import ServiceError
from caseworker.services.today import TodayItem, TodayView
from caseworker.ui.context import AppContext
from caseworker.ui.widgets import banner, heading, help_text, on_refresh_key, show_banner, tab_chain

ITEM_ROLE = Qt.ItemDataRole.UserRole
NOTHING = "Nothing here"

#: (attribute of TodayView, title, what an empty list means), in screen and key order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("seen", "Seen today"),
    ("drafts", "Typed, not saved"),
    ("waiting", "Waiting for a manager"),
    ("unsynced", "Not yet synced or not accepted"),
    ("reviews", "Reviews due this week"),
)


class _List(QListWidget):
    """A list that asks only for its minimum height: the page wraps its help text, so
    the window's scroll area sizes it by height-for-width, from its parts' size hints;
    the grid's stretch then shares out the space there is."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumHeight())


class TodayPage(QWidget):
    open_item = Signal(object)  # TodayItem

    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self.view: TodayView | None = None
        layout = QVBoxLayout(self)
        self.title = heading("Today")
        layout.addWidget(self.title)
        self.allowance = QLabel()
        self.allowance.setAccessibleName("Your allowance left")
        layout.addWidget(self.allowance)
        layout.addWidget(
            help_text(
                "Press 1 to 5 to go to a list, the arrow keys to choose and Enter to open. "
                "Ctrl+F finds any household; F5 reloads this page."
            )
        )
        self.message = banner()
        layout.addWidget(self.message)
        grid = QGridLayout()
        self.lists: dict[str, QListWidget] = {}
        self.titles: dict[str, QLabel] = {}
        for number, (name, title) in enumerate(SECTIONS, start=1):
            label = QLabel()
            label.setProperty("role", "subheading")
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            items = _List()
            items.setObjectName(f"today_{name}")
            items.setAccessibleName(title)
            items.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            items.setWordWrap(True)
            items.setAlternatingRowColors(True)
            # Two entries tall at least (any text size); the grid shares out the rest, so
            # five lists fit a 1366x768 screen without the page scrolling.
            items.setMinimumHeight(5 * items.fontMetrics().height())
            label.setBuddy(items)  # Alt+number, as the title's underline shows
            items.itemActivated.connect(self._activated)  # Enter, or a double click
            key = QShortcut(QKeySequence(str(number)), self)
            key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            # On the Keys page (F1) and in the README: "Name: what it does".
            key.setWhatsThis(f"{title}: on Today, go to this list (arrows choose, Enter opens)")
            key.activated.connect(lambda items=items: self._go_to(items))
            box = QVBoxLayout()
            box.addWidget(label)
            box.addWidget(items, 1)
            row, column = divmod(number - 1, 2)
            grid.addLayout(box, row, column)
            self.lists[name] = items
            self.titles[name] = label
        for row in range(3):
            grid.setRowStretch(row, 1)
        layout.addLayout(grid, 1)
        tab_chain(list(self.lists.values()))
        on_refresh_key(self, self.refresh)

    def refresh(self) -> None:
        """Read the officer's day again and show it (keeping the list that has focus)."""
        self.message.hide()
        on = self._today()
        self.title.setText(f"Today — {on:%A} {on.day} {on:%B %Y}")
        self.title.setAccessibleName(self.title.text())
        try:
            view = today_service.today(self._context.store, self._context.user, on)
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        self.view = view
        left = view.allowance_left_pence
        self.allowance.setText(
            f"Your allowance left: {format_pence(left)}"
            if left is not None
            else "No team fund is open this year, so you have no allowance to award from."
        )
        for number, (name, title) in enumerate(SECTIONS, start=1):
            entries: list[TodayItem] = getattr(view, name)
            self.titles[name].setText(f"&{number}  {title} ({len(entries)})")
            self.titles[name].setAccessibleName(f"{title}: {len(entries)}")
            self._fill(self.lists[name], entries)

    @staticmethod
    def _fill(items: QListWidget, entries: list[TodayItem]) -> None:
        items.clear()
        for entry in entries:
            line = QListWidgetItem(f"{entry.title}\n    {entry.detail}")
            line.setData(ITEM_ROLE, entry)
            line.setData(Qt.ItemDataRole.AccessibleTextRole, f"{entry.title}. {entry.detail}")
            items.addItem(line)
        if not entries:
            empty = QListWidgetItem(NOTHING)
            empty.setFlags(Qt.ItemFlag.NoItemFlags)  # not chosen, not opened
            items.addItem(empty)

    def _go_to(self, items: QListWidget) -> None:
        """Focus a list on its first line: only the list in use shows a chosen line."""
        items.setFocus(Qt.FocusReason.ShortcutFocusReason)
        first = items.item(0)
        if (
            items.currentRow() < 0
            and first is not None
            and first.flags() & Qt.ItemFlag.ItemIsEnabled
        ):
            items.setCurrentRow(0)

    def focus_first(self) -> None:
        """Focus the first list with something in it (or the first list)."""
        for items in self.lists.values():
            if self.entry_of(items) is not None:
                self._go_to(items)
                return
        self._go_to(next(iter(self.lists.values())))

    @staticmethod
    def entry_of(items: QListWidget) -> TodayItem | None:
        current = items.currentItem()
        entry = current.data(ITEM_ROLE) if current is not None else None
        return entry if isinstance(entry, TodayItem) else None

    def _activated(self, item: QListWidgetItem) -> None:
        entry = item.data(ITEM_ROLE)
        if isinstance(entry, TodayItem):
            self.open_item.emit(entry)
