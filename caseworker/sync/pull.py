"""Pull: bring the store's changes to the laptop, page by page, in commit order.

The cursor is the store version the laptop has copied up to. Each page (a few
store versions) is applied in one local transaction together with the answers
to this laptop's own mutations in that page and the cursor's advance, so a
crash leaves either all of a page or none of it (never a cursor ahead of the
data).

An answer "applied" removes the outbox entry. An answer "refused", or an
applied change whose result in the store differs from the laptop's (it met a
conflict), rebases: every row the change touched is replaced by the store's
copy, or taken back if the store does not have it.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, col, select

from caseworker.services.audit import AuditTrail
from caseworker.services.outbox import client_row
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
    with local.unit_of_work() as session:
        cursor = client_row(session).cursor
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
    answered = {a.mutation_id for a in answers}
    held = _held(mine, answered)
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
    """Drop outbox entries the store applied as made; rebase the rest on the store's
    rows, keeping a refused one (with its reason) for the officer to see."""
    outbox = OutboxRow.__table__  # type: ignore[attr-defined]
    done = [a.mutation_id for a in answers if a.status != "refused" and not a.diverged]
    for start in range(0, len(done), 500):
        mine.execute(
            delete(outbox).where(
                outbox.c.client_id == client_id, outbox.c.mutation_id.in_(done[start : start + 500])
            )
        )
    for answer in answers:
        if answer.status != "refused" and not answer.diverged:
            continue
        entry = mine.get(OutboxRow, (answer.mutation_id, client_id))
        if entry is None:
            continue
        rebase(mine, theirs, json.loads(entry.touched))
        if answer.status == "refused":
            entry.state, entry.reason = "refused", answer.reason
            mine.add(entry)
            report.refused.append(answer.reason)
        else:
            mine.delete(entry)


def _held(session: Session, answered: set[int]) -> set[str]:
    """Ids of rows changed by local mutations the store has not answered yet."""
    held: set[str] = set()
    for mutation_id, touched in session.exec(
        select(OutboxRow.mutation_id, OutboxRow.touched).where(OutboxRow.state == "pending")
    ):
        if mutation_id not in answered:
            held.update(key for _table, key in json.loads(touched))
    return held


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
