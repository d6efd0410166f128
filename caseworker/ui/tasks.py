"""The one background-task helper: run a function off the GUI thread, get (result, error) back.

Workers never touch a widget: the callback runs on the GUI thread. Tests use
``synchronous=True`` so the work happens at once, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Done = Callable[[Any, BaseException | None], None]


class _Signals(QObject):
    finished = Signal(object, object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._work = work
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # delivered to the GUI thread, which decides what to say
            self._signals.finished.emit(None, exc)
        else:
            self._signals.finished.emit(result, None)


class TaskRunner(QObject):
    def __init__(self, synchronous: bool = False) -> None:
        super().__init__()
        self.synchronous = synchronous
        self._pool = QThreadPool.globalInstance()
        self._running: list[_Signals] = []

    def run(self, work: Callable[[], Any], done: Done) -> None:
        if self.synchronous:
            try:
                result = work()
            except Exception as exc:
                done(None, exc)
            else:
                done(result, None)
            return
        signals = _Signals()  # lives on the GUI thread, so `done` runs there
        self._running.append(signals)

        def finish(result: Any, error: BaseException | None) -> None:
            self._running.remove(signals)
            done(result, error)

        signals.finished.connect(finish)
        self._pool.start(_Job(work, signals))

    def wait(self) -> None:
        """Block until every job has finished (closing the window, tests)."""
        self._pool.waitForDone()
