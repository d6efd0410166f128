"""Sync in the status bar: what is waiting, when it last synced, what needs a person.

The officer must always be able to tell whether the laptop is talking to the
team's store and whether their work has left the laptop. ``SyncStatusBar`` is
the view (labels in the status bar, a busy indicator and a Cancel button while
syncing); ``SyncController`` runs ``caseworker.sync.run.sync`` on the
``TaskRunner`` every few minutes and on "Sync now", one sync at a time.

The counts come from the local store (cheap), read again shortly after any
commit to it, so "1 change waiting" appears as soon as a household is saved.
An unreachable store is not an error: the changes wait on the laptop and the
next sync tries again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from caseworker import paths
from caseworker.domain import clock
from caseworker.domain.dates import local_time
from caseworker.services import notices
from caseworker.settings import current_settings
from caseworker.store.database import Store
from caseworker.store.errors import StoreError, translate
from caseworker.sync.status import SyncStatus, status
from caseworker.ui.context import AppContext

if TYPE_CHECKING:
    from caseworker.domain.rules import RuleSet
    from caseworker.sync.remote import Remote
    from caseworker.sync.run import SyncReport

log = logging.getLogger(__name__)
SYNC_INTERVAL_MS = 3 * 60_000  # background sync while a store address is set
FIRST_SYNC_DELAY_MS = 3_000  # soon after start, once the window is up
STATUS_DELAY_MS = 150  # gather a burst of commits into one re-read of the counts
SYNC_NOW_KEY = "F9"  # F5 is each list page's Refresh; F9 is Outlook's Send/Receive
CANCEL_KEY = "Esc"
NOT_CONFIGURED = "Not connected to a shared store"
OFFLINE = "Offline — will try again"
CONNECTING = "Connecting…"  # before the first sync of this session

Address = Callable[[], str | None]


# The sync machinery (HTTP client, wire format, every service a pushed change replays
# through) is loaded at the first sync, not at start-up (issue 18); tests replace these.
def open_remote(address: str, rules: RuleSet) -> Remote:
    """``caseworker.sync.connect.open_remote``, imported when first used."""
    from caseworker.sync.connect import open_remote as connect

    return connect(address, rules)


def sync(local: Store, remote: Remote, rules: RuleSet, cancelled: Callable[[], bool]) -> SyncReport:
    """``caseworker.sync.run.sync``, imported when first used."""
    from caseworker.sync.run import sync as run

    return run(local, remote, rules, cancelled=cancelled)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def sync_time(instant: datetime | None, now: datetime | None = None) -> str:
    """ "14:05" today, "03/05 14:05" another day, "never"; stored instants are UTC."""
    if instant is None:
        return "never"
    local = local_time(instant)
    today = local_time(now or clock.now()).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%d/%m %H:%M}"


# Clickable words that look like the status bar's labels; bold and underlined when
# there is something for a person to do. (A widget's own sheet: setFont is overridden
# by the application's style sheet.)
_LINK_STYLE = """
QToolButton { border: none; padding: 0 10px; background: transparent; }
QToolButton:hover { text-decoration: underline; }
QToolButton[attention="true"] { font-weight: bold; text-decoration: underline; }
QToolButton[role="error"] { color: #b00020; }
"""


def _link_button(name: str) -> QToolButton:
    """Flat, clickable words; not a Tab stop (the Case menu reaches the same page)."""
    push = QToolButton()
    push.setStyleSheet(_LINK_STYLE)
    push.setAccessibleName(name)
    push.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    push.setCursor(Qt.CursorShape.PointingHandCursor)
    push.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return push


# Shorter words for when the status bar is narrow (large text, a small screen): the
# full words stay in each item's tooltip and accessible description.
_SHORT = {
    NOT_CONFIGURED: "No shared store",
    OFFLINE: "Offline",
    "Stopping the sync…": "Stopping…",
}


class SyncStatusBar(QWidget):
    """The status bar's sync part. It only shows what the controller tells it.

    Each item has full words and short ones; the short ones are used only when the
    full ones do not fit (at 200% text the full status is wider than a laptop screen).
    """

    conflicts_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.connection = QLabel()
        self.connection.setAccessibleName("Connection")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no length known: a moving busy indicator
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Syncing")
        self.busy.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * 8))
        self.busy.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.setToolTip(f"Stop syncing ({CANCEL_KEY}); nothing is lost")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.hide()
        self.waiting = QLabel()
        self.waiting.setAccessibleName("Changes waiting to sync")
        self.last_sync = QLabel()
        self.last_sync.setAccessibleName("Last sync")
        self.conflicts = _link_button("Conflicts to resolve")
        self.refused = _link_button("Changes not accepted")
        self.refused.setProperty("role", "error")
        self.refused.setProperty("attention", True)
        self.refused.hide()
        self._words: dict[QLabel | QToolButton, tuple[str, str, str]] = {}
        self._short = False
        self._items: tuple[QWidget, ...] = (
            self.connection,
            self.busy,
            self.cancel_button,
            self.waiting,
            self.last_sync,
            self.conflicts,
            self.refused,
        )
        gap = self.fontMetrics().horizontalAdvance(" ")
        for widget in self._items:
            if isinstance(widget, QLabel):  # figures side by side must not run together
                widget.setContentsMargins(gap, 0, gap, 0)
            row.addWidget(widget)
        self.show_connection(NOT_CONFIGURED)
        self.conflicts.clicked.connect(self.conflicts_clicked.emit)
        self.refused.clicked.connect(self.conflicts_clicked.emit)
        self.cancel_button.clicked.connect(self.cancel_clicked.emit)

    # -- words ----------------------------------------------------------------
    def _say(self, widget: QLabel | QToolButton, full: str, short: str, why: str) -> None:
        self._words[widget] = (full, short, why)
        tip = f"{full}. {why}" if why else full
        widget.setToolTip(tip)
        widget.setAccessibleDescription(tip)
        widget.setText(short if self._short else full)
        self.updateGeometry()

    def _width(self, short: bool) -> int:
        """The width the visible items need with the full (or short) words."""
        total = 0
        for widget in self._items:
            if widget.isHidden():
                continue
            hint = widget.sizeHint().width()
            if isinstance(widget, QLabel | QToolButton) and widget in self._words:
                words = self._words[widget]
                metrics = widget.fontMetrics()
                hint += metrics.horizontalAdvance(words[1 if short else 0])
                hint -= metrics.horizontalAdvance(widget.text())
            total += hint
        return total

    def sizeHint(self) -> QSize:
        return QSize(self._width(short=False), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._width(short=True), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        short = event.size().width() < self._width(short=False)
        if short != self._short:
            self._short = short
            for widget, (full, brief, _why) in self._words.items():
                widget.setText(brief if short else full)
        super().resizeEvent(event)

    # -- what the controller shows ---------------------------------------------
    def show_connection(self, text: str, detail: str = "") -> None:
        self._say(self.connection, text, _SHORT.get(text, text), detail)

    def show_counts(self, counts: SyncStatus, configured: bool) -> None:
        """The counts; "last sync" and a zero conflict count only matter with a store."""
        self._say(
            self.waiting,
            _plural(counts.waiting, "change waiting", "changes waiting"),
            f"{counts.waiting} waiting",
            "Saved on this laptop; the shared store has not had them yet",
        )
        when = sync_time(counts.last_sync_at)
        self._say(
            self.last_sync,
            f"Last sync {when}",
            "Never synced" if counts.last_sync_at is None else f"Synced {when}",
            "",
        )
        self.last_sync.setVisible(configured or counts.last_sync_at is not None)
        self._say(
            self.conflicts,
            _plural(counts.conflicts, "conflict to resolve", "conflicts to resolve"),
            _plural(counts.conflicts, "conflict", "conflicts"),
            "Two people changed the same detail: choose which value stays",
        )
        self.conflicts.setVisible(configured or counts.conflicts > 0)
        attention = counts.conflicts > 0  # something for a person to do
        if self.conflicts.property("attention") != attention:
            self.conflicts.setProperty("attention", attention)
            self.conflicts.style().unpolish(self.conflicts)
            self.conflicts.style().polish(self.conflicts)
        self._say(
            self.refused,
            _plural(counts.refused, "change not accepted", "changes not accepted"),
            f"{counts.refused} not accepted",
            "Changes the team store did not accept, and why: resend or discard them",
        )
        self.refused.setVisible(counts.refused > 0)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.updateGeometry()


def configured_address() -> str | None:
    """The team's store from settings; never in demo mode, whose households are made up
    and must not reach the team's real store."""
    return None if paths.demo_mode() else current_settings().shared_store_url


class SyncController(QObject):
    """Runs syncs in the background and keeps ``SyncStatusBar`` up to date."""

    # manual, report: the window reloads what it shows (see MainWindow).
    synced = Signal(bool, object)
    _committed = Signal()

    def __init__(
        self,
        context: AppContext,
        view: SyncStatusBar,
        notify: Callable[[str], None],
        address: Address | None = None,
        interval_ms: int = SYNC_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.view = view
        self._notify = notify
        self._address = address or configured_address
        self._cancel: threading.Event | None = None  # set while a sync runs
        self._stopped = False
        self.online: bool | None = None  # None: not tried yet
        self.last_error = ""

        self.sync_action = QAction("S&ync now", self)
        self.sync_action.setShortcut(QKeySequence(SYNC_NOW_KEY))
        self.sync_action.setToolTip("Send this laptop's changes and fetch the team's now")
        self.sync_action.triggered.connect(lambda: self.sync_now(manual=True))
        self.cancel_action = QAction("Cancel sync", self)
        self.cancel_action.setShortcut(QKeySequence(CANCEL_KEY))
        self.cancel_action.setEnabled(False)  # so Esc is free except while syncing
        self.cancel_action.triggered.connect(self.cancel)
        view.cancel_clicked.connect(self.cancel)

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.sync_now(manual=False))
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(FIRST_SYNC_DELAY_MS)
        self.first.timeout.connect(lambda: self.sync_now(manual=False))
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_DELAY_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._committed.connect(self._status_timer.start)
        # The services say when a change to this store has committed (from whichever
        # thread): the counts are re-read here, on the GUI thread, a moment later.
        self._stop_watching = notices.watch(context.store, self._notify_committed)
        self.refresh_status()

    def _notify_committed(self) -> None:
        with contextlib.suppress(RuntimeError):  # the window has gone: never fail a commit
            self._committed.emit()

    # -- state ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._cancel is not None

    def address(self) -> str | None:
        return self._address() or None

    def start(self) -> None:
        """Background sync: soon after start, then every few minutes."""
        self.first.start()
        self.timer.start()

    def stop_background(self) -> None:
        self.first.stop()
        self.timer.stop()

    def stop(self) -> None:
        """The window is closing: no more syncs; a running one stops at its next step."""
        self._stopped = True
        self.stop_background()
        self._status_timer.stop()
        self._stop_watching()
        if self._cancel is not None:
            self._cancel.set()

    def refresh_status(self) -> None:
        """Re-read the counts from the local store (a few indexed counts)."""
        if self._stopped:
            return
        try:
            counts = status(self._context.store)
        except StoreError:
            return  # the local store is busy or gone; the next commit or sync tries again
        configured = self.address() is not None
        self.view.show_counts(counts, configured)
        if self.running:
            return
        if not configured:
            self.view.show_connection(
                NOT_CONFIGURED,
                "Cases are saved on this laptop only. IT sets the team's store "
                "(shared_store_url in the settings).",
            )
        elif self.online is False:
            self.view.show_connection(OFFLINE, self.last_error)
        elif self.online:
            self.view.show_connection("Online", "The shared store answered the last sync.")
        else:
            self.view.show_connection(CONNECTING, "The first sync starts shortly.")

    # -- syncing --------------------------------------------------------------
    def sync_now(self, manual: bool = True) -> None:
        """Start a sync in the background unless one is running (never two at once)."""
        if self._stopped:
            return
        if self.running:
            if manual:
                self._notify("A sync is already running.")
            return
        address = self.address()
        if address is None:
            self.refresh_status()
            if manual:
                self._notify(
                    "There is no shared store to sync with: ask IT to set shared_store_url."
                )
            return
        cancel = threading.Event()
        self._cancel = cancel
        self.cancel_action.setEnabled(True)
        self.view.set_busy(True)
        self.view.show_connection("Syncing…", f"Press {CANCEL_KEY} to stop.")
        local, rules = self._context.store, self._context.rules.current()

        def work() -> SyncReport:  # on a worker thread: no widgets here
            remote = open_remote(address, rules)
            try:
                return sync(local, remote, rules, cancelled=cancel.is_set)
            finally:
                remote.close()

        self._context.tasks.run(work, lambda result, error: self._finished(manual, result, error))

    def cancel(self) -> None:
        if self._cancel is None:
            return
        self._cancel.set()
        self.cancel_action.setEnabled(False)
        self.view.cancel_button.setEnabled(False)
        self.view.show_connection("Stopping the sync…", "It stops after the current step.")

    def _finished(self, manual: bool, result: Any, error: BaseException | None) -> None:
        """Back on the GUI thread: show the outcome; a bug goes to the error notifier."""
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._cancel = None
        if self._stopped:
            return
        self.cancel_action.setEnabled(False)
        self.view.set_busy(False)
        problem = None if error is None else translate(error, shared=True)
        if problem is not None:
            # Unreachable, busy, full or not ready for this version: the changes wait here.
            log.info("sync did not reach the shared store (%s)", type(problem).__name__)
            self.online, self.last_error = False, str(problem)
            self.refresh_status()
            if manual:
                self._notify(str(problem))
            return
        if error is not None:
            self.refresh_status()
            raise error  # a bug: the notifier reports it (type and stack only)
        from caseworker.sync.run import SyncReport

        assert isinstance(result, SyncReport)
        self.online, self.last_error = True, ""
        self.refresh_status()
        self._notify_outcome(manual, cancelled, result)
        self.synced.emit(manual, result)

    def _notify_outcome(self, manual: bool, cancelled: bool, report: SyncReport) -> None:
        if report.new_client_id:
            self._notify(
                "This laptop's data folder is a copy or was restored: it now syncs under a new "
                "identity. Every change on it is kept and none is applied twice; the team "
                "managers are told."
            )
        if report.refused:
            self._notify(
                f"{_plural(len(report.refused), 'change', 'changes')} not accepted, "
                "kept here: see Case > Conflicts."
            )
        elif cancelled:
            self._notify("Sync stopped. What was not sent waits on this laptop for the next sync.")
        elif manual:
            pushed = report.pushed
            self._notify(
                f"Synced: sent {_plural(pushed.applied, 'change', 'changes')}, "
                f"fetched {_plural(report.pulled_rows, 'record', 'records')}."
            )
