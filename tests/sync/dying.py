"""For the subprocesses that SIGKILL themselves mid-replay (killed_push, killed_replay)."""

from __future__ import annotations

import os
import signal
from typing import Any

from caseworker.sync import push as push_module


def die_after(changes: int) -> None:
    """SIGKILL this process when the store is about to replay change ``changes + 1``
    (of this process's replays): after ``changes`` replayed, with a transaction open."""
    replay = push_module._Replayer.__call__
    count = 0

    def replay_then_die(*args: Any) -> Any:
        nonlocal count
        count += 1
        if count > changes:
            os.kill(os.getpid(), signal.SIGKILL)
        return replay(*args)

    push_module._Replayer.__call__ = replay_then_die  # type: ignore[method-assign]
