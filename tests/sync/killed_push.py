"""Run as a subprocess: push a laptop's outbox and SIGKILL this process mid-push.

``python -m tests.sync.killed_push LOCAL_DB STORE_URL N`` kills itself after the
store has replayed ``N`` mutations of the batch, before the batch commits.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from caseworker.store.database import Store
from caseworker.sync import push as push_module
from caseworker.sync.remote import StoreRemote
from caseworker.sync.run import sync
from tests.services.packages_fixtures import rules


def main() -> None:
    local_path, url, after = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    replay = push_module._Replayer.__call__
    count = 0

    def replay_then_die(*args: Any) -> Any:
        nonlocal count
        count += 1
        if count > after:
            os.kill(os.getpid(), signal.SIGKILL)
        return replay(*args)

    push_module._Replayer.__call__ = replay_then_die  # type: ignore[method-assign]
    service = StoreRemote(Store.open_shared(url), rules(), signed=True)  # as the service does
    sync(Store.open_local(local_path), service, rules())


if __name__ == "__main__":
    main()
