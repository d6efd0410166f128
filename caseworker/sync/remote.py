"""The team store as a laptop's sync sees it: a few questions and answers.

A laptop never reads the store's tables itself. It asks a :class:`Remote`: who am
I to you (``restored``), take my changes (``push``), what changed between two
versions (``page``), and what do you hold for these rows (``rows``). The answers
are :class:`Part` lists: the store's answers to this laptop's changes, rows of a
synced table, and the members of households.

:class:`StoreRemote` answers from a store in this process: the sync service runs
it for each request (``caseworker.server``), and a trial or a test can use it
directly. ``caseworker.sync.http`` asks the same questions over HTTPS.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.rules import RuleSet
from caseworker.store.database import Store
from caseworker.store.sync_tables import SyncClientState, SyncMutation, SyncVersion
from caseworker.store.tables import MemberRow
from caseworker.sync.push import Entry, PushReport, note_copy, push
from caseworker.sync.rows import BY_NAME, CHUNK, SYNCED, changed_rows

ANSWERS, ROWS, MEMBERS = "answers", "rows", "members"


@dataclass
class Part:
    """One piece of what the store sends: answers, a table's rows, or the members of
    some households (all of them: the laptop replaces theirs)."""

    kind: str
    rows: list[dict[str, Any]]
    table: str = ""
    households: list[uuid.UUID] = field(default_factory=list)


class Remote(Protocol):
    """What a laptop's sync asks of the team store."""

    def restored(self, client_id: uuid.UUID, next_mutation_id: int) -> bool:
        """True when the store has seen changes from this id beyond what the laptop
        holds: its data folder was restored from an old backup."""
        ...

    def push(self, client_id: uuid.UUID, entries: list[Entry], blocked: set[str]) -> PushReport: ...

    def note_copy(self, old: uuid.UUID, new: uuid.UUID) -> None: ...

    def version(self) -> int: ...

    def page(self, client_id: uuid.UUID, after: int, upto: int) -> Generator[Part, None, None]: ...

    def rows(self, touched: Sequence[Sequence[str]]) -> Generator[Part, None, None]: ...

    def close(self) -> None: ...


class StoreRemote:
    """A team store in this process. ``signed`` makes the push check each change's
    author signature (the sync service); a direct trial store does not. ``owned``: the
    store was opened for this remote, and ``close`` disposes of it."""

    def __init__(
        self,
        store: Store,
        rules: RuleSet,
        signed: bool = False,
        owned: bool = False,
        device_id: uuid.UUID | None = None,
    ) -> None:
        self.store, self._rules, self._signed, self._owned = store, rules, signed, owned
        self._device_id = device_id  # the enrolled laptop asking (the sync service)

    def restored(self, client_id: uuid.UUID, next_mutation_id: int) -> bool:
        with self.store.read() as session:
            state = session.get(SyncClientState, client_id)
        return state is not None and state.last_mutation_id >= next_mutation_id

    def push(self, client_id: uuid.UUID, entries: list[Entry], blocked: set[str]) -> PushReport:
        return push(
            self.store,
            client_id,
            entries,
            self._rules,
            blocked=blocked,
            signed=self._signed,
            device_id=self._device_id,
        )

    def note_copy(self, old: uuid.UUID, new: uuid.UUID) -> None:
        note_copy(self.store, old, new)

    def version(self) -> int:
        with self.store.read() as session:
            row = session.get(SyncVersion, 1)
            return row.version if row else 0

    def page(self, client_id: uuid.UUID, after: int, upto: int) -> Generator[Part, None, None]:
        with self.store.read() as session:
            yield from read_page(session, client_id, after, upto)

    def rows(self, touched: Sequence[Sequence[str]]) -> Generator[Part, None, None]:
        with self.store.read() as session:
            yield from read_rows(session, touched)

    def close(self) -> None:
        """Dispose of the store if it was opened for this remote (``owned``)."""
        if self._owned:
            self.store.dispose()


def read_page(
    session: Session, client_id: uuid.UUID, after: int, upto: int
) -> Generator[Part, None, None]:
    """Everything the store changed in ``after < version <= upto``: this client's answers
    first (the laptop decides from them which rows it holds back), then each synced
    table's rows in foreign-key order, households followed by their members."""
    answers = session.exec(
        select(SyncMutation).where(
            SyncMutation.client_id == client_id,
            col(SyncMutation.server_version) > after,
            col(SyncMutation.server_version) <= upto,
        )
    )
    yield Part(ANSWERS, [a.model_dump() for a in answers])
    for synced in SYNCED:
        for rows in changed_rows(session, synced, after, upto):
            yield Part(ROWS, rows, table=synced.name)
            if synced.name == "household":
                yield members_of(session, [r["id"] for r in rows])


def read_rows(session: Session, touched: Sequence[Sequence[str]]) -> Generator[Part, None, None]:
    """The store's copies of the rows named ``[table, id hex]`` (those it has)."""
    wanted: dict[str, list[uuid.UUID]] = {}
    for table, key in touched:
        if table in BY_NAME:
            wanted.setdefault(table, []).append(uuid.UUID(key))
    for synced in SYNCED:
        ids = wanted.get(synced.name)
        if not ids:
            continue
        for rows in changed_rows(session, synced, 0, 0, ids=ids):
            yield Part(ROWS, rows, table=synced.name)
            if synced.name == "household":
                yield members_of(session, [r["id"] for r in rows])


def members_of(session: Session, households: list[uuid.UUID]) -> Part:
    table = MemberRow.__table__  # type: ignore[attr-defined]
    members: list[dict[str, Any]] = []
    for start in range(0, len(households), CHUNK):
        found = session.execute(
            sa_select(table).where(table.c.household_id.in_(households[start : start + CHUNK]))
        )
        keys = list(found.keys())
        members.extend(dict(zip(keys, m, strict=True)) for m in found)
    return Part(MEMBERS, members, households=households)
