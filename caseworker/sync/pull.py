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
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

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
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import AuditEventRow, MemberRow, SearchTermRow, utcnow
from caseworker.sync.remote import ANSWERS, MEMBERS, Part, Remote
from caseworker.sync.rows import BY_NAME, append_only_lifted, apply_rows, replace_members

PAGE_VERSIONS = 20


@dataclass
class PullReport:
    rows: int = 0
    refused: list[str] = field(default_factory=list)  # the store's reasons, as shown


def pull(local: Store, remote: Remote, cancelled: Callable[[], bool] = lambda: False) -> PullReport:
    report = PullReport()
    top = remote.version()
    with local.unit_of_work() as session:
        cursor = client_row(session).cursor
        _take_back_discarded(session, remote)
    while cursor < top and not cancelled():
        target = min(top, cursor + PAGE_VERSIONS)
        with local.unit_of_work() as mine:
            _apply_page(mine, remote, cursor, target, report)
        cursor = target
    with local.unit_of_work() as session:
        client_row(session).last_sync_at = utcnow()
    return report


def _apply_page(mine: Session, remote: Remote, after: int, upto: int, report: PullReport) -> None:
    """One page in one local transaction: a page cut off half-way leaves nothing (the
    next pull starts it again from the same cursor)."""
    client = client_row(mine)
    answers: list[dict[str, Any]] = []
    held: set[str] = set()
    # Closed at once if applying fails: the store's read (or the HTTP stream) ends here.
    with closing(remote.page(client.client_id, after, upto)) as parts:
        for part in parts:
            if part.kind == ANSWERS:  # always first
                answers = part.rows
                settled = {a["mutation_id"] for a in answers if a["status"] not in _UNSETTLED}
                held = _held(mine, settled)
            elif part.kind == MEMBERS:
                kept = [h for h in part.households if h.hex not in held]
                replace_members(mine, part.rows, kept)
            else:
                report.rows += apply_rows(mine, BY_NAME[part.table], part.rows, held)
    _acknowledge(mine, remote, client.client_id, answers, report)
    client.cursor = upto
    mine.add(client)


_UNSETTLED = ("refused", "waiting")


def _acknowledge(
    mine: Session,
    remote: Remote,
    client_id: uuid.UUID,
    answers: list[dict[str, Any]],
    report: PullReport,
) -> None:
    """Drop outbox entries the store applied as made; rebase the ones it applied
    differently; park the ones it refused (with its reason) or left waiting."""
    outbox = OutboxRow.__table__  # type: ignore[attr-defined]
    done = [
        a["mutation_id"]
        for a in answers
        if a["status"] in ("applied", "duplicate") and not a["diverged"]
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
        status, reason = answer["status"], answer["reason"]
        if status in ("applied", "duplicate") and not answer["diverged"]:
            continue
        entry = mine.get(OutboxRow, (answer["mutation_id"], client_id))
        if entry is None:
            continue
        if entry.state == WITHDRAWN:  # a copy of it was queued again
            mine.delete(entry)
        elif entry.state == DROPPED:  # discarded before the store answered
            entry.state = DISCARDED
            mine.add(entry)
        elif entry.state != PENDING:
            continue  # parked or discarded already: sent again only as a hold
        elif status in _UNSETTLED:
            entry.state = PARKED if status == "refused" else WAITING
            entry.reason = reason
            mine.add(entry)
            if status == "refused":
                report.refused.append(reason)
        else:  # applied, but the store's result differs: the store's is the record
            rebase(mine, remote, json.loads(entry.touched))
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


def _take_back_discarded(mine: Session, remote: Remote) -> None:
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
    if touched:
        rebase(mine, remote, touched)


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


def rebase(mine: Session, remote: Remote, touched: list[list[str]]) -> None:
    """Make every row a change touched equal to the store's copy, or remove it."""
    wanted: dict[str, list[uuid.UUID]] = defaultdict(list)
    for table, key in touched:
        if table in BY_NAME:
            wanted[table].append(uuid.UUID(key))
    if not wanted:
        return
    parts: list[Part] = list(remote.rows(touched))
    found: dict[str, set[uuid.UUID]] = defaultdict(set)
    with append_only_lifted(mine):
        for part in parts:
            if part.kind == MEMBERS:
                replace_members(mine, part.rows, part.households)
                continue
            found[part.table].update(r["id"] for r in part.rows)
            # Audit entries too: one the laptop holds with other content is replaced.
            apply_rows(mine, BY_NAME[part.table], part.rows, set())
        missing = {name: [i for i in ids if i not in found[name]] for name, ids in wanted.items()}
        first_seq = _take_back(mine, missing)
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
