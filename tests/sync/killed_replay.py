"""Run as a subprocess: the sync service's replay worker, SIGKILLed mid-replay.

``python -m tests.sync.killed_replay STORE_URL N`` claims the inbox's next batch and
kills itself after the store has replayed ``N`` of its changes (so after at least
one of the replay's store transactions committed, and with one open).
"""

from __future__ import annotations

import sys

from caseworker.store.database import Store
from caseworker.sync import inbox
from tests.services.packages_fixtures import rules
from tests.sync.dying import die_after


def main() -> None:
    url, after = sys.argv[1], int(sys.argv[2])
    die_after(after)
    inbox.replay_next(Store.open_shared(url), rules)


if __name__ == "__main__":
    main()
