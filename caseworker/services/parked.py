"""Changes the team store did not accept: parked on the laptop, never deleted.

Each outbox row is in one of these states:

- ``pending``: waiting to be sent (or sent, and its answer not pulled yet);
- ``parked``: the store refused it, with a reason. The records it made or changed
  stay on this laptop, marked "not accepted by the team store";
- ``waiting``: it depends on a parked change (it refers to or touches a row that one
  touched), so the store did not replay it; it goes and comes back with that one;
- ``withdrawn``: a copy of it was queued again (resent); the original is still sent,
  marked *hold*, so the store's count of this laptop's changes has no gap, and is
  forgotten once the store has answered;
- ``dropped``: discarded before the store ever answered it; sent marked *hold* like a
  withdrawn one, then taken back like a discarded one;
- ``discarded``: a person decided to drop it (audited: who, when, why); at the next
  sync its records are made equal to the store's copies, or taken back.

A person can *resend* a parked change (after correcting the household, or once the
store has been upgraded): it and every change waiting behind it are queued again, in
their order, at the end of the queue. Or *discard* it, with a reason: it and the
changes waiting behind it are dropped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select

from caseworker.domain.changes import touched_keys, waiting_behind
from caseworker.domain.users import Role, User
from caseworker.services import keys
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused
from caseworker.services.outbox import client_row, mutation
from caseworker.services.sync_view import mutation_label
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import ConflictOfInterestRow, HouseholdRow, PackageRow, VisitRow

PENDING, PARKED, WAITING = "pending", "parked", "waiting"
WITHDRAWN, DROPPED, DISCARDED = "withdrawn", "dropped", "discarded"
SENT = (PENDING, WITHDRAWN, DROPPED)  # what a push sends, in mutation-id order
HOLD = (WITHDRAWN, DROPPED)  # sent, but never to be replayed
KEPT = (PARKED, WAITING, DISCARDED, DROPPED)  # their rows stay as this laptop has them
LISTED = (PARKED, WAITING, DISCARDED, DROPPED)  # what a person sees and decides
NOT_ACCEPTED = "Not accepted by the team store"


@dataclass(frozen=True)
class ParkedChange:
    mutation_id: int
    client_id: uuid.UUID
    name: str
    label: str
    created_at: datetime
    state: str
    reason: str
    reference: str  # the household's case reference, if the change was about one
    actor_id: uuid.UUID | None

    @property
    def status(self) -> str:
        """The state in words, as the page and the command line show it."""
        return {
            PARKED: "Not accepted by the team store",
            WAITING: "Waiting behind a change that was not accepted",
            DISCARDED: "Discarded; taken back at the next sync",
            DROPPED: "Discarded; taken back at the next sync",
        }.get(self.state, self.state)


def parked_changes(store: Store) -> list[ParkedChange]:
    """Every change the store did not accept, and those waiting behind one, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(OutboxRow)
            .where(col(OutboxRow.state).in_(LISTED))
            .order_by(col(OutboxRow.mutation_id))
        ).all()
        return [
            ParkedChange(
                mutation_id=row.mutation_id,
                client_id=row.client_id,
                name=row.name,
                label=mutation_label(row.name),
                created_at=row.created_at,
                state=row.state,
                reason=row.reason,
                reference=_reference(session, row.touched),
                actor_id=row.actor_id,
            )
            for row in rows
        ]


def kept_keys(session: Session) -> set[str]:
    """Ids (hex) of rows this laptop keeps as it has them because a change that touched
    them was not accepted: pulls leave them alone, and changes about them wait."""
    keys: set[str] = set()
    for (touched,) in session.execute(
        select(OutboxRow.touched).where(col(OutboxRow.state).in_(KEPT))
    ):
        keys |= touched_keys(touched)
    return keys


def not_accepted_households(session: Session) -> set[uuid.UUID]:
    """Households with a change the team store has not accepted (marked on screen)."""
    touched = session.exec(select(OutboxRow.touched).where(col(OutboxRow.state).in_(LISTED)))
    found: set[uuid.UUID] = set()
    for text in touched.all():
        household = _household_of(session, text)
        if household is not None:
            found.add(household.id)
    return found


def unsent_households(session: Session, actor: User) -> dict[uuid.UUID, str]:
    """Households with a change by ``actor`` (or by nobody) the team store has not yet
    accepted: each with ``pending`` (not synced yet) or its listed state (parked...).
    A parked state wins over pending: it needs a person, pending only a sync."""
    rows = session.exec(
        select(OutboxRow.touched, OutboxRow.state)
        .where(
            col(OutboxRow.state).in_((PENDING, *LISTED)),
            or_(col(OutboxRow.actor_id) == actor.id, col(OutboxRow.actor_id).is_(None)),
        )
        .order_by(col(OutboxRow.mutation_id))
    ).all()
    found: dict[uuid.UUID, str] = {}
    for touched, state in rows:
        household = _household_of(session, touched)
        if household is not None and found.get(household.id, PENDING) == PENDING:
            found[household.id] = state
    return found


