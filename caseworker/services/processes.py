"""Sharing CPU-bound work between forked worker processes (impact, ``rules evaluate``).

Light on purpose: only the standard library, so the command line can ask
whether it may fork without importing the store or the rules engine.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator


def default_workers() -> int:
    """One worker process per core."""
    return max(1, os.cpu_count() or 1)


def fork_available() -> bool:
    """Whether this process may fork workers (cheap: no interpreter to start, no module
    to import, nothing to send; they inherit what is loaded) rather than spawn them.

    Only where the platform forks, from the main thread of a process with no other
    thread (a forked child gets one thread, and any lock another held stays held), and
    never once Qt is loaded (its threads are not Python's to see).
    """
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
        and not any(name.startswith("PySide6") for name in sys.modules)
    )


@contextlib.contextmanager
def forked_pool(workers: int) -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    """A pool of ``workers`` forked processes; check :func:`fork_available` first.

    What the workers inherit is left alone by their collector (``gc.freeze``), so its
    pages stay shared rather than copied. If the caller stops early (an error, or the
    reader of its output has gone), the tasks not yet started are cancelled rather than
    run for nothing. Buffered output is written first: a child would otherwise write
    its copy of it again when it ends.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()
    try:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        )
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        gc.unfreeze()
