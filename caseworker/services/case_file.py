"""Everything the store holds about one household, gathered for a case summary (PDF).

``case_file`` reads the household and its members, each visit with the
recommendation stored when it was saved (and its policy version), each package
with its items, explanations and decision events (who, when, why), the
payments, and the household's audit entries. The result is plain, immutable
and picklable: the PDF code (``caseworker.reports``) takes a ``CaseFile`` and
never touches the store, and a batch export can hand it to another process.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from caseworker.domain import clock
from caseworker.domain.directory import DirectoryService
from caseworker.domain.household import Household
from caseworker.domain.packages import APPROVED_STATUSES, Package, PackageStatus, PaymentMethod
from caseworker.domain.reviews import due_date
from caseworker.domain.visit import Visit
from caseworker.services.directory import services_by_id
from caseworker.services.errors import NotFound
from caseworker.services.packages import package_from_row
from caseworker.services.payments import payment_sentences
from caseworker.services.visits import TimelineEntry, timeline
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.tables import (
    AuditEventRow,
    HouseholdRow,
    PackageEventRow,
    PackageRow,
    UserAccount,
    VisitRow,
)

log = logging.getLogger(__name__)

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class VisitRecord:
    """A visit as recorded, with what the engine recommended when it was saved."""

    visit: Visit
    officer: str
    stage: int | None
    policy_version: str | None
    # The engine's result as stored with the visit (``Recommendation.to_json``), or None.
    recommendation: dict[str, Any] | None
    recorded_at: datetime | None = None
    # The directory service chosen for each referral clause (``services.directory``);
    # a clause missing here falls back to the referral list (referrals.yaml).
    referral_services: dict[str, DirectoryService] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionEvent:
    """One entry of a package's one-way history (policy 6.6)."""

    status: PackageStatus
    at: datetime
    who: str
    reason: str = ""
    amount_pence: int = 0
    method: PaymentMethod | None = None
    reference: str | None = None


@dataclass(frozen=True)
class PackageRecord:
    package: Package
    created_by: str
    events: tuple[DecisionEvent, ...]
    # How and when the family gets the money, from the package's payment instruction
    # (``services.payments``); "" when none has been recorded.
    payment_sentence: str = ""

    @property
    def approved(self) -> bool:
        return self.package.status in APPROVED_STATUSES

    @property
    def review_due(self) -> date | None:
        """Policy part 8 (``domain.reviews.due_date``), for a package that was approved."""
        if self.package.approved_on is None or not self.approved:
            return None
        return due_date(self.package.approved_on)

    @property
    def payment(self) -> DecisionEvent | None:
        return next((e for e in self.events if e.status is PackageStatus.PAID), None)


@dataclass(frozen=True)
class PaymentRecord:
    package_id: uuid.UUID
    at: datetime
    who: str
    amount_pence: int
    method: PaymentMethod | None
    reference: str | None


@dataclass(frozen=True)
class CaseFile:
    """One household's case, as the documents show it. Lists are oldest first,
    except ``audit`` which is newest first (as ``services.visits.timeline`` gives it)."""

    household: Household
    created_at: datetime | None
    visits: tuple[VisitRecord, ...]
    packages: tuple[PackageRecord, ...]
    audit: tuple[TimelineEntry, ...]
    generated_at: datetime
    generated_by: str = ""
    # The visit the family copy is about (the newest visit when None).
    focus_visit_id: uuid.UUID | None = None
    payments: tuple[PaymentRecord, ...] = field(default=())

    @property
    def reference(self) -> str:
        return self.household.reference

    @property
    def focus_visit(self) -> VisitRecord | None:
        if self.focus_visit_id is not None:
            for record in self.visits:
                if record.visit.id == self.focus_visit_id:
                    return record
        return self.visits[-1] if self.visits else None

    def packages_for(self, visit_id: uuid.UUID) -> list[PackageRecord]:
        return [p for p in self.packages if p.package.visit_id == visit_id]


def _user_names(session: Session) -> dict[uuid.UUID, str]:
    return {u.id: u.name for u in session.exec(select(UserAccount)).all()}


