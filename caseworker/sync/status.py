"""What the status bar shows of sync: a few indexed counts of the local store.

Apart from ``caseworker.sync.run`` (which brings the wire format, the HTTP client
and every service a pushed change replays through) so the window can show the
counts at start-up without loading any of that (issue 18: start-up <= 0.8 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from caseworker.services.parked import LISTED, PENDING
from caseworker.store.database import Store
from caseworker.store.sync_tables import HouseholdConflict, OutboxRow, SyncClient


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    waiting: int
    refused: int  # changes the store did not accept (parked), and those behind them
    conflicts: int
    last_sync_at: datetime | None


def status(local: Store) -> SyncStatus:
    with local.read() as session:
        waiting = session.exec(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state == PENDING)
        ).one()
        refused = session.exec(
            select(func.count()).select_from(OutboxRow).where(col(OutboxRow.state).in_(LISTED))
        ).one()
        conflicts = session.exec(
            select(func.count())
            .select_from(HouseholdConflict)
            .where(col(HouseholdConflict.resolved_at).is_(None))
        ).one()
        client = session.get(SyncClient, 1)
        last = client.last_sync_at if client else None
    return SyncStatus(waiting, refused, conflicts, last)
