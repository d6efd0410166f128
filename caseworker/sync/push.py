"""Push: replay a laptop's outbox in the shared store, each mutation exactly once.

Mutations go in batches; each batch is one store transaction that first bumps
the store's version (so versions follow commit order: a second pusher waits on
that row), then replays each mutation in a savepoint through the same service
function the laptop ran, and records the client's last mutation id. A repeated
push therefore applies nothing twice, and a batch cut off by a lost connection
or a killed process leaves nothing half-done.

A mutation the rules refuse is recorded as refused with the reason, and the
queue moves on: the laptop parks it (it never deletes it). A change that depends
on a refused or parked one (it refers to or touches a row that one touched) is
not replayed: it is answered "waiting", so nothing is applied out of order, and
every other change keeps flowing. A fund refusal is flagged: the laptop's own
ledger allowed the spend, so its store was tampered with or cloned.

A signed push (``signed=True``, as the sync service pushes) replays only changes
signed by their author (``services.signatures``); one that is not is refused,
flagged, and the refusal is written in the store's audit trail.

A mutation id the store has already recorded with another digest proves the
laptop's store is a copy (a copied or restored data folder): nothing of the batch
is applied, the store notes the copy for the managers, and the laptop takes a new
identity (``caseworker.sync.run``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from caseworker.domain import clock
from caseworker.domain.changes import depends_on, hold_back
from caseworker.domain.rules import RuleSet
from caseworker.domain.stamps import Tape, on_tape
from caseworker.domain.users import User
from caseworker.services import signatures
from caseworker.services.audit import AuditTrail, write_pending
from caseworker.services.errors import ServiceError
from caseworker.services.fund import FundRefused
from caseworker.services.outbox import load_user
from caseworker.services.parked import PENDING
from caseworker.services.registry import MUTATIONS
from caseworker.store import households as repo
from caseworker.store.bulk import insert_many
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow, SyncClientState, SyncMutation, SyncVersion
from caseworker.store.tables import utcnow
from caseworker.store.written import stamping

log = logging.getLogger(__name__)
BATCH = 250


class SyncGap(Exception):
    """The store expected another mutation id: the outbox lost an entry (a bug)."""


class CopiedStore(Exception):
    """The store has applied other changes under this laptop's numbers: its data folder
    is a copy (or an old backup). Nothing was applied; it must take a new identity."""


NOT_READABLE = (
    "The team store could not apply this change: it refers to a record the store does "
    "not have, or holds a value the store cannot keep."
)


@dataclass(frozen=True)
class Entry:
    """An outbox row, detached from the laptop's session."""

    mutation_id: int
    name: str
    actor_id: uuid.UUID | None
    args: str
    tape: str
    digest: str
    touched: str = "[]"
    hold: bool = False  # sent only to keep the count: never replayed (services.parked)
    signature: str = ""  # the author's (services.signatures)

    @classmethod
    def of(cls, row: OutboxRow) -> Entry:
        return cls(
            row.mutation_id,
            row.name,
            row.actor_id,
            row.args,
            row.tape,
            row.digest,
            row.touched,
            hold=row.state != PENDING,
            signature=row.signature,
        )


@dataclass
class PushReport:
    applied: int = 0
    refused: int = 0
    duplicates: int = 0
    waiting: int = 0
    queued: int = 0  # kept by the sync service, not replayed yet (asked again later)

    def count(self, status: str) -> None:
        name = {"applied": "applied", "refused": "refused", "waiting": "waiting"}.get(
            status, "duplicates"
        )
        if status != "held":
            setattr(self, name, getattr(self, name) + 1)


def bump_version(session: Session) -> int:
    """Take the store's next version; the row lock queues concurrent pushes."""
    version = session.execute(
        update(SyncVersion)
        .where(col(SyncVersion.id) == 1)
        .values(version=col(SyncVersion.version) + 1)
        .returning(col(SyncVersion.version))
    ).scalar_one()
    return int(version)


def push(
    shared: Store,
    client_id: uuid.UUID,
    entries: list[Entry],
    rules: RuleSet,
    cancelled: Callable[[], bool] = lambda: False,
    blocked: set[str] | None = None,
    *,
    signed: bool = False,
    device_id: uuid.UUID | None = None,
) -> PushReport:
    """Replay ``entries`` in order. ``blocked`` holds the ids (hex) of rows that the
    laptop's parked changes touched: a change about one of them waits. ``signed``:
    refuse every change not signed by its author. ``device_id``: the enrolled laptop
    that sent them, recorded with each answer."""
    report = PushReport()
    blocked = set(blocked or ())
    with clock.one_day():  # every date in the push checked against one reading of the clock
        for start in range(0, len(entries), BATCH):
            if cancelled():
                break
            batch = entries[start : start + BATCH]
            _push_batch(shared, client_id, batch, rules, report, blocked, signed, device_id)
    return report


