"""Pull: bring the store's changes to the laptop, page by page, in commit order.

The cursor is the store version the laptop has copied up to. Each page (a few
store versions) is applied in one local transaction together with the answers
to this laptop's own mutations in that page and the cursor's advance, so a
crash leaves either all of a page or none of it (never a cursor ahead of the
data).

An answer "applied" removes the outbox entry. An applied change whose result in
the store differs from the laptop's (it met a conflict) rebases: every row the
change touched, its audit entries included, is replaced by the store's copy, or
taken back if the store does not have it, so the laptop's trail for that change
is the store's. An answer "refused" or "waiting" never deletes anything: the
change is parked, its rows stay as the officer typed them, until a person
resends or discards it (``caseworker.services.parked``). A discarded change is
rebased at the next pull.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, col, select

from caseworker.domain.changes import touched_keys
from caseworker.services.audit import AuditTrail
from caseworker.services.outbox import client_row
from caseworker.services.parked import (
    DISCARDED,
    DROPPED,
    PARKED,
    PENDING,
    WAITING,
    WITHDRAWN,
    kept_keys,
)
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow, SyncMutation, SyncVersion
from caseworker.store.tables import AuditEventRow, MemberRow, SearchTermRow, utcnow
from caseworker.sync.rows import (
    BY_NAME,
    SYNCED,
    append_only_lifted,
    apply_rows,
    changed_rows,
    replace_members,
)

PAGE_VERSIONS = 20


@dataclass
class PullReport:
    rows: int = 0
    refused: list[str] = field(default_factory=list)  # the store's reasons, as shown


def store_version(shared: Store) -> int:
    with shared.read() as session:
        row = session.get(SyncVersion, 1)
        return row.version if row else 0


def pull(local: Store, shared: Store, cancelled: Callable[[], bool] = lambda: False) -> PullReport:
    report = PullReport()
    top = store_version(shared)
    with local.unit_of_work() as session, shared.read() as theirs:
        cursor = client_row(session).cursor
        _take_back_discarded(session, theirs)
    while cursor < top and not cancelled():
        target = min(top, cursor + PAGE_VERSIONS)
        with local.unit_of_work() as mine, shared.read() as theirs:
            _apply_page(mine, theirs, cursor, target, report)
        cursor = target
    with local.unit_of_work() as session:
        client_row(session).last_sync_at = utcnow()
    return report


def _apply_page(mine: Session, theirs: Session, after: int, upto: int, report: PullReport) -> None:
    client = client_row(mine)
    answers = list(
        theirs.exec(
            select(SyncMutation).where(
                SyncMutation.client_id == client.client_id,
                col(SyncMutation.server_version) > after,
                col(SyncMutation.server_version) <= upto,
            )
        )
    )
    settled = {a.mutation_id for a in answers if a.status not in ("refused", "waiting")}
    held = _held(mine, settled)
    households: list[uuid.UUID] = []
    for synced in SYNCED:
        for rows in changed_rows(theirs, synced, after, upto):
            report.rows += apply_rows(mine, synced, rows, held)
            if synced.name == "household":
                households.extend(r["id"] for r in rows if r["id"].hex not in held)
    replace_members(mine, theirs, households)
    _acknowledge(mine, theirs, client.client_id, answers, report)
    client.cursor = upto
    mine.add(client)


def _acknowledge(
    mine: Session,
    theirs: Session,
    client_id: uuid.UUID,
    answers: list[SyncMutation],
    report: PullReport,
) -> None:
    """Drop outbox entries the store applied as made; rebase the ones it applied
    differently; park the ones it refused (with its reason) or left waiting."""
    outbox = OutboxRow.__table__  # type: ignore[attr-defined]
    done = [
        a.mutation_id for a in answers if a.status in ("applied", "duplicate") and not a.diverged
    ]
    for start in range(0, len(done), 500):
        mine.execute(
            delete(outbox).where(
                outbox.c.client_id == client_id,
                outbox.c.state == PENDING,
                outbox.c.mutation_id.in_(done[start : start + 500]),
            )
        )
    for answer in answers:
        if answer.status in ("applied", "duplicate") and not answer.diverged:
            continue
        entry = mine.get(OutboxRow, (answer.mutation_id, client_id))
        if entry is None:
            continue
        if entry.state == WITHDRAWN:  # a copy of it was queued again
            mine.delete(entry)
        elif entry.state == DROPPED:  # discarded before the store answered
            entry.state = DISCARDED
            mine.add(entry)
        elif entry.state != PENDING:
            continue  # parked or discarded already: sent again only as a hold
        elif answer.status in ("refused", "waiting"):
            entry.state = PARKED if answer.status == "refused" else WAITING
            entry.reason = answer.reason
            mine.add(entry)
            if answer.status == "refused":
                report.refused.append(answer.reason)
        else:  # applied, but the store's result differs: the store's is the record
            rebase(mine, theirs, json.loads(entry.touched))
            mine.delete(entry)


def _held(session: Session, settled: set[int]) -> set[str]:
    """Ids of rows changed by local mutations the store has not settled (not answered
    yet, or refused in this very page), or kept as the laptop has them because their
    change was not accepted: the store's copies must not overwrite them."""
    held = kept_keys(session)
    for mutation_id, touched in session.exec(
        select(OutboxRow.mutation_id, OutboxRow.touched).where(OutboxRow.state == PENDING)
    ):
        if mutation_id not in settled:
            held |= touched_keys(touched)
    return held


