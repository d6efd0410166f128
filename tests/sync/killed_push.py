"""Run as a subprocess: push a laptop's outbox and SIGKILL this process mid-push.

``python -m tests.sync.killed_push LOCAL_DB STORE_URL N`` kills itself after the
store has replayed ``N`` mutations of the batch, before the batch commits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from caseworker.store.database import Store
from caseworker.sync.remote import StoreRemote
from caseworker.sync.run import sync
from tests.services.packages_fixtures import rules
from tests.sync.dying import die_after


def main() -> None:
    local_path, url, after = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    die_after(after)
    service = StoreRemote(Store.open_shared(url), rules(), signed=True)  # as the service does
    sync(Store.open_local(local_path), service, rules())


if __name__ == "__main__":
    main()
