"""The audit trail: every change to a case, who made it, before and after.

Entries are hash-chained: each entry's hash covers the previous hash, its own
metadata and the digest of its payload. The payload (which may hold personal
values) is kept beside its digest so it can later be erased for retention
without breaking the chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from caseworker.store.tables import AuditEventRow, utcnow

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def canonical(value: Any) -> str:
    return json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(prev_hash: str, row: AuditEventRow) -> str:
    meta = canonical(
        {
            "id": row.id,
            "at": row.at.isoformat(),
            "actor": row.actor_id,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "household": row.household_id,
            "action": row.action,
            "payload": row.payload_digest,
        }
    )
    return digest(prev_hash + meta)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as ``{field: {"before": x, "after": y}}``."""
    keys = before.keys() | after.keys()
    return {
        k: {"before": _jsonable(before.get(k)), "after": _jsonable(after.get(k))}
        for k in sorted(keys)
        if _jsonable(before.get(k)) != _jsonable(after.get(k))
    }


class AuditTrail:
    """Appends entries inside the caller's transaction, keeping the chain's tail."""

    def __init__(self, session: Session, actor_id: uuid.UUID | None) -> None:
        self._session = session
        self._actor_id = actor_id
        self._tail: str | None = None

    def record(
        self,
        entity: str,
        entity_id: uuid.UUID,
        action: str,
        payload: dict[str, Any],
        household_id: uuid.UUID | None = None,
    ) -> AuditEventRow:
        if self._tail is None:
            last = self._session.exec(
                select(AuditEventRow.hash).order_by(col(AuditEventRow.seq).desc()).limit(1)
            ).first()
            self._tail = last or GENESIS
        data = _jsonable(payload)
        row = AuditEventRow(
            at=utcnow(),
            actor_id=self._actor_id,
            entity=entity,
            entity_id=entity_id,
            household_id=household_id,
            action=action,
            payload=data,
            payload_digest=digest(canonical(data)),
            prev_hash=self._tail,
            hash="",
        )
        row.hash = entry_hash(self._tail, row)
        self._tail = row.hash
        self._session.add(row)
        return row


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify(rows: Iterable[AuditEventRow]) -> ChainBreak | None:
    """Walk entries in ``seq`` order; return the first one that does not add up."""
    prev = GENESIS
    for row in rows:
        seq = row.seq or 0
        if row.prev_hash != prev:
            return ChainBreak(seq, "does not follow the entry before it (deleted or reordered)")
        if digest(canonical(row.payload)) != row.payload_digest and row.payload:
            return ChainBreak(seq, "its content was altered")
        if entry_hash(prev, row) != row.hash:
            return ChainBreak(seq, "its details were altered")
        prev = row.hash
    return None


def iter_chain(session: Session, batch: int = 10_000) -> Iterator[AuditEventRow]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEventRow)
            .where(col(AuditEventRow.seq) > last)
            .order_by(col(AuditEventRow.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq or last
