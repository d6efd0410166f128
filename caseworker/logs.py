"""Logging to a rotating file in the data folder.

Log records carry record ids and event names only, never names, addresses,
dates of birth, notes or amounts: services are written that way, and
unexpected errors are logged by type and stack, not by message (a message
can quote a value someone typed).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from types import TracebackType

from caseworker import paths

log = logging.getLogger("caseworker")
ErrorListener = Callable[[str], None]


def setup_logging() -> None:
    handler = RotatingFileHandler(
        paths.log_dir() / "caseworker.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def scrubbed_traceback(exc: BaseException) -> str:
    """The stack with each exception's type but not its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    return "".join(traceback.format_list(frames)) + type(exc).__name__


class ErrorNotifier:
    """Routes unexpected errors to the log and to whoever listens (the UI).

    Qt-free, so headless code and tests can use it; the UI subscribes to show
    a readable message.
    """

    def __init__(self) -> None:
        self._listeners: list[ErrorListener] = []

    def subscribe(self, listener: ErrorListener) -> None:
        self._listeners.append(listener)

    def report(self, exc: BaseException) -> None:
        """A refusal or an environment problem is shown in its own plain words; anything
        else is a bug, logged with its stack and shown as one."""
        from caseworker.domain.errors import CaseworkerError
        from caseworker.store.errors import translate

        known = exc if isinstance(exc, CaseworkerError) else translate(exc)
        if known is not None:
            log.warning("%s reached the user", type(known).__name__)
            message = str(known)
        else:
            log.error("unexpected error:\n%s", scrubbed_traceback(exc))
            message = (
                "Something went wrong inside Caseworker. Your saved work is safe. "
                f"Please tell IT what you were doing (error: {type(exc).__name__})."
            )
        for listener in self._listeners:
            listener(message)

    def install(self) -> None:
        def excepthook(
            _t: type[BaseException], exc: BaseException, _tb: TracebackType | None
        ) -> None:
            self.report(exc)

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is not None:
                self.report(args.exc_value)

        sys.excepthook = excepthook
        threading.excepthook = thread_hook