def _push_batch(
    shared: Store,
    client_id: uuid.UUID,
    batch: list[Entry],
    rules: RuleSet,
    report: PushReport,
    blocked: set[str],
    signed: bool = False,
    device_id: uuid.UUID | None = None,
) -> None:
    """Replay a batch without savepoints, the common case; if the rules refuse any
    change in it, roll the whole batch back and replay it again one savepoint per
    change, so the refused one alone is left out."""
    trial = set(blocked)  # a batch rolled back leaves ``blocked`` as it was
    try:
        statuses = _replay_batch(shared, client_id, batch, rules, trial, False, signed, device_id)
    except _Refused:
        statuses = _replay_batch(shared, client_id, batch, rules, blocked, True, signed, device_id)
    else:
        blocked |= trial
    for status in statuses:
        report.count(status)


class _Refused(Exception):
    """A change in a batch replayed without savepoints was refused."""


def _replay_batch(
    shared: Store,
    client_id: uuid.UUID,
    batch: list[Entry],
    rules: RuleSet,
    blocked: set[str],
    careful: bool,
    signed: bool = False,
    device_id: uuid.UUID | None = None,
) -> list[str]:
    """Replay a batch in one store transaction; the status of each change replayed.

    ``blocked`` grows by the rows of each change refused or left waiting."""
    results: list[dict[str, Any]] = []
    with shared.unit_of_work() as session:
        version = bump_version(session)
        state = session.get(SyncClientState, client_id, with_for_update=True)
        if state is None:
            state = SyncClientState(client_id=client_id)
        last = state.last_mutation_id
        _check_not_a_copy(session, client_id, [e for e in batch if e.mutation_id <= last])
        replay = _Replayer(shared, session, rules, version, careful, signed, client_id)
        if signed:  # every signature is still checked, in order, by the replay
            signatures.check_ahead(
                session,
                [(e.actor_id, e.digest, e.signature) for e in batch if e.mutation_id > last],
            )
        seen = _already_applied(session, [e.digest for e in batch])
        reading_ahead = False
        for index, entry in enumerate(batch):
            if entry.name not in _HOUSEHOLD_RUN:
                if reading_ahead:
                    _end_run(session)
                reading_ahead = False
            elif not reading_ahead:
                repo.read_ahead(session, _edited_households(batch[index:]))
                if not careful:  # a failed write fails the batch, replayed carefully
                    repo.write_behind(session)
                reading_ahead = True
            if entry.mutation_id <= last:
                continue  # applied by an earlier push whose answer never arrived
            if entry.mutation_id != last + 1:
                raise SyncGap(
                    f"The store expected change {last + 1} from this laptop but was sent "
                    f"{entry.mutation_id}. Nothing was applied; report this to IT."
                )
            result = {
                "client_id": client_id,
                "mutation_id": entry.mutation_id,
                "name": entry.name,
                "actor_id": entry.actor_id,
                "digest": entry.digest,
                "status": "applied",
                "reason": "",
                "diverged": False,
                "flagged": False,
                "at": utcnow(),
                "server_version": version,
                "signature": entry.signature,
                "device_id": device_id,
            }
            if entry.hold:
                result["status"] = "held"
            elif entry.digest in seen:
                result["status"] = "duplicate"  # pushed before under another client id
            elif depends_on(entry.args, entry.touched, blocked):
                result.update(status="waiting", reason=WAITING)
            else:
                replay(entry, result)
            if result["status"] == "applied":
                seen.add(entry.digest)
            elif result["status"] in ("refused", "waiting"):
                hold_back(entry.touched, blocked)
            results.append(result)
            last = entry.mutation_id
        if reading_ahead:
            _end_run(session)
        state.last_mutation_id = last
        state.last_seen_at = utcnow()
        session.add(state)
        if results:
            insert_many(session.connection(), SyncMutation.__table__, results)  # type: ignore[attr-defined]
    return [result["status"] for result in results]


WAITING = (
    "Waiting for an earlier change on this laptop that the team store did not accept; "
    "it is sent when that change is resent, and discarded with it."
)


def _check_not_a_copy(session: Session, client_id: uuid.UUID, done: list[Entry]) -> None:
    """Changes numbered at or below what the store has from this laptop must be the
    very changes it recorded under those numbers (a retried push); other changes under
    the same numbers prove the data folder was copied or restored from a backup."""
    if not done:
        return
    recorded = dict(
        session.exec(
            select(SyncMutation.mutation_id, SyncMutation.digest).where(
                SyncMutation.client_id == client_id,
                col(SyncMutation.mutation_id).in_([e.mutation_id for e in done]),
            )
        ).all()
    )
    if any(recorded.get(e.mutation_id, e.digest) != e.digest for e in done):
        raise CopiedStore(
            "This laptop's data folder is a copy, or was restored from a backup: the team "
            "store already has other changes under its numbers."
        )


def note_copy(shared: Store, client_id: uuid.UUID, new_client_id: uuid.UUID) -> None:
    """Tell the managers (an audit entry every laptop pulls) that a copied data folder
    synced; its changes are kept and sent again under a new identity."""
    with shared.unit_of_work() as session:
        version = bump_version(session)
        with stamping(version):
            AuditTrail(session, None).record(
                "sync",
                new_client_id,
                "copied data folder found",
                {"old_client_id": client_id.hex, "new_client_id": new_client_id.hex},
            )


