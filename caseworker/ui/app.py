"""Start the desktop application."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from caseworker import __version__, paths
from caseworker.logs import ErrorNotifier, setup_logging
from caseworker.store.encryption import open_session_store
from caseworker.store.errors import StoreError
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import IDLE_LOCK_MINUTES, MainWindow

log = logging.getLogger(__name__)
ENV_IDLE_LOCK = "CASEWORKER_IDLE_LOCK_MINUTES"


def create_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Caseworker")
    app.setApplicationVersion(__version__)
    style = paths.resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def scale_text(app: QApplication, factor: float) -> None:
    """Scale the application's text (accessibility: 200% text must still work)."""
    font = QFont(app.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    app.setFont(font)


def idle_lock_ms() -> int:
    """The idle time before the screen locks: ``CASEWORKER_IDLE_LOCK_MINUTES`` or 5 minutes."""
    try:
        minutes = float(os.environ.get(ENV_IDLE_LOCK, IDLE_LOCK_MINUTES))
    except ValueError:
        minutes = IDLE_LOCK_MINUTES
    return int(max(minutes, 0.1) * 60_000)


def open_window(context: AppContext) -> MainWindow:
    window = MainWindow(context, idle_lock_ms())
    window.show()
    return window


def run_app(crash_dialog: bool = True) -> int:
    setup_logging()
    app = create_application()
    notifier = ErrorNotifier()
    notifier.install()
    if crash_dialog:
        notifier.subscribe(lambda message: _show_error("Caseworker", message))
    else:
        notifier.subscribe(lambda message: print(message, file=sys.stderr))
    try:
        store = open_session_store()
    except StoreError as exc:
        log.error("store could not be opened: %s", type(exc).__name__)
        if crash_dialog:
            _show_error("Caseworker cannot open its case store", str(exc))
        print(f"caseworker: {exc}", file=sys.stderr)
        return 2
    log.info("started version %s", __version__)
    window = open_window(AppContext(store))
    code = app.exec()
    window.deleteLater()
    store.dispose()
    return code


def _show_error(title: str, message: str) -> None:
    QMessageBox.critical(None, title, message)
