"""Retention: households quiet for the retention period are de-identified, not deleted.

A team manager reviews the list and confirms each one. De-identifying applies
``services.erasure.INVENTORY``: every personal field (names, dates of birth,
address, contact details, review notes and all other free text, and the
personal values in the audit trail) is erased, and amounts, scores, stages,
decisions and outcomes are kept for the pilot's statistics.
The audit chain stays verifiable: it covers each entry's digest, not its text.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from caseworker.domain.rules import RuleSet
from caseworker.domain.users import User
from caseworker.services import erasure
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import NotFound
from caseworker.services.facts_reader import household_group, retention_years
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store.database import Store
from caseworker.store.tables import HouseholdRow, PackageEventRow, PackageRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionCandidate:
    household_id: uuid.UUID
    reference: str
    last_activity: date


def _last_activity(session: Session, row: HouseholdRow) -> date:
    paid = session.exec(
        select(func.max(PackageEventRow.at))
        .join(PackageRow, col(PackageRow.id) == col(PackageEventRow.package_id))
        .where(PackageRow.household_id == row.id, PackageEventRow.status == "paid")
    ).first()
    dates = [row.created_at.date()]
    if row.last_visit_date is not None:
        dates.append(row.last_visit_date)
    if paid is not None:
        dates.append(paid.date())
    return max(dates)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_for_retention(
    store: Store, manager: User, rules: RuleSet, today: date, years: int | None = None
) -> list[RetentionCandidate]:
    """Households with no visit or payment for ``years`` years, oldest first.

    Without ``years``, the policy's ``retention_years`` in force on ``today``.
    """
    require_manager(manager, "review retention")
    cutoff = _years_before(today, retention_years(rules, today) if years is None else years)
    with store.read() as session:
        rows = session.exec(select(HouseholdRow).where(col(HouseholdRow.archived).is_(False))).all()
        due = [
            RetentionCandidate(r.id, r.reference, last)
            for r in rows
            if (last := _last_activity(session, r)) < cutoff
        ]
    return sorted(due, key=lambda c: c.last_activity)


@mutation("retention.deidentify")
def deidentify(store: Store, manager: User, household_id: uuid.UUID) -> None:
    """Erase every personal field of one household; keep its numbers and outcomes.

    The records merged into it are the same family's, read through it: they are
    de-identified with it, or their personal data would outlive the family's case.
    """
    require_manager(manager, "de-identify households")
    with store.unit_of_work() as session:
        if session.get(HouseholdRow, household_id) is None:
            raise NotFound("That household is not in this store.")
        trail = AuditTrail(session, manager.id)
        for member_of_group in household_group(session, household_id):
            erase_personal_data(session, member_of_group)
            trail.record(
                "household", member_of_group, "deidentified", {}, household_id=member_of_group
            )
    log.info("household %s de-identified by %s", household_id, manager.id)


def erase_personal_data(session: Session, household_id: uuid.UUID) -> None:
    """The erasure itself; also run on each laptop that pulls a de-identified household.

    Which columns are erased, de-identified or kept is ``services.erasure.INVENTORY``:
    free text everywhere (review notes, reasons, merges, conflicts of interest), and
    local changes waiting to sync that name the household (they would otherwise keep
    its personal data in the outbox).
    """
    erasure.erase(session, household_id)
    household = session.get(HouseholdRow, household_id)
    assert household is not None
    session.refresh(household)  # the erasure wrote with Core statements
    household.archived = True  # out of the case list; kept for the pilot's figures
    session.add(household)  # written through the ORM, so a push stamps and pulls find it
