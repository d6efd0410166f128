"""Record visits and read a household's timeline."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from caseworker.domain.assessment import CAPITALS, Capitals
from caseworker.domain.rules import NoRulesInForce, Recommendation, RuleSet, evaluate
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.services.audit import AuditTrail, canonical, diff, payload_of
from caseworker.services.drafts import drop_draft
from caseworker.services.errors import InvalidInput, NotFound
from caseworker.services.facts_reader import household_group, read_facts
from caseworker.services.forms import build, to_form
from caseworker.services.outbox import mutation
from caseworker.services.recommend import allowance_left
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, HouseholdRow, UserAccount, VisitRow

log = logging.getLogger(__name__)


@mutation("visits.record")
def record_visit(
    store: Store,
    user: User,
    visit: Visit,
    draft: str | None = None,
    rules: RuleSet | None = None,
) -> Visit:
    """Save a completed visit and note it as the household's last visit.

    With ``rules``, the engine's recommendation (from the store's own facts) and its
    policy version are stored with the visit. ``draft`` names the visit draft this
    replaces; it is dropped in the same transaction.
    """
    with store.unit_of_work() as session:
        household = session.get(HouseholdRow, visit.household_id)
        if household is None:
            raise NotFound("That household no longer exists in this store.")
        row = repo.visit_to_row(visit, user.id)
        session.add(row)
        if rules is not None:
            session.flush()  # the engine reads the visit as the store holds it
            recommendation = _recommend(session, rules, visit, user)
            if recommendation is not None:
                row.policy_version = recommendation.policy_version
                row.recommendation = canonical(recommendation.to_json())
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


def _recommend(session: Session, rules: RuleSet, visit: Visit, user: User) -> Recommendation | None:
    """The engine's recommendation for the visit just saved; None before the first version.

    Facts the engine must not evaluate refuse the save (``VisitFactsRefused``), saying
    what to correct: a member born after the visit date, say.
    """
    try:
        facts = read_facts(session, visit.household_id, visit.id, rules, recording=True)
        return evaluate(
            facts, rules, allowance_left_pence=allowance_left(session, user, visit.visit_date)
        )
    except NoRulesInForce:
        return None


def stored_recommendation(store: Store, visit_id: uuid.UUID) -> dict[str, Any] | None:
    """What the engine recommended when the visit was saved (its JSON form)."""
    with store.read() as session:
        row = session.get(VisitRow, visit_id)
        if row is None or not row.recommendation:
            return None
        data: dict[str, Any] = json.loads(row.recommendation)
        return data


def visits_of(store: Store, household_id: uuid.UUID) -> list[Visit]:
    """The household's visits, newest first; after a merge, those of both records."""
    with store.read() as session:
        rows = session.exec(
            select(VisitRow)
            .where(col(VisitRow.household_id).in_(household_group(session, household_id)))
            .order_by(col(VisitRow.visit_date).desc(), col(VisitRow.created_at).desc())
        ).all()
        return [repo.visit_to_model(r) for r in rows]


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
    ("package", "recommended"): "Package recommended",
    ("package", "approved_on_the_spot"): "Package approved on the spot (today's yes)",
    ("package", "awaiting_manager"): "Package sent to a team manager",
    ("package", "approved"): "Package approved by a team manager",
    ("package", "rejected"): "Package rejected",
    ("package", "withdrawn"): "Package withdrawn",
    ("package", "paid"): "Payment recorded",
    ("conflict", "declared"): "Conflict of interest declared",
    ("household", "subject_access_export"): "Subject access export",
    ("household", "deidentified"): "Household de-identified (retention)",
    ("review", "recorded"): "Review recorded",
}
# A merge is audited on both households; read through the kept one, it shows once.
_MERGES = {
    "merge_kept": "Households merged: {merged} into {kept}",
    "merge_merged": "Households merged: {merged} into {kept}",
    "merge_undone_kept": "Merge undone: {merged} is separate from {kept} again",
    "merge_undone_merged": "Merge undone: {merged} is separate from {kept} again",
}


def _what(entity: str, action: str, changes: dict[str, Any]) -> str:
    if entity == "household" and action in _MERGES:
        if "kept" not in changes:  # de-identified: the references were erased
            return "Households merged" if "undone" not in action else "Merge undone"
        return _MERGES[action].format(kept=changes["kept"], merged=changes.get("merged", "?"))
    return _ACTIONS.get((entity, action), f"{entity} {action}")


def timeline(store: Store, household_id: uuid.UUID) -> list[TimelineEntry]:
    """Every audited event for the household, newest first; after a merge, of both."""
    with store.read() as session:
        group = household_group(session, household_id)
        rows = session.exec(
            select(AuditEventRow, UserAccount.name)
            .join(UserAccount, col(UserAccount.id) == AuditEventRow.actor_id, isouter=True)
            .where(col(AuditEventRow.household_id).in_(group))
            .order_by(col(AuditEventRow.seq).desc())
        ).all()
    entries = []
    for row, name in rows:
        changes = payload_of(row)
        if row.action.endswith("_merged") and changes.get("kept_id") in {str(h) for h in group}:
            continue  # the kept household's entry of the same merge is shown
        entries.append(
            TimelineEntry(
                at=row.at,
                who=name or "unknown",
                what=_what(row.entity, row.action, changes),
                changes=changes,
            )
        )
    return entries


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
