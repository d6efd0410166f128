"""Start the desktop application."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from caseworker import __version__, paths
from caseworker.logs import ErrorNotifier, setup_logging
from caseworker.services.rules_state import RulesState, override_dir
from caseworker.settings import current_settings, load_settings
from caseworker.store.encryption import open_session_store
from caseworker.store.errors import StoreError
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import IDLE_LOCK_MINUTES, MainWindow

log = logging.getLogger(__name__)
ENV_IDLE_LOCK = "CASEWORKER_IDLE_LOCK_MINUTES"
# Benchmarks and smoke tests: print a line and quit once the window is up and idle.
ENV_EXIT_WHEN_SHOWN = "CASEWORKER_EXIT_WHEN_SHOWN"


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
    """The idle time before the screen locks: ``CASEWORKER_IDLE_LOCK_MINUTES``, else the
    ``idle_lock_minutes`` setting (5 minutes unless IT or the user set it)."""
    try:
        minutes = float(os.environ.get(ENV_IDLE_LOCK, current_settings().idle_lock_minutes))
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
        return exc.exit_code
    log.info("started version %s", __version__)
    _settings, problems = load_settings()
    window = open_window(AppContext(store, rules=RulesState(override=override_dir())))
    if problems:
        more = f" (and {len(problems) - 1} more in the log)" if len(problems) > 1 else ""
        window.statusBar().showMessage(f"Settings problem: {problems[0]}{more}", 30_000)
    if os.environ.get(ENV_EXIT_WHEN_SHOWN):
        QTimer.singleShot(0, lambda: (print("caseworker: window shown", flush=True), app.quit()))
    code = app.exec()
    window.deleteLater()
    store.dispose()
    return code


def _show_error(title: str, message: str) -> None:
    QMessageBox.critical(None, title, message)
