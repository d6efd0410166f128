"""Let ``time.sleep`` work under libfaketime; loaded (through PYTHONPATH) only in CI's faketime run.

Python 3.11+ sleeps with ``clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)``, which
libfaketime 0.9.10 mangles when the monotonic clock is not faked
(FAKETIME_DONT_FAKE_MONOTONIC=1): the sleep fails with EINVAL (libfaketime issue
#426), and so does everything built on it, such as ``subprocess.run(timeout=...)``.
``select`` takes a relative timeout, which libfaketime passes through untouched.
The replacement is installed only if the real sleep fails, so this file is
harmless anywhere else.
"""

from __future__ import annotations

import select
import time

_real_sleep = time.sleep


def _select_sleep(seconds: float) -> None:
    """Sleep ``seconds`` by the real monotonic clock, like ``time.sleep``."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    remaining = seconds
    while remaining > 0:
        select.select([], [], [], remaining)
        remaining = deadline - time.monotonic()


try:
    _real_sleep(1e-6)
except OSError:
    time.sleep = _select_sleep
