"""The audit trail: every change to a case, who made it, before and after.

Entries are hash-chained: each entry's hash covers the previous hash, its own
metadata and the digest of its payload. The payload (canonical JSON, which may
hold personal values) is kept beside its digest, so it can later be erased for
retention without breaking the chain, and verifying costs one hash of the
stored text.

Entries recorded in a transaction are inserted together, before the next
statement the session runs and at the latest when it commits (a sync push
replays hundreds of changes in one transaction; one insert each was a fifth of
its time). Statements run on the raw connection (``store.database.direct``)
do not see them until then; a savepoint must call :func:`write_pending` first.
"""

from __future__ import annotations

import hashlib
import json
import operator
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import event, insert, orm
from sqlalchemy import select as sa_select
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col, select

from caseworker.store.bulk import insert_many, insert_raw, insert_rows
from caseworker.store.database import transaction_cache
from caseworker.store.tables import AuditEventRow, new_id, utcnow
from caseworker.store.written import written, written_all

GENESIS = "0" * 64
_AUDIT = AuditEventRow.__table__  # type: ignore[attr-defined]
_TAIL = "audit_chain_tail"  # transaction_cache key: the hash of the last entry written
_PENDING = "audit_pending"  # transaction_cache key: entries recorded, not yet inserted


def write_pending(session: orm.Session) -> None:
    """Insert the entries recorded in this transaction and not inserted yet, in order."""
    pending = transaction_cache(session).pop(_PENDING, None)
    if pending:
        insert_many(session.connection(), _AUDIT, pending)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    write_pending(state.session)


