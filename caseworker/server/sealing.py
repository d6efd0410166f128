"""The service signs the audit chain's head after every sync that changed the store,
and daily (``services.audit_seal``)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from caseworker.domain.errors import CaseworkerError
from caseworker.services.audit_seal import ServiceKeys, seal_store
from caseworker.store.database import Store

log = logging.getLogger(__name__)
DAY = 24 * 60 * 60


class Sealer:
    def __init__(self, store: Store, keys: ServiceKeys) -> None:
        self._store, self._keys = store, keys
        self._lock = threading.Lock()  # one seal at a time in this process

    def seal(self, _store: Store | None = None) -> None:
        """Sign the head now. A trail found tampered with is not sealed over: the push
        that came first stands, and ``caseworker audit verify`` says where."""
        with self._lock:
            try:
                seal_store(self._store, self._keys)
            except CaseworkerError as exc:
                log.error("audit trail not sealed: %s", type(exc).__name__)

    @contextlib.asynccontextmanager
    async def daily(self, _app: Any) -> AsyncIterator[None]:
        """While the service runs: seal at start, then once a day."""
        stop = threading.Event()

        def run() -> None:
            while True:
                self.seal()
                if stop.wait(DAY):
                    return

        worker = threading.Thread(target=run, name="daily audit seal", daemon=True)
        worker.start()
        try:
            yield
        finally:
            stop.set()
