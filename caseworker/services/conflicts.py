"""Conflicts: a field two people changed differently, until a person picks a value.

Sync keeps the store's value and both values side by side (``domain.merge``).
Resolving is itself a synced mutation, so every laptop sees the decision.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import col, select

from caseworker.domain.merge import apply_choice, field_label
from caseworker.domain.users import User
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, NotFound
from caseworker.services.outbox import mutation
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.sync_tables import HouseholdConflict
from caseworker.store.tables import HouseholdRow, UserAccount, utcnow


@dataclass(frozen=True)
class OpenConflict:
    id: uuid.UUID
    household_id: uuid.UUID
    reference: str
    field: str
    label: str
    kept: Any  # the value in the store now
    other: Any  # the value the other change wanted
    raised_by: str
    raised_at: datetime


def open_conflicts(store: Store) -> list[OpenConflict]:
    """Every unresolved conflict, oldest first."""
    out = []
    with store.read() as session:
        rows = session.exec(
            select(HouseholdConflict)
            .where(col(HouseholdConflict.resolved_at).is_(None))
            .order_by(col(HouseholdConflict.raised_at))
        ).all()
        for row in rows:
            household = repo.load_household(session, row.household_id)
            household_row = session.get(HouseholdRow, row.household_id)
            who = session.get(UserAccount, row.raised_by) if row.raised_by else None
            out.append(
                OpenConflict(
                    id=row.id,
                    household_id=row.household_id,
                    reference=household_row.reference if household_row else "",
                    field=row.field,
                    label=field_label(row.field, household),
                    kept=json.loads(row.store_value),
                    other=json.loads(row.their_value),
                    raised_by=who.name if who else "",
                    raised_at=row.raised_at,
                )
            )
    return out


@mutation("conflicts.resolve")
def resolve(
    store: Store, user: User, conflict_id: uuid.UUID, keep: Literal["kept", "other"]
) -> None:
    """Settle a conflict: keep the store's value, or take the other one."""
    with store.unit_of_work() as session:
        conflict = session.get(HouseholdConflict, conflict_id)
        if conflict is None:
            raise NotFound("That conflict is not in this store.")
        if conflict.resolved_at is not None:
            raise InvalidInput({"conflict": "Conflict: someone has already resolved it"})
        row = session.get(HouseholdRow, conflict.household_id)
        current = repo.load_household(session, conflict.household_id)
        assert row is not None and current is not None
        chosen = conflict.store_value if keep == "kept" else conflict.their_value
        if keep == "other":
            if row.archived:
                raise InvalidInput(
                    {"conflict": "Conflict: the household is archived; its values stay as they are"}
                )
            repo.save_household(
                session, apply_choice(current, conflict.field, chosen), user.id, current
            )
        conflict.resolved_at, conflict.resolved_by = utcnow(), user.id
        conflict.chosen_value = chosen
        session.add(conflict)
        AuditTrail(session, user.id).record(
            "household",
            conflict.household_id,
            "conflict resolved",
            {"field": conflict.field, "chosen": json.loads(chosen)},
            household_id=conflict.household_id,
        )