def _as_utc(moment: datetime) -> datetime:
    """SQLite gives instants back without a zone; they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _recommendation(row: VisitRow) -> dict[str, Any] | None:
    if not row.recommendation:
        return None
    data: dict[str, Any] = json.loads(row.recommendation)
    return data


def _chosen(row: VisitRow) -> dict[str, str]:
    data: dict[str, str] = json.loads(row.referral_services) if row.referral_services else {}
    return data


def _gather(
    session: Session, household_id: uuid.UUID, names: dict[uuid.UUID, str]
) -> tuple[Household, datetime | None, list[VisitRecord], list[PackageRecord]]:
    household = repo.load_household(session, household_id)
    row = session.get(HouseholdRow, household_id)
    if household is None or row is None:
        raise NotFound("That household is not in this store.")
    visit_rows = session.exec(
        select(VisitRow)
        .where(VisitRow.household_id == household_id)
        .order_by(col(VisitRow.visit_date), col(VisitRow.created_at))
    ).all()
    chosen = {v.id: _chosen(v) for v in visit_rows}
    directory = services_by_id(session, sorted({s for c in chosen.values() for s in c.values()}))
    visits = [
        VisitRecord(
            visit=repo.visit_to_model(v),
            officer=names.get(v.officer_id, NOT_RECORDED) if v.officer_id else NOT_RECORDED,
            stage=v.stage,
            policy_version=v.policy_version,
            recommendation=_recommendation(v),
            recorded_at=_as_utc(v.created_at),
            referral_services={
                clause: directory[sid] for clause, sid in chosen[v.id].items() if sid in directory
            },
        )
        for v in visit_rows
    ]
    package_rows = session.exec(
        select(PackageRow)
        .where(PackageRow.household_id == household_id)
        .order_by(col(PackageRow.created_at))
    ).all()
    events_by_package: dict[uuid.UUID, list[DecisionEvent]] = {p.id: [] for p in package_rows}
    if package_rows:
        for event in session.exec(
            select(PackageEventRow)
            .where(col(PackageEventRow.package_id).in_(list(events_by_package)))
            .order_by(col(PackageEventRow.seq))
        ).all():
            events_by_package[event.package_id].append(
                DecisionEvent(
                    status=PackageStatus(event.status),
                    at=_as_utc(event.at),
                    who=names.get(event.actor_id, "unknown"),
                    reason=event.reason,
                    amount_pence=event.amount_pence,
                    method=PaymentMethod(event.method) if event.method else None,
                    reference=event.reference,
                )
            )
    sentences = payment_sentences(session, list(events_by_package))
    packages = [
        PackageRecord(
            package=package_from_row(p),
            created_by=names.get(p.created_by, "unknown"),
            events=tuple(events_by_package[p.id]),
            payment_sentence=sentences.get(p.id, ""),
        )
        for p in package_rows
    ]
    return household, _as_utc(row.created_at), visits, packages


def case_file(
    store: Store,
    household_id: uuid.UUID,
    focus_visit_id: uuid.UUID | None = None,
    generated_by: str = "",
) -> CaseFile:
    """Gather one household's case. ``focus_visit_id`` names the visit the family copy
    is about (the newest when omitted); ``generated_by`` is who asked for the document."""
    with store.read() as session:
        names = _user_names(session)
        household, created_at, visits, packages = _gather(session, household_id, names)
    audit = timeline(store, household_id)
    payments = [
        PaymentRecord(
            package_id=p.package.id,
            at=e.at,
            who=e.who,
            amount_pence=e.amount_pence,
            method=e.method,
            reference=e.reference,
        )
        for p in packages
        for e in p.events
        if e.status is PackageStatus.PAID
    ]
    log.info("case file gathered for household %s", household_id)
    return CaseFile(
        household=household,
        created_at=created_at,
        visits=tuple(visits),
        packages=tuple(packages),
        audit=tuple(
            TimelineEntry(at=_as_utc(e.at), who=e.who, what=e.what, changes=e.changes)
            for e in audit
        ),
        generated_at=clock.now(),
        generated_by=generated_by,
        focus_visit_id=focus_visit_id,
        payments=tuple(sorted(payments, key=lambda p: p.at)),
    )


def find_case(store: Store, reference: str) -> uuid.UUID:
    """The household id for a case reference (``JS01-00001``; letters in any case)."""
    wanted = reference.strip().upper()
    with store.read() as session:
        found = session.exec(
            select(HouseholdRow.id).where(func.upper(HouseholdRow.reference) == wanted)
        ).first()
    if found is None:
        raise NotFound(f"There is no case {reference.strip()} in this store.")
    return found


@dataclass(frozen=True)
class CaseRef:
    household_id: uuid.UUID
    reference: str


def cases_for_export(store: Store, since: date | None = None) -> list[CaseRef]:
    """Cases to export, by reference. With ``since``, only those with a visit on or after
    that date or any audited change (household, visit, package, payment) from that day on.
    Archived households are left out."""
    with store.read() as session:
        query = select(HouseholdRow.id, HouseholdRow.reference).where(
            col(HouseholdRow.archived).is_(False)
        )
        if since is not None:
            start = datetime.combine(since, time.min, tzinfo=UTC)
            changed = (
                select(AuditEventRow.household_id)
                .where(col(AuditEventRow.at) >= start)
                .where(col(AuditEventRow.household_id).is_not(None))
            )
            query = query.where(
                or_(
                    col(HouseholdRow.last_visit_date) >= since,
                    col(HouseholdRow.id).in_(changed),
                )
            )
        rows = session.exec(query.order_by(col(HouseholdRow.reference))).all()
    return [CaseRef(household_id=i, reference=r) for i, r in rows]
