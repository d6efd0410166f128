"""Run as a subprocess: the sync service's replay worker, SIGKILLed mid-replay.

``python -m tests.sync.killed_replay STORE_URL N`` claims the inbox's next batch and
kills itself after the store has replayed ``N`` of its changes (so after at least
one of the replay's store transactions committed, and with one open).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from caseworker.store.database import Store
from caseworker.sync import inbox
from caseworker.sync import push as push_module
from tests.services.packages_fixtures import rules


def main() -> None:
    url, after = sys.argv[1], int(sys.argv[2])
    replay = push_module._Replayer.__call__
    count = 0

    def replay_then_die(*args: Any) -> Any:
        nonlocal count
        count += 1
        if count > after:
            os.kill(os.getpid(), signal.SIGKILL)
        return replay(*args)

    push_module._Replayer.__call__ = replay_then_die  # type: ignore[method-assign]
    inbox.replay_next(Store.open_shared(url), rules)


if __name__ == "__main__":
    main()