def _take_back_discarded(mine: Session, theirs: Session) -> None:
    """Make the rows of discarded changes equal to the store's, or take them back,
    leaving alone what another change still waiting here holds; then forget them."""
    discarded = mine.exec(select(OutboxRow).where(OutboxRow.state == DISCARDED)).all()
    if not discarded:
        return
    for row in discarded:
        mine.delete(row)
    mine.flush()
    still = _held(mine, set())
    touched = [
        pair for row in discarded for pair in json.loads(row.touched) if pair[1] not in still
    ]
    rebase(mine, theirs, touched)


# Children before parents, for taking rows back.
_DELETE_ORDER = (
    "audit_event",
    "household_conflict",
    "review",
    "conflict_of_interest",
    "fund_entry",
    "package_event",
    "package",
    "visit",
    "fund",
    "household_merge",
    "household",
    "user_account",
)


def rebase(mine: Session, theirs: Session, touched: list[list[str]]) -> None:
    """Make every row a change touched equal to the store's copy, or remove it."""
    wanted: dict[str, list[uuid.UUID]] = defaultdict(list)
    for table, key in touched:
        if table in BY_NAME:
            wanted[table].append(uuid.UUID(key))
    missing: dict[str, list[uuid.UUID]] = {}
    households: list[uuid.UUID] = []
    with append_only_lifted(mine):
        for synced in SYNCED:
            ids = wanted.get(synced.name, [])
            found: set[uuid.UUID] = set()
            for rows in changed_rows(theirs, synced, 0, 0, ids=ids) if ids else ():
                found.update(r["id"] for r in rows)
                # Audit entries too: one the laptop holds with other content is replaced.
                apply_rows(mine, synced, rows, set())
            missing[synced.name] = [i for i in ids if i not in found]
            if synced.name == "household":
                households = [i for i in ids if i in found]
        first_seq = _take_back(mine, missing)
        replace_members(mine, theirs, households)
        if first_seq is not None:
            AuditTrail(mine, None).rechain_after(first_seq - 1)


def _take_back(session: Session, missing: dict[str, list[uuid.UUID]]) -> int | None:
    first_seq = None
    if missing.get("audit_event"):
        first_seq = session.exec(
            select(AuditEventRow.seq)
            .where(col(AuditEventRow.id).in_(missing["audit_event"]))
            .order_by(col(AuditEventRow.seq))
        ).first()
    gone = missing.get("household", [])
    if gone:
        session.execute(delete(MemberRow).where(col(MemberRow.household_id).in_(gone)))
        session.execute(delete(SearchTermRow).where(col(SearchTermRow.household_id).in_(gone)))
    for name in _DELETE_ORDER:
        ids = missing.get(name)
        if ids:
            table = BY_NAME[name].table
            session.execute(delete(table).where(table.c.id.in_(ids)))
    return first_seq