# Rows a change may touch that belong to one household (by their table name).
_OF_A_HOUSEHOLD: dict[str, type[SQLModel]] = {
    "visit": VisitRow,
    "package": PackageRow,
    "review": ReviewRow,
    "conflict_of_interest": ConflictOfInterestRow,
}


def _household_of(session: Session, touched: str) -> HouseholdRow | None:
    for table, key in json.loads(touched):
        household_id: uuid.UUID | None = None
        if table == "household":
            household_id = uuid.UUID(key)
        elif table in _OF_A_HOUSEHOLD:
            row = session.get(_OF_A_HOUSEHOLD[table], uuid.UUID(key))
            household_id = getattr(row, "household_id", None)
        household = session.get(HouseholdRow, household_id) if household_id else None
        if household is not None:
            return household
    return None


def _reference(session: Session, touched: str) -> str:
    """The case reference of the household a change was about (if it is here), so the
    officer can find it: an approval touched the package, not the household."""
    household = _household_of(session, touched)
    return household.reference if household is not None else ""


def _group(session: Session, client_id: uuid.UUID, mutation_id: int) -> list[OutboxRow]:
    """A parked change and every later change that waits behind it, in queue order."""
    first = session.get(OutboxRow, (mutation_id, client_id))
    if first is None or first.state not in (PARKED, WAITING):
        raise NotFound("That change is no longer waiting for a decision on this laptop.")
    later = session.exec(
        select(OutboxRow)
        .where(
            OutboxRow.client_id == client_id,
            col(OutboxRow.mutation_id) > mutation_id,
            col(OutboxRow.state).in_((PENDING, WAITING)),
        )
        .order_by(col(OutboxRow.mutation_id))
    ).all()
    behind = waiting_behind(
        [(r.mutation_id, r.args, r.touched) for r in later], [(first.args, first.touched)]
    )
    return [first, *(r for r in later if r.mutation_id in behind)]


def _may_decide(user: User, rows: Sequence[OutboxRow]) -> None:
    if user.role is not Role.MANAGER and rows[0].actor_id not in (None, user.id):
        raise PermissionRefused(
            "Only the person who made this change, or a team manager, can resend or discard it."
        )


def _fill_group(store: Store, arguments: dict[str, Any]) -> None:
    """On the laptop: which changes go with it (the store only records the decision)."""
    with store.read() as session:
        group = _group(session, arguments["client_id"], arguments["mutation_id"])
        _may_decide(arguments["user"], group)
        arguments["changes"] = [[r.mutation_id, r.name] for r in group]


@mutation("sync.resend", fill=_fill_group)
def resend(
    store: Store,
    user: User,
    client_id: uuid.UUID,
    mutation_id: int,
    changes: list[list[Any]] | None = None,
) -> int:
    """Queue a parked change again, with the changes waiting behind it, at the end of
    the queue (the records as they are now on this laptop: correct them first). Returns
    how many changes were queued. The store records the decision in its audit trail."""
    with store.unit_of_work() as session:
        if store.keeps_outbox:
            _queue_again(session, client_id, [number for number, _name in changes or []])
        AuditTrail(session, user.id).record(
            "sync",
            client_id,
            "change not accepted, sent again",
            {"mutation_id": mutation_id, "changes": changes or []},
        )
    return len(changes or [])


def _queue_again(session: Session, client_id: uuid.UUID, numbers: list[int]) -> None:
    client = client_row(session)
    for number in numbers:
        row = session.get(OutboxRow, (number, client_id))
        if row is None:
            continue
        # Signed again if its author's key is unlocked now: a change the store refused
        # for want of their signature is accepted once they have signed in and resent it.
        copy = OutboxRow(
            **row.model_dump(exclude={"mutation_id", "client_id", "state", "reason", "signature"}),
            mutation_id=client.next_mutation_id,
            client_id=client.client_id,
            signature=keys.sign_change(row.actor_id, row.digest) or row.signature,
        )
        client.next_mutation_id += 1
        if row.state == PENDING:  # maybe not sent yet: send it as a hold, keep no gap
            row.state, row.reason = WITHDRAWN, ""
            session.add(row)
        else:  # the store has answered it; its copy replaces it
            session.delete(row)
        session.flush()
        session.add(copy)
    session.add(client)


@mutation("sync.discard", fill=_fill_group)
def discard(
    store: Store,
    user: User,
    client_id: uuid.UUID,
    mutation_id: int,
    why: str,
    changes: list[list[Any]] | None = None,
) -> None:
    """Drop a parked change and the changes waiting behind it: a decision, audited with
    who, when and why (the store records it too). On the laptop, the records they made
    or changed are made equal to the store's at the next sync, or taken back."""
    why = why.strip()
    if not why:
        raise InvalidInput({"why": "Why: say why this change is discarded."})
    with store.unit_of_work() as session:
        if store.keeps_outbox:
            for number, _name in changes or []:
                row = session.get(OutboxRow, (number, client_id))
                if row is not None:
                    row.state = DROPPED if row.state == PENDING else DISCARDED
                    session.add(row)
        AuditTrail(session, user.id).record(
            "sync",
            client_id,
            "change not accepted, discarded",
            {"mutation_id": mutation_id, "why": why, "changes": changes or []},
        )