# Household saves and edits are most of what laptops push. A run of them writes
# households only through ``save_household``, and each household read ahead is
# handed out once, so the edits of a run can be read in one query, and their writes
# sent together (``repo.write_behind``).
_HOUSEHOLD_RUN = frozenset({"households.create", "households.update"})


def _end_run(session: Session) -> None:
    """Forget the households read ahead and send the writes held back. Held back only
    in a batch replayed without savepoints: a write the store refuses fails the batch,
    which is replayed one savepoint per change (so the refused change is found)."""
    repo.forget_read_ahead(session)
    try:
        repo.write_pending(session, stop=True)
    except (IntegrityError, DataError) as exc:
        raise _Refused from exc


def _edited_households(entries: list[Entry]) -> set[uuid.UUID]:
    """Households the edits at the start of ``entries`` change, up to the first other change."""
    edited: set[uuid.UUID] = set()
    for entry in entries:
        if entry.name not in _HOUSEHOLD_RUN:
            break
        if entry.name == "households.update":
            with contextlib.suppress(KeyError, TypeError, ValueError):  # refused on replay
                edited.add(uuid.UUID(json.loads(entry.args)["household"]["id"]))
    return edited


def _already_applied(session: Session, digests: list[str]) -> set[str]:
    return set(
        session.exec(
            select(SyncMutation.digest).where(
                col(SyncMutation.digest).in_(digests), SyncMutation.status == "applied"
            )
        )
    )


class _Replayer:
    """Runs outbox entries through their service functions in one store transaction."""

    def __init__(
        self,
        shared: Store,
        session: Session,
        rules: RuleSet,
        version: int,
        careful: bool,
        signed: bool = False,
        client_id: uuid.UUID | None = None,
    ) -> None:
        self._shared, self._session, self._rules = shared, session, rules
        self._version, self._careful = version, careful
        self._signed, self._client_id = signed, client_id
        self._users: dict[uuid.UUID, User] = {}  # accounts never change once made

    def _user(self, user_id: uuid.UUID) -> User:
        if user_id not in self._users:
            self._users[user_id] = load_user(self._shared, user_id)
        return self._users[user_id]

    def __call__(self, entry: Entry, result: dict[str, Any]) -> None:
        """Replay ``entry``; a refusal is written on ``result`` (careful) or raised."""
        try:
            values = json.loads(entry.args)  # read once, for the signature and the replay
        except (TypeError, ValueError):
            values = None  # refused by the signature check (or raised by the replay) as before
        if self._signed and not self._signed_by_author(entry, result, values):
            return
        if self._careful:
            write_pending(self._session)  # kept if this change's savepoint rolls back
        savepoint = self._session.begin_nested() if self._careful else None
        try:
            tape = self._run(entry, values)
        except (ServiceError, IntegrityError, DataError) as exc:
            if savepoint is None:
                raise _Refused from exc
            savepoint.rollback()
            reason = str(exc) if isinstance(exc, ServiceError) else NOT_READABLE
            result.update(status="refused", reason=reason, flagged=isinstance(exc, FundRefused))
            log.warning("change %s refused by the store (%s)", entry.name, type(exc).__name__)
            return
        if savepoint is not None:
            savepoint.commit()
        result["diverged"] = not tape.finished

    def _signed_by_author(self, entry: Entry, result: dict[str, Any], values: Any) -> bool:
        """Check the author's signature before replaying anything. A refusal is
        flagged and audited in the store (nothing of the change was written, so the
        audit entry stays whatever happens to the change)."""
        try:
            signatures.check(
                self._session,
                entry.name,
                entry.actor_id,
                entry.args,
                entry.digest,
                entry.signature,
                tape=entry.tape,
                values=values,
            )
        except signatures.SignatureRefused as exc:
            if not self._careful:
                raise _Refused from exc
            with stamping(self._version):
                AuditTrail(self._session, None).record(
                    "sync",
                    self._client_id or uuid.UUID(int=0),
                    signatures.AUDIT_ACTION,
                    {
                        "change": entry.name,
                        "mutation_id": entry.mutation_id,
                        "author_id": entry.actor_id.hex if entry.actor_id else None,
                    },
                )
            result.update(status="refused", reason=str(exc), flagged=True)
            log.warning("change %s refused by the store: not signed by its author", entry.name)
            return False
        return True

    def _run(self, entry: Entry, values: Any = None) -> Tape:
        spec = MUTATIONS.get(entry.name)
        if spec is None:
            raise ServiceError(f"This store does not know the change {entry.name!r}.")
        tape = Tape(json.loads(entry.tape))
        with self._shared.joined(self._session), on_tape(tape), stamping(self._version):
            try:
                if values is None:
                    values = json.loads(entry.args)
                kwargs = spec.decode(values, self._rules, self._user)
            except (TypeError, ValidationError) as exc:
                raise ServiceError(
                    "This change could not be read (it was erased, or made by another "
                    "version of Caseworker)."
                ) from exc
            spec.func(self._shared, **kwargs)
            self._session.flush()
        return tape