class ChainFields(Protocol):
    """What the hash covers: a stored row or a lightweight result row."""

    @property
    def seq(self) -> int | None: ...
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_id(self) -> uuid.UUID | None: ...
    @property
    def entity(self) -> str: ...
    @property
    def entity_id(self) -> uuid.UUID: ...
    @property
    def household_id(self) -> uuid.UUID | None: ...
    @property
    def action(self) -> str: ...
    @property
    def payload(self) -> str: ...
    @property
    def payload_digest(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


_PLAIN = frozenset({str, int, float, bool, type(None)})  # their own JSON values


def jsonable(value: Any) -> Any:
    """Dates, ids and containers as JSON values."""
    if type(value) in _PLAIN:  # most values: nothing to do
        return value
    if isinstance(value, date | datetime | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    """The one text form of a payload that the chain hashes: sorted keys, no spaces."""
    return _CANONICAL.encode(jsonable(value))


def canonical_json(value: Any) -> str:
    """:func:`canonical` of a value already made of JSON types (strings, numbers, lists,
    dicts with string keys): the same text, without walking it first."""
    return _CANONICAL.encode(value)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _canon(value: object) -> str:
    """One text form per value whatever the backend returned: a UUID object or the
    32-hex text SQLite stores, a datetime or the text SQLite stores (UTC wall time)."""
    if type(value) is str:  # the common case on SQLite: already canonical
        return value
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value)


# What a chain covers of an entry, in this order: who, when, what, and its payload's
# digest (the store's keyed chain covers this too, with the entry's place and hash).
_CHAINED = (
    "id",
    "at",
    "actor_id",
    "entity",
    "entity_id",
    "household_id",
    "action",
    "payload_digest",
)
_chained_of_entry = operator.attrgetter(*_CHAINED)
_chained_of_row = operator.itemgetter(*_CHAINED)


def entry_content(entry: ChainFields) -> str:
    """The text a chain covers of an entry (``_CHAINED``, each in its one text form)."""
    return "|".join(map(_canon, _chained_of_entry(entry)))


def entry_hash(prev_hash: str, entry: ChainFields) -> str:
    return digest(prev_hash + "|" + entry_content(entry))


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """:func:`entry_hash` of an entry given as a dict of its columns (a pulled or new row)."""
    return digest(prev_hash + "|" + "|".join(map(_canon, _chained_of_row(row))))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as ``{field: {"before": x, "after": y}}``."""
    changes = {}
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if type(was) in _PLAIN and type(now) in _PLAIN and was == now:
            continue  # already JSON and unchanged: most fields of an edit
        was, now = jsonable(was), jsonable(now)
        if was != now:
            changes[key] = {"before": was, "after": now}
    return changes


def payload_of(entry: ChainFields) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(entry.payload) if entry.payload else {}
    return data


class AuditTrail:
    """Appends entries inside the caller's transaction, keeping the chain's tail.

    The tail is remembered on the session until its transaction ends, so a sync
    push replaying hundreds of changes in one transaction reads it once.
    """

    def __init__(self, session: Session, actor_id: uuid.UUID | None) -> None:
        self._session = session
        self._actor_id = actor_id

    @property
    def _tail(self) -> str | None:
        tail: str | None = transaction_cache(self._session).get(_TAIL)
        return tail

    @_tail.setter
    def _tail(self, value: str | None) -> None:
        transaction_cache(self._session)[_TAIL] = value

    def _last_hash(self) -> str:
        if self._tail is None:
            last = self._session.exec(
                select(AuditEventRow.hash).order_by(col(AuditEventRow.seq).desc()).limit(1)
            ).first()
            self._tail = last or GENESIS
        return self._tail or GENESIS

    def record_many(
        self, entity: str, action: str, payload: dict[str, Any], ids: Iterable[uuid.UUID]
    ) -> None:
        """The same entry for many records of one household each (bulk jobs), in one insert."""
        text = canonical(payload)
        rows = []
        for entity_id in ids:
            row = AuditEventRow(
                at=utcnow(),
                actor_id=self._actor_id,
                entity=entity,
                entity_id=entity_id,
                household_id=entity_id,
                action=action,
                payload=text,
                payload_digest=digest(text),
                prev_hash=self._last_hash(),
                hash="",
            )
            row.hash = self._tail = entry_hash(row.prev_hash, row)
            rows.append(row.model_dump(exclude={"seq"}))
        if rows:
            self._session.execute(insert(AuditEventRow), rows)

    def append_copies(self, entries: Iterable[dict[str, Any]]) -> int:
        """Entries made elsewhere (pulled from the shared store), chained on here.

        Each keeps its id, time, actor and payload; the chain is this store's own.
        """
        write_pending(self._session)
        rows = []
        prev = self._last_hash()  # the tail, kept here while the loop runs
        for entry in entries:
            row = {k: v for k, v in entry.items() if k not in ("seq", "prev_hash", "hash")}
            row["prev_hash"] = prev
            row["hash"] = prev = row_hash(prev, row)
            rows.append(row)
        if rows:
            self._tail = prev
            table = AuditEventRow.__table__  # type: ignore[attr-defined]
            columns = [c for c in table.c if c.name != "seq"]
            insert_raw(
                self._session,
                f"INSERT INTO audit_event ({', '.join(c.name for c in columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                columns,
                rows,
            )
        return len(rows)

    def rechain_after(self, seq: int) -> None:
        """Re-link every entry after ``seq`` (when an entry the store refused is taken
        back from a laptop; the caller has lifted the append-only triggers)."""
        self._tail = None
        self._last_hash_before(seq)
        table = AuditEventRow.__table__  # type: ignore[attr-defined]
        for entry in self._session.execute(
            sa_select(table).where(table.c.seq > seq).order_by(table.c.seq)
        ).all():
            prev = self._tail or GENESIS
            new_hash = entry_hash(prev, entry)
            self._session.execute(
                table.update().where(table.c.seq == entry.seq).values(prev_hash=prev, hash=new_hash)
            )
            self._tail = new_hash

    def _last_hash_before(self, seq: int) -> None:
        self._tail = self._session.exec(
            select(AuditEventRow.hash)
            .where(col(AuditEventRow.seq) <= seq)
            .order_by(col(AuditEventRow.seq).desc())
            .limit(1)
        ).first()

    def record_batch(self, entries: Sequence[BatchEntry], at: datetime) -> None:
        """Append many entries made by one action at one instant, inserted in one statement.

        The same entries :meth:`record` would append, one per changed record (so each
        household's timeline, export and erasure still find theirs), without its
        per-entry costs: the caller gives each entry's id and canonical payload, the
        instant is read once, and the rows go to the driver together.
        """
        if not entries:
            return
        write_pending(self._session)  # the transaction's earlier entries come first
        prev = self._last_hash()
        rows = []
        for e in entries:
            row = {
                "id": e.id,
                "at": at,
                "actor_id": self._actor_id,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "household_id": e.household_id,
                "action": e.action,
                "payload": e.payload,
                "payload_digest": digest(e.payload),
                "prev_hash": prev,
            }
            row["hash"] = prev = row_hash(prev, row)
            rows.append(row)
        self._tail = prev
        insert_rows(self._session, _AUDIT, written_all("audit_event", rows))

    def record(
        self,
        entity: str,
        entity_id: uuid.UUID,
        action: str,
        payload: dict[str, Any],
        household_id: uuid.UUID | None = None,
        *,
        json_ready: bool = False,
    ) -> None:
        """Append one entry; it is inserted with the transaction's others (see module).
        ``json_ready``: the payload is made of JSON types already (as :func:`diff`
        makes it), so its canonical text is written without walking it first."""
        prev = self._last_hash()
        text = canonical_json(payload) if json_ready else canonical(payload)
        at = utcnow()  # before the id: a recorded change's tape holds them in this order
        entry_id = new_id()
        entry = {
            "id": entry_id,
            "at": at,
            "actor_id": self._actor_id,
            "entity": entity,
            "entity_id": entity_id,
            "household_id": household_id,
            "action": action,
            "payload": text,
            "payload_digest": digest(text),
            "prev_hash": prev,
        }
        entry["hash"] = self._tail = row_hash(prev, entry)
        pending = transaction_cache(self._session).setdefault(_PENDING, [])
        pending.append({**entry, **written("audit_event", entry_id)})


@dataclass(frozen=True)
class BatchEntry:
    """One entry of :meth:`AuditTrail.record_batch`; ``payload`` is already canonical."""

    id: uuid.UUID
    entity: str
    entity_id: uuid.UUID
    action: str
    payload: str
    household_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify(entries: Iterable[ChainFields]) -> tuple[int, ChainBreak | None]:
    """Walk entries in ``seq`` order; return how many were checked and the first break.

    An erased payload (retention) is allowed: its digest still holds the chain.
    """
    prev = GENESIS
    checked = 0
    for entry in entries:
        seq = entry.seq or 0
        if entry.prev_hash != prev:
            return checked, ChainBreak(
                seq, "does not follow the entry before it: an entry was deleted, inserted or moved"
            )
        if entry.payload and digest(entry.payload) != entry.payload_digest:
            return checked, ChainBreak(seq, "its recorded change was altered")
        if entry_hash(prev, entry) != entry.hash:
            return checked, ChainBreak(seq, "its who, when or what was altered")
        prev = entry.hash
        checked += 1
    return checked, None


_COLUMNS = (
    "seq, id, at, actor_id, entity, entity_id, household_id, action, payload, "
    "payload_digest, prev_hash, hash"
)


def iter_chain(session: Session, batch: int = 50_000, after: int = 0) -> Iterator[ChainFields]:
    """Every entry in ``seq`` order (after ``after``), fetched in batches as plain rows.

    On SQLite the rows come straight from the driver, unconverted: ids and
    instants are already in the text form the hash covers, and skipping the
    conversion is what makes a million entries verify in seconds.
    """
    table = AuditEventRow.__table__  # type: ignore[attr-defined]
    raw = session.get_bind().dialect.name == "sqlite"
    last = after
    while True:
        if raw:
            rows = (
                session.connection()
                .exec_driver_sql(
                    f"SELECT {_COLUMNS} FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, batch),
                )
                .all()
            )
        else:
            rows = session.execute(
                sa_select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)
            ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
