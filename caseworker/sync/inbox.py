"""The sync service's push inbox: a laptop's push is stored, then replayed apart.

A push used to be replayed before it was answered, and replays queue behind each
other on the store's version row, so with a hundred laptops pushing at once the last
waited for all the others (26 s at 100 laptops x 200 changes). Now the service checks
the device and its claim on the client id, stores the batch exactly as received in
``sync_inbox`` (``enqueue``) and commits; its replay worker (``ReplayWorker``, one
thread per service process) replays stored batches oldest first, in order for each
laptop, through the very same ``sync.push.push`` a push used before: each change's
author signature checked in order, replayed as its author through the same services,
refusals audited. The batch's report is kept with it, for the laptop to ask.

Several service instances may share one PostgreSQL store: a worker claims a batch
with ``FOR UPDATE SKIP LOCKED`` and holds that row lock until the batch's report is
committed, so two workers never replay one batch, and a batch whose client has an
older batch still queued (being replayed elsewhere) is not taken. A service killed
mid-replay loses its connection and so its lock: the batch is still queued and is
replayed again, from the start; the part already committed is recognised by its
mutation ids (as a retried push always was) and nothing is applied twice. A worker
stopped cleanly stops between two store transactions of the replay, leaving the batch
queued the same way. On SQLite (a trial on one machine) one service process runs one
worker, and no lock is needed.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import aliased

from caseworker.domain import clock
from caseworker.domain.rules import RuleSet
from caseworker.store.database import Store
from caseworker.store.service_tables import SyncInbox
from caseworker.store.sync_tables import SyncClientState
from caseworker.sync.push import CopiedStore, Entry, PushReport, SyncGap, push

log = logging.getLogger(__name__)
QUEUED, DONE, REFUSED, FAILED = "queued", "done", "refused", "failed"
ATTEMPTS = 5  # a batch whose replay fails this often for an unexpected reason is failed
INBOX = SyncInbox.__table__  # type: ignore[attr-defined]
# A batch's entries hold what officers typed: once replayed they are cleared, so the
# store keeps that only in its own tables, where erasure reaches it (the laptop still
# has every change it has not had an answer to).
CLEARED = "[]"


# How long a replayed batch's report is kept for its laptop to ask (GET /v1/push/{batch}).
# A laptop that asks later is told the store has no such batch, and sends its pending
# changes again: the store recognises each one (nothing is applied twice).
KEPT_FOR = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)  # how often an idle worker forgets old reports


@dataclass
class Outcome:
    """What the replay of a stored batch came to: the push's report, or why not."""

    state: str
    applied: int = 0
    refused: int = 0
    duplicates: int = 0
    waiting: int = 0
    copied: bool = False
    problem: str = ""  # a refused (out of order) or failed batch: a sentence

    def text(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def read(cls, state: str, text: str) -> Outcome:
        return cls(**{**json.loads(text), "state": state}) if text else cls(state)

    def changed_store(self) -> bool:
        return bool(self.applied + self.refused)


@dataclass(frozen=True)
class Stored:
    """A batch kept in the inbox."""

    batch: int
    changes: int


def gap(expected: int, sent: int) -> SyncGap:
    return SyncGap(
        f"The store expected change {expected} from this laptop but was sent {sent}. "
        "Nothing was applied; report this to IT."
    )


def enqueue(
    store: Store,
    client_id: uuid.UUID,
    device_id: uuid.UUID | None,
    entries: list[dict[str, Any]],
    blocked: list[str],
) -> Stored:
    """Keep a push (its entries as received, JSON-ready) for the worker. A batch out of
    order is refused here, whole (``SyncGap``): its first new change must follow the
    last the store has from this laptop, or the last of its batches still queued.
    Changes the store has had already are kept: the replay checks they are the very
    same changes (a retried push) and not a copied data folder's."""
    numbers = [int(e["mutation_id"]) for e in entries]
    for before, after in itertools.pairwise(numbers):
        if after != before + 1:
            raise gap(before + 1, after)
    with store.unit_of_work() as session:
        state = session.get(SyncClientState, client_id)
        last = state.last_mutation_id if state is not None else 0
        queued = session.execute(
            select(func.max(INBOX.c.last_mutation_id)).where(
                INBOX.c.client_id == client_id, INBOX.c.state == QUEUED
            )
        ).scalar_one()
        expected = max(last, queued or 0) + 1
        if numbers and numbers[0] > expected:
            raise gap(expected, numbers[0])
        row = SyncInbox(
            client_id=client_id,
            device_id=device_id,
            first_mutation_id=numbers[0] if numbers else 0,
            last_mutation_id=numbers[-1] if numbers else 0,
            changes=len(entries),
            received_at=clock.now(),
            entries=json.dumps(entries, separators=(",", ":")),
            blocked=json.dumps(sorted(blocked)),
            state=QUEUED,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return Stored(row.id, len(entries))


def prune(store: Store, now: datetime) -> int:
    """Forget the batches replayed (or refused, or given up) more than ``KEPT_FOR`` before
    ``now``: their entries were cleared when they were replayed, and what is left is a
    report no laptop still waits for. A queued batch is never removed. How many went."""
    with store.unit_of_work() as session:
        gone = session.execute(
            delete(INBOX).where(INBOX.c.state != QUEUED, INBOX.c.done_at < now - KEPT_FOR)
        )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Found:
    """A stored batch: whose it is, how many changes, and its outcome so far (state
    ``queued`` while it waits)."""

    client_id: uuid.UUID
    changes: int
    outcome: Outcome


def outcome_of(store: Store, batch: int) -> Found | None:
    """A stored batch and its outcome so far; None for a batch the store does not have."""
    with store.read() as session:
        row = session.execute(
            select(INBOX.c.client_id, INBOX.c.changes, INBOX.c.state, INBOX.c.report).where(
                INBOX.c.id == batch
            )
        ).first()
    if row is None:
        return None
    return Found(row.client_id, row.changes, Outcome.read(row.state, row.report))


def replay(
    store: Store,
    rules: RuleSet,
    row: Any,
    cancelled: Callable[[], bool] = lambda: False,
) -> Outcome | None:
    """Replay a stored batch exactly as a push was replayed before the inbox (signed:
    every change checked against its author's signature and role). None: the worker
    was stopped part-way, and the batch stays queued."""
    from caseworker.sync.wire import WireEntry  # the wire's models are the API's

    entries: list[Entry] = [WireEntry.model_validate(e).entry() for e in json.loads(row.entries)]
    try:
        report: PushReport = push(
            store,
            row.client_id,
            entries,
            rules,
            cancelled=cancelled,
            blocked=set(json.loads(row.blocked)),
            signed=True,
            device_id=row.device_id,
        )
    except CopiedStore:
        return Outcome(DONE, copied=True)
    except SyncGap as exc:
        return Outcome(REFUSED, problem=str(exc))
    if cancelled():
        return None
    return Outcome(DONE, report.applied, report.refused, report.duplicates, report.waiting)


def _claimable() -> Any:
    """The oldest queued batch whose laptop has no older batch still queued."""
    older = aliased(INBOX)
    return (
        select(INBOX)
        .where(
            INBOX.c.state == QUEUED,
            ~exists().where(
                older.c.client_id == INBOX.c.client_id,
                older.c.state == QUEUED,
                older.c.id < INBOX.c.id,
            ),
        )
        .order_by(INBOX.c.id)
        .limit(1)
    )


@dataclass(frozen=True)
class Replayed:
    batch: int
    outcome: Outcome


def replay_next(
    store: Store, rules: Callable[[], RuleSet], cancelled: Callable[[], bool] = lambda: False
) -> Replayed | None:
    """Claim the next batch, replay it and keep its outcome. None: nothing to claim (or
    stopped part-way: the batch stays queued). An unexpected failure is raised after the
    batch's attempts are counted; after ``ATTEMPTS`` the batch is failed, so one bad
    batch cannot stop every laptop's."""
    if store.engine.dialect.name != "postgresql":  # one process: nothing to lock
        with store.read() as session:
            row = session.execute(_claimable()).first()
        if row is None:
            return None
        batch = row.id

        def keep(values: dict[str, Any]) -> None:
            with store.unit_of_work() as session:
                session.execute(update(INBOX).where(INBOX.c.id == batch).values(**values))

        return _replay_claimed(store, rules, row, cancelled, keep)
    with store.engine.connect() as claim:
        held = claim.begin()  # the row lock is held until the outcome is committed
        try:
            row = claim.execute(_claimable().with_for_update(skip_locked=True)).first()
            if row is None:
                return None

            def keep_and_release(values: dict[str, Any]) -> None:
                claim.execute(update(INBOX).where(INBOX.c.id == row.id).values(**values))
                held.commit()

            return _replay_claimed(store, rules, row, cancelled, keep_and_release)
        finally:
            if held.is_active:
                held.rollback()


def _replay_claimed(
    store: Store,
    rules: Callable[[], RuleSet],
    row: Any,
    cancelled: Callable[[], bool],
    keep: Callable[[dict[str, Any]], None],
) -> Replayed | None:
    try:
        outcome = replay(store, rules(), row, cancelled)
    except Exception as exc:
        attempts = row.attempts + 1
        failed = attempts >= ATTEMPTS
        values: dict[str, Any] = {"attempts": attempts}
        if failed:
            problem = (
                "The team store could not apply these changes. They are kept on this "
                f"laptop; tell IT (batch {row.id})."
            )
            values.update(
                state=FAILED, report=Outcome(FAILED, problem=problem).text(), entries=CLEARED
            )
            values["done_at"] = clock.now()
        log.warning(
            "replay of batch %d failed (%s), attempt %d%s",
            row.id,
            type(exc).__name__,
            attempts,
            ": given up" if failed else "",
        )
        keep(values)
        raise
    if outcome is None:
        return None
    keep(
        {
            "state": outcome.state,
            "report": outcome.text(),
            "done_at": clock.now(),
            "entries": CLEARED,
        }
    )
    return Replayed(row.id, outcome)


class ReplayWorker:
    """The service's replay thread: drains the inbox, oldest first, and notes each
    batch it finished so a push waiting for its answer hears at once."""

    POLL = 1.0  # seconds between looks when nothing woke it (another instance's batches)
    KEEP = 10_000  # finished batch ids remembered for waiting pushes

    def __init__(
        self,
        store: Store,
        rules: Callable[[], RuleSet],
        after_push: Callable[[Store], None] | None = None,
    ) -> None:
        self._store, self._rules, self._after = store, rules, after_push
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished: OrderedDict[int, Outcome] = OrderedDict()
        self._listeners: dict[int, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="push replay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        """Stop between two store transactions; a batch part-way stays queued."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def finished(self, batch: int) -> Outcome | None:
        with self._lock:
            return self._finished.get(batch)

    def listen(self, batch: int, tell: Callable[[], None]) -> Outcome | None:
        """Have ``tell`` called (on the worker's thread) when ``batch`` is replayed here;
        its outcome now if it is already."""
        with self._lock:
            if batch in self._finished:
                return self._finished[batch]
            self._listeners.setdefault(batch, []).append(tell)
            return None

    def unlisten(self, batch: int, tell: Callable[[], None]) -> None:
        with self._lock:
            told = self._listeners.get(batch, [])
            if tell in told:
                told.remove(tell)
            if not told:
                self._listeners.pop(batch, None)

    def _prune(self, now: datetime) -> None:
        try:
            gone = prune(self._store, now)
        except Exception as exc:  # the store unreachable: tried again in an hour
            log.warning("old push reports not pruned (%s)", type(exc).__name__)
            return
        if gone:
            log.info("%d old push reports forgotten", gone)

    def _note(self, done: Replayed) -> None:
        with self._lock:
            self._finished[done.batch] = done.outcome
            while len(self._finished) > self.KEEP:
                self._finished.popitem(last=False)
            told = self._listeners.pop(done.batch, [])
        for tell in told:
            tell()

    def _run(self) -> None:
        delay = 0.5
        pruned: datetime | None = None  # when this worker last forgot old reports
        while not self._stop.is_set():
            try:
                done = replay_next(self._store, self._rules, self._stop.is_set)
            except Exception as exc:  # the store unreachable, or a bad batch: counted
                log.warning("push replay paused (%s)", type(exc).__name__)
                self._stop.wait(delay)
                delay = min(delay * 2, 30)
                continue
            delay = 0.5
            if done is None:
                now = clock.now()
                if pruned is None or now - pruned >= PRUNE_EVERY:
                    pruned = now
                    self._prune(now)
                self._wake.wait(self.POLL)
                self._wake.clear()
                continue
            log.info("batch %d replayed: %s", done.batch, done.outcome.state)
            if self._after is not None and done.outcome.changed_store():
                self._after(self._store)
            self._note(done)
