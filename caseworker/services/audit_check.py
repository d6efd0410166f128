"""Check the whole audit chain of a store (``caseworker audit verify``)."""

from __future__ import annotations

from caseworker.services.audit import ChainBreak, iter_chain, verify
from caseworker.store.database import Store


def verify_store(store: Store) -> tuple[int, ChainBreak | None]:
    """Entries checked, and the first entry that does not add up (or ``None``)."""
    with store.read() as session:
        return verify(iter_chain(session))
