"""Start the desktop application."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from caseworker import __version__, paths
from caseworker.domain import clock
from caseworker.domain.errors import EnvironmentProblem
from caseworker.logs import ErrorNotifier, setup_logging
from caseworker.services.rules_state import RulesState, override_dir
from caseworker.settings import current_settings, load_settings
from caseworker.store.encryption import open_session_store
from caseworker.store.errors import StoreError
from caseworker.ui.context import AppContext
from caseworker.ui.fonts import use_shipped_fonts
from caseworker.ui.main_window import IDLE_LOCK_MINUTES, MainWindow, fit_to_screen

log = logging.getLogger(__name__)
ENV_IDLE_LOCK = "CASEWORKER_IDLE_LOCK_MINUTES"
# Benchmarks and smoke tests: print a line and quit once the window is up and idle.
ENV_EXIT_WHEN_SHOWN = "CASEWORKER_EXIT_WHEN_SHOWN"


def create_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Caseworker")
    app.setApplicationVersion(__version__)
    use_shipped_fonts(app)
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
    fit_to_screen(window)
    return window


class NoDisplay(EnvironmentProblem):
    """The window cannot open: no desktop session to show it on."""


def display_problem(environ: Mapping[str, str], platform: str) -> NoDisplay | None:
    """Without a display Qt aborts the process before any message (it cannot load its
    platform plugin), so on Linux we look first: X11 or Wayland must be named, unless
    the person chose a Qt platform (``offscreen`` for tests and screenshots)."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return NoDisplay(
        "Caseworker's window needs a desktop session, and this one has no display "
        "(neither DISPLAY nor WAYLAND_DISPLAY is set). Start it from the desktop, or "
        "use the commands that need no window: caseworker --help lists them."
    )


def run_app(crash_dialog: bool = True) -> int:
    setup_logging()
    problem = display_problem(os.environ, sys.platform)
    if problem is not None:
        log.error("no display to open the window on")
        print(f"caseworker: {problem}", file=sys.stderr)
        return problem.exit_code
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
    if paths.demo_mode():
        from caseworker.services import demo  # Faker and the demo data: demo mode only

        if demo.prepare(store, clock.today()):
            log.info("demo store filled with made-up households")
    _settings, problems = load_settings()
    window = open_window(AppContext(store, rules=RulesState(override=override_dir())))
    if problems:
        more = f" (and {len(problems) - 1} more in the log)" if len(problems) > 1 else ""
        window.statusBar().showMessage(f"Settings problem: {problems[0]}{more}", 30_000)
    if os.environ.get(ENV_EXIT_WHEN_SHOWN):
        QTimer.singleShot(0, lambda: (print(_shown(window), flush=True), app.quit()))
    code = app.exec()
    window.deleteLater()
    store.dispose()
    return code


def _shown(window: MainWindow) -> str:
    """What a smoke test or benchmark reads: the window is up, and how it fits."""
    size = window.frameGeometry().size()
    screen = window.screen().availableGeometry().size()
    return (
        f"caseworker: window shown, {size.width()}x{size.height()} "
        f"on a {screen.width()}x{screen.height()} screen"
    )


def _show_error(title: str, message: str) -> None:
    QMessageBox.critical(None, title, message)
