"""Retention: households quiet for the retention period are de-identified, not deleted.

A team manager reviews the list and confirms each one. De-identifying erases
every personal field (names, dates of birth, address, contact details, notes,
free-text reasons, and the personal values in the audit trail) and keeps
amounts, scores, stages, decisions and outcomes for the pilot's statistics.
The audit chain stays verifiable: it covers each entry's digest, not its text.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from caseworker.domain.household import ERASED
from caseworker.domain.users import User
from caseworker.services.audit import AuditTrail, canonical
from caseworker.services.errors import NotFound
from caseworker.services.merge import household_group
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import (
    AuditEventRow,
    DraftRow,
    HouseholdRow,
    MemberRow,
    PackageEventRow,
    PackageRow,
    SearchTermRow,
    VisitRow,
)

log = logging.getLogger(__name__)
RETENTION_YEARS = 6


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
    store: Store, manager: User, today: date, years: int = RETENTION_YEARS
) -> list[RetentionCandidate]:
    """Households with no visit or payment for ``years`` years, oldest first."""
    require_manager(manager, "review retention")
    cutoff = _years_before(today, years)
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

    Local changes waiting to sync that name the household are erased with it: they
    would otherwise keep its personal data in the outbox.
    """
    household = session.get(HouseholdRow, household_id)
    assert household is not None
    outward = household.postcode.split(" ")[0]
    for name in ("address_line1", "address_line2", "town", "phone", "email"):
        setattr(household, name, ERASED if name == "address_line1" else "")
    household.postcode = outward  # the district stays for statistics
    household.archived = True  # out of the case list; kept for the pilot's figures
    session.add(household)
    session.execute(
        update(MemberRow)
        .where(col(MemberRow.household_id) == household_id)
        .values(first_name=ERASED, surname=ERASED, date_of_birth=None, earnings_fell_on=None)
    )
    session.execute(
        update(VisitRow)
        .where(col(VisitRow.household_id) == household_id)
        .values(point_of_need="", venue="", recommendation="")
    )
    packages = session.exec(select(PackageRow).where(PackageRow.household_id == household_id))
    package_ids = []
    for package in packages:
        package_ids.append(package.id)
        package.explanation = ""
        package.items = canonical(
            [
                {k: ("" if k in ("explanation", "reason") else v) for k, v in item.items()}
                for item in _items(package.items)
            ]
        )
        session.add(package)
    if package_ids:
        session.execute(
            update(PackageEventRow)
            .where(col(PackageEventRow.package_id).in_(package_ids))
            .values(reason="", reference=None)
        )
    session.execute(
        update(AuditEventRow)
        .where(col(AuditEventRow.household_id) == household_id)
        .values(payload="")
    )
    session.execute(delete(SearchTermRow).where(col(SearchTermRow.household_id) == household_id))
    for draft in session.exec(select(DraftRow).where(DraftRow.subject == str(household_id))):
        session.delete(draft)
    visit_ids = session.exec(select(VisitRow.id).where(VisitRow.household_id == household_id))
    named = [household_id, *package_ids, *visit_ids]
    session.execute(
        update(OutboxRow)
        .where(
            or_(
                *(col(OutboxRow.touched).contains(i.hex) for i in named),
                *(col(OutboxRow.args).contains(str(i)) for i in named),
            )
        )
        .values(args="{}", reason="erased with the household's personal data")
    )


def _items(text: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(text) if text else []
    return data
