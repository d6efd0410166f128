"""What a person needs to see about this laptop's refused changes, and how to clear them.

The store refuses a change when its rules say no on replay (say, an on-the-spot
approval whose allowance was already spent on another laptop). Pull has by then
taken the change back on this laptop, so the outbox row is only the record of
*why*; dismissing it deletes that local bookkeeping row once the officer has
read it. It is never pushed, but it is written to the audit trail.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, SQLModel, col, select

from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import NotFound, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import ConflictOfInterestRow, HouseholdRow, PackageRow, VisitRow

# Words for each named mutation (``caseworker.services.outbox``), as an officer says them.
MUTATION_LABELS: dict[str, str] = {
    "conflicts.resolve": "Conflict resolved",
    "fund.grant_allowance": "Offline allowance granted",
    "fund.move_allowance": "Offline allowance moved",
    "fund.open": "Team fund opened",
    "fund.return_allowance": "Offline allowance given back",
    "households.create": "New household",
    "households.merge": "Duplicate households merged",
    "households.undo_merge": "Merge of duplicate households undone",
    "households.update": "Household details changed",
    "packages.approve": "Package approved by a team manager",
    "packages.approve_on_the_spot": "Yes today (on-the-spot approval)",
    "packages.declare_conflict": "Conflict of interest declared",
    "packages.propose": "Package made from a visit",
    "packages.record_payment": "Payment recorded",
    "packages.reject": "Package rejected",
    "packages.send_to_manager": "Package sent to a team manager",
    "packages.withdraw": "Package withdrawn",
    "retention.deidentify": "Household de-identified (retention)",
    "reviews.record": "Follow-up review recorded",
    "users.add": "User account added",
    "visits.record": "Visit recorded",
}


def mutation_label(name: str) -> str:
    """Plain words for a mutation name; an unknown one still reads sensibly."""
    if name in MUTATION_LABELS:
        return MUTATION_LABELS[name]
    area, _, action = name.partition(".")
    return f"{area.capitalize()}: {action.replace('_', ' ')}" if action else name


@dataclass(frozen=True)
class RefusedChange:
    mutation_id: int
    client_id: uuid.UUID
    name: str
    label: str
    created_at: datetime
    reason: str
    reference: str  # the household's case reference, if the change was about one


def refused_changes(store: Store) -> list[RefusedChange]:
    """Every change the store refused that nobody has dismissed yet, oldest first."""
    out = []
    with store.read() as session:
        rows = session.exec(
            select(OutboxRow)
            .where(OutboxRow.state == "refused")
            .order_by(col(OutboxRow.created_at), col(OutboxRow.mutation_id))
        ).all()
        for row in rows:
            out.append(
                RefusedChange(
                    mutation_id=row.mutation_id,
                    client_id=row.client_id,
                    name=row.name,
                    label=mutation_label(row.name),
                    created_at=row.created_at,
                    reason=row.reason,
                    reference=_reference(session, row.touched),
                )
            )
    return out


# Rows a change may touch that belong to one household (by their table name).
_OF_A_HOUSEHOLD: dict[str, type[SQLModel]] = {
    "visit": VisitRow,
    "package": PackageRow,
    "review": ReviewRow,
    "conflict_of_interest": ConflictOfInterestRow,
}


def _reference(session: Session, touched: str) -> str:
    """The case reference of the household a change was about (if it is still here), so
    the officer can find it: an approval touched the package, not the household."""
    for table, key in json.loads(touched):
        household_id: uuid.UUID | None = None
        if table == "household":
            household_id = uuid.UUID(key)
        elif table in _OF_A_HOUSEHOLD:
            row = session.get(_OF_A_HOUSEHOLD[table], uuid.UUID(key))
            household_id = getattr(row, "household_id", None)
        household = session.get(HouseholdRow, household_id) if household_id else None
        if household is not None:
            return household.reference
    return ""


def dismiss_refused(store: Store, user: User, mutation_id: int, client_id: uuid.UUID) -> None:
    """Forget a refused change once it has been read: the person who made it or a
    team manager may; the audit trail keeps who dismissed what."""
    with store.unit_of_work() as session:
        row = session.get(OutboxRow, (mutation_id, client_id))
        if row is None or row.state != "refused":
            raise NotFound("That refused change is no longer listed on this laptop.")
        if user.role is not Role.MANAGER and row.actor_id not in (None, user.id):
            raise PermissionRefused(
                "Only the person who made this change, or a team manager, can dismiss it."
            )
        AuditTrail(session, user.id).record(
            "sync",
            client_id,
            "refused change dismissed",
            {"mutation_id": mutation_id, "name": row.name},
        )
        session.delete(row)
