"""One sync: check who this laptop is, push its outbox, pull the store's changes.

A lost connection at any point just means "try again": a push batch either
committed in the store or did not, a pull page either committed here or did
not, and a repeated push applies nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from caseworker.domain.rules import RuleSet
from caseworker.services.outbox import client_row, queue, this_machine
from caseworker.services.parked import kept_keys
from caseworker.store.database import Store
from caseworker.store.errors import translate
from caseworker.store.sync_tables import OutboxRow
from caseworker.sync.escrow import escrow_quietly, forget_escrow
from caseworker.sync.pull import pull
from caseworker.sync.push import CopiedStore, Entry, PushReport
from caseworker.sync.remote import Remote, StoreRemote
from caseworker.sync.status import SyncStatus, status

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    pushed: PushReport = field(default_factory=PushReport)
    pulled_rows: int = 0
    refused: list[str] = field(default_factory=list)
    new_client_id: bool = False
    status: SyncStatus | None = None


def sync(
    local: Store,
    shared: Store | Remote,
    rules: RuleSet,
    cancelled: Callable[[], bool] = lambda: False,
) -> SyncReport:
    """Push then pull, with the sync service (a ``Remote``) or a store in this process
    (a trial, a test: then ``rules`` are the ones it replays with). When the store
    cannot be reached, raises the named problem from ``store.errors``
    (``ConnectionLost``, ``StoreBusy`` …): nothing here is lost. With the sync service,
    the store key is then escrowed if needed (``sync.escrow``; never fails the sync)."""
    remote = StoreRemote(shared, rules) if isinstance(shared, Store) else shared
    report = SyncReport()
    try:
        report.new_client_id = ensure_identity(local, remote)
        try:
            report.pushed = _push(local, remote, cancelled)
        except CopiedStore:
            old = _client_id(local)
            new = new_identity(local)
            remote.note_copy(old, new)
            report.new_client_id = True
            report.pushed = _push(local, remote, cancelled)
        pulled = pull(local, remote, cancelled)
    except (DBAPIError, OSError) as exc:
        problem = translate(exc, shared=True)
        if problem is None:
            raise
        raise problem from exc
    report.pulled_rows, report.refused = pulled.rows, pulled.refused
    report.status = status(local)
    escrow_quietly(local, remote)  # never fails the sync; tried again at the next one
    return report


def _client_id(local: Store) -> uuid.UUID:
    with local.read() as session:
        return client_row(session).client_id


@dataclass(frozen=True)
class Outgoing:
    """What a push sends: the whole queue in order (only pending changes replay; the
    rest keep the count without gaps), and the rows of changes not accepted."""

    client_id: uuid.UUID
    entries: list[Entry]
    blocked: set[str]


def outgoing(local: Store) -> Outgoing:
    with local.read() as session:
        return Outgoing(
            client_row(session).client_id,
            [Entry.of(row) for row in queue(session)],
            kept_keys(session),
        )


def _push(local: Store, remote: Remote, cancelled: Callable[[], bool]) -> PushReport:
    out = outgoing(local)
    if not out.entries or cancelled():
        return PushReport()
    return remote.push(out.client_id, out.entries, out.blocked)


def ensure_identity(local: Store, remote: Remote) -> bool:
    """Give this laptop a new client id if its store file was moved to another machine
    or restored from an old backup (the store has seen later changes from this id).

    A copy on the same machine is caught by the store itself at the push (the same
    change numbers with other changes behind them: ``CopiedStore``).
    """
    with local.read() as session:
        client = client_row(session)
        client_id, next_id, machine = client.client_id, client.next_mutation_id, client.machine
    restored = remote.restored(client_id, next_id)
    if machine == this_machine() and not restored:
        return False
    new_identity(local)
    return True


def new_identity(local: Store) -> uuid.UUID:
    """Take a new client id; every queued change is kept, renumbered under it in order.

    Changes the store already applied under the old id are recognised by their digest
    and not applied twice; parked ones are sent as holds, so the count has no gap."""
    with local.unit_of_work() as session:
        client = client_row(session)
        new_id = uuid.uuid4()
        rows = queue(session)
        for row in rows:
            session.delete(row)
        session.flush()
        for number, row in enumerate(rows, start=1):
            session.add(
                OutboxRow(
                    **row.model_dump(exclude={"mutation_id", "client_id"}),
                    mutation_id=number,
                    client_id=new_id,
                )
            )
        client.client_id, client.next_mutation_id = new_id, len(rows) + 1
        client.machine = this_machine()
        session.add(client)
    log.warning("this laptop's store was copied or restored: it now syncs under a new id")
    return new_id


def note_device(local: Store, device_id: uuid.UUID) -> None:
    """Remember which enrolment this laptop syncs under (its credential is in the keyring)."""
    with local.unit_of_work() as session:
        client = client_row(session)
        client.device_id = device_id
        session.add(client)
    forget_escrow(local)  # the new enrolment has no escrow yet
