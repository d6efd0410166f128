"""Record visits and read a household's timeline."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from caseworker.domain.assessment import CAPITALS, Capitals
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.services.audit import AuditTrail, diff, payload_of
from caseworker.services.drafts import drop_draft
from caseworker.services.errors import InvalidInput, NotFound
from caseworker.services.forms import build, to_form
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, HouseholdRow, UserAccount

log = logging.getLogger(__name__)


def record_visit(store: Store, user: User, visit: Visit, draft: str | None = None) -> Visit:
    """Save a completed visit and note it as the household's last visit.

    ``draft`` names the visit draft this replaces; it is dropped in the same transaction.
    """
    with store.unit_of_work() as session:
        household = session.get(HouseholdRow, visit.household_id)
        if household is None:
            raise NotFound("That household no longer exists in this store.")
        session.add(repo.visit_to_row(visit, user.id))
        if household.last_visit_date is None or visit.visit_date > household.last_visit_date:
            household.last_visit_date = visit.visit_date
            session.add(household)
        AuditTrail(session, user.id).record(
            "visit",
            visit.id,
            "recorded",
            diff({}, visit.model_dump(exclude={"id"})),
            household_id=visit.household_id,
        )
        if draft is not None:
            drop_draft(session, user, "visit", draft)
    log.info("visit %s recorded by %s", visit.id, user.id)
    return visit


def visits_of(store: Store, household_id: uuid.UUID) -> list[Visit]:
    with store.read() as session:
        return repo.visits_of(session, household_id)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    changes: dict[str, Any]


_ACTIONS = {
    ("household", "created"): "Household created",
    ("household", "updated"): "Household details changed",
    ("visit", "recorded"): "Visit recorded",
}


def timeline(store: Store, household_id: uuid.UUID) -> list[TimelineEntry]:
    """Every audited event for the household, newest first."""
    with store.read() as session:
        rows = session.exec(
            select(AuditEventRow, UserAccount.name)
            .join(UserAccount, col(UserAccount.id) == AuditEventRow.actor_id, isouter=True)
            .where(AuditEventRow.household_id == household_id)
            .order_by(col(AuditEventRow.seq).desc())
        ).all()
    return [
        TimelineEntry(
            at=row.at,
            who=name or "unknown",
            what=_ACTIONS.get((row.entity, row.action), f"{row.entity} {row.action}"),
            changes=payload_of(row),
        )
        for row, name in rows
    ]


VISIT_MONEY = frozenset(
    {
        "getting_to_work_cost_pence",
        "tools_cost_pence",
        "course_fee_pence",
        "childcare_cost_pence",
    }
)
VISIT_DATES = frozenset({"visit_date", "hearing_date", "work_event_date"})


def build_visit(values: dict[str, Any]) -> Visit:
    """A visit from form text, capitals included; every bad field is reported at once."""
    data = {k: v for k, v in values.items() if k not in CAPITALS}
    errors: dict[str, str] = {}
    capitals: Capitals | None = None
    try:
        capitals = build(Capitals, {k: values.get(k) for k in CAPITALS})
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        visit = build(Visit, {**data, "capitals": capitals or Capitals()}, VISIT_MONEY, VISIT_DATES)
    except InvalidInput as exc:
        errors.update(exc.fields)
        raise InvalidInput(errors) from exc
    if errors:
        raise InvalidInput(errors)
    return visit


def visit_form(visit: Visit) -> dict[str, Any]:
    values = to_form(visit, VISIT_MONEY, VISIT_DATES)
    values.update(values.pop("capitals"))
    return values
