"""Follow-up reviews (policy part 8): scheduled at approval, listed, recorded, compared.

A review is created in the same transaction as the approval that makes it
due, so an approved package can never be left without one. Recording a
review is a one-off decision, audited like every other (6.6): it cannot be
recorded twice or changed afterwards. A package withdrawn after approval no
longer needs its review; its row stays (the audit refers to it) but is hidden.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from caseworker.domain.assessment import CAPITALS, Capitals, Stage, stage_of
from caseworker.domain.packages import PackageStatus
from caseworker.domain.reviews import (
    DUE_SOON_DAYS,
    Outcomes,
    Review,
    ReviewState,
    days_overdue,
    due_date,
    sorted_clauses,
)
from caseworker.domain.stamps import new_id
from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail, canonical
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused, ServiceError
from caseworker.services.facts_reader import Families, families, household_group
from caseworker.services.outbox import mutation
from caseworker.services.payments import PaymentTask, open_tasks
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from caseworker.store.tables import HouseholdRow, MemberRow, PackageRow, VisitRow

log = logging.getLogger(__name__)

# A review is wanted while its package stands approved (paid included).
_LIVE = (
    PackageStatus.APPROVED_ON_SPOT.value,
    PackageStatus.APPROVED.value,
    PackageStatus.PAID.value,
)


class ReviewRefused(ServiceError):
    """A review action the rules do not allow; the message says why."""


# -- scheduling (inside the approval's transaction) ---------------------------------


def schedule_review(session: Session, package: PackageRow, after_days: int) -> ReviewRow:
    """Create the package's review, due ``after_days`` after its approval (the policy's
    ``review_after_days``, part 8), in the caller's transaction.

    The review is assigned to the officer who made the package: they met the
    household. It is not a decision of its own, so it adds no audit entry: the
    approval's entry (same transaction) is the record, and the review's due date
    follows from it. Calling it again for the same package returns the existing review.
    """
    if package.approved_on is None:
        raise ValueError("a review is scheduled only for an approved package")
    existing = session.exec(select(ReviewRow).where(ReviewRow.package_id == package.id)).first()
    if existing is not None:
        return existing
    row = ReviewRow(
        id=new_id(),
        package_id=package.id,
        household_id=package.household_id,
        due_on=due_date(package.approved_on, after_days),
        officer_id=package.created_by,
    )
    session.add(row)
    return row


# -- reading ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralMade:
    """A referral the visit recommended, to be asked about at the review."""

    clause: str
    service: str


@dataclass(frozen=True)
class ReviewEntry:
    """One line of an officer's review list, with what the review form needs."""

    review: Review
    state: ReviewState
    days_overdue: int
    household_reference: str
    lead_name: str
    approved_on: date
    package_total_pence: int
    visit_date: date | None
    referrals_at_visit: tuple[ReferralMade, ...]


@dataclass(frozen=True)
class ReviewLists:
    """An officer's open reviews: overdue (oldest first) and due soon (soonest first);
    and the failed or returned payments they must act on (``services.payments``)."""

    due: list[ReviewEntry]
    overdue: list[ReviewEntry]
    payments: list[PaymentTask] = field(default_factory=list)


def _to_review(row: ReviewRow) -> Review:
    outcomes = None
    if row.completed_on is not None:
        outcomes = Outcomes(
            home_kept=row.home_kept,
            job_started=bool(row.job_started),
            hours_restored=bool(row.hours_restored),
            training_started=bool(row.training_started),
            debt_plan_in_place=bool(row.debt_plan_in_place),
            referrals_taken_up=json.loads(row.referrals_taken_up or "{}"),
        )
    return Review(
        id=row.id,
        package_id=row.package_id,
        household_id=row.household_id,
        due_on=row.due_on,
        officer_id=row.officer_id,
        completed_on=row.completed_on,
        completed_by=row.completed_by,
        capitals=Capitals(
            financial=row.financial, mental=row.mental, social=row.social, human=row.human
        ),
        outcomes=outcomes,
        notes=row.notes,
    )


def _referrals_at_visit(visit: VisitRow | None) -> tuple[ReferralMade, ...]:
    """The referrals the engine made when the visit was saved (none if it was not evaluated)."""
    if visit is None or not visit.recommendation:
        return ()
    data = json.loads(visit.recommendation)
    return tuple(
        ReferralMade(str(r["clause"]), str(r.get("service", ""))) for r in data.get("referrals", [])
    )


def _entry(
    session: Session, row: ReviewRow, package: PackageRow, household: HouseholdRow, today: date
) -> ReviewEntry:
    lead = session.exec(
        select(MemberRow).where(MemberRow.household_id == household.id, MemberRow.position == 0)
    ).first()
    visit = session.get(VisitRow, package.visit_id) if package.visit_id else None
    review = _to_review(row)
    assert package.approved_on is not None
    return ReviewEntry(
        review=review,
        state=review.state(today),
        days_overdue=days_overdue(row.due_on, today) if row.completed_on is None else 0,
        household_reference=household.reference,
        lead_name=f"{lead.first_name} {lead.surname}" if lead else "",
        approved_on=package.approved_on,
        package_total_pence=package.total_pence,
        visit_date=package.visit_date,
        referrals_at_visit=_referrals_at_visit(visit),
    )


def _merged(fams: Families) -> ColumnElement[bool]:
    """The household is archived by a merge (not de-identified): its reviews are still due."""
    return col(HouseholdRow.id).in_(list(fams.parent))


def reviews_for(store: Store, user: User, today: date, everyone: bool = False) -> ReviewLists:
    """The user's open reviews that are overdue or due within ``DUE_SOON_DAYS`` days.

    Officers see the reviews assigned to them; a team manager may ask for
    ``everyone``'s to see the team's. Reviews of withdrawn packages and of
    de-identified households are not listed; a merged household's still are.
    """
    if everyone and user.role is not Role.MANAGER:
        raise PermissionRefused("Only a team manager can see every officer's reviews.")
    with store.read() as session:
        entries = open_reviews(session, user, today, DUE_SOON_DAYS, everyone)
        tasks = open_tasks(session, None if everyone else user.id)
    return ReviewLists(
        due=[e for e in entries if e.state is ReviewState.DUE],
        overdue=[e for e in entries if e.state is ReviewState.OVERDUE],
        payments=tasks,
    )


def open_reviews(
    session: Session, user: User, today: date, within_days: int, everyone: bool = False
) -> list[ReviewEntry]:
    """Open reviews overdue or due within ``within_days`` days, soonest first, read in the
    caller's session (see :func:`reviews_for`; permissions are the caller's to check)."""
    horizon = today + timedelta(days=within_days)
    query = (
        select(ReviewRow, PackageRow, HouseholdRow)
        .join(PackageRow, col(PackageRow.id) == col(ReviewRow.package_id))
        .join(HouseholdRow, col(HouseholdRow.id) == col(ReviewRow.household_id))
        .where(
            col(ReviewRow.completed_on).is_(None),
            col(ReviewRow.due_on) <= horizon,
            col(PackageRow.status).in_(_LIVE),
            or_(col(HouseholdRow.archived).is_(False), _merged(families(session))),
        )
        .order_by(col(ReviewRow.due_on), col(HouseholdRow.reference))
    )
    if not everyone:
        query = query.where(ReviewRow.officer_id == user.id)
    return [_entry(session, r, p, h, today) for r, p, h in session.exec(query).all()]


def get_review(store: Store, review_id: uuid.UUID, today: date) -> ReviewEntry:
    """One review with what its form shows (household, package, referrals made)."""
    with store.read() as session:
        row, package, household = _load(session, review_id)
        return _entry(session, row, package, household, today)


def reviews_of(store: Store, household_id: uuid.UUID) -> list[Review]:
    """Every review of a household (after a merge, of both records), by due date
    (withdrawn packages' reviews left out)."""
    with store.read() as session:
        rows = session.exec(
            select(ReviewRow)
            .join(PackageRow, col(PackageRow.id) == col(ReviewRow.package_id))
            .where(
                col(ReviewRow.household_id).in_(household_group(session, household_id)),
                col(PackageRow.status).in_(_LIVE),
            )
            .order_by(col(ReviewRow.due_on))
        ).all()
        return [_to_review(r) for r in rows]


def _load(session: Session, review_id: uuid.UUID) -> tuple[ReviewRow, PackageRow, HouseholdRow]:
    row = session.get(ReviewRow, review_id)
    package = session.get(PackageRow, row.package_id) if row is not None else None
    household = session.get(HouseholdRow, row.household_id) if row is not None else None
    if row is None or package is None or household is None:
        raise NotFound("That review is not in this store.")
    return row, package, household


# -- recording ----------------------------------------------------------------------


@mutation("reviews.record")
def record_review(
    store: Store,
    user: User,
    review_id: uuid.UUID,
    scores: Capitals,
    outcomes: Outcomes,
    today: date,
    notes: str = "",
) -> Review:
    """Record the review once: the four capitals re-scored and the outcomes (part 8).

    Every capital must be scored, and every referral made at the visit answered
    (taken up or not), because the pilot's figures count them. Only the
    assigned officer or a team manager may record it.
    """
    errors = {c: f"{c.title()} capital: score it from 0 to 3" for c in CAPITALS}
    errors = {c: m for c, m in errors.items() if getattr(scores, c) is None}
    if errors:
        raise InvalidInput(errors)
    with store.unit_of_work() as session:
        row, package, household = _load(session, review_id)
        if user.role is not Role.MANAGER and row.officer_id != user.id:
            raise PermissionRefused(
                "This review is assigned to another officer; they or a team manager record it."
            )
        if row.completed_on is not None:
            raise ReviewRefused(
                f"This review was recorded on {row.completed_on:%d/%m/%Y} and cannot be changed."
            )
        if package.status not in _LIVE:
            raise ReviewRefused("This package was withdrawn, so it has no review to record.")
        if package.approved_on is not None and today < package.approved_on:
            raise InvalidInput({"completed_on": "Review date: it cannot be before the approval"})
        visit = session.get(VisitRow, package.visit_id) if package.visit_id else None
        made = [r.clause for r in _referrals_at_visit(visit)]
        unanswered = [c for c in made if c not in outcomes.referrals_taken_up]
        if unanswered:
            raise InvalidInput(
                {
                    "referrals_taken_up": "Referrals: say whether each was taken up ("
                    + ", ".join(sorted_clauses(unanswered))
                    + ")"
                }
            )
        stage = stage_of(scores)
        row.financial, row.mental = scores.financial, scores.mental
        row.social, row.human = scores.social, scores.human
        row.stage = int(stage) if stage is not None else None
        row.home_kept = outcomes.home_kept
        row.job_started = outcomes.job_started
        row.hours_restored = outcomes.hours_restored
        row.training_started = outcomes.training_started
        row.debt_plan_in_place = outcomes.debt_plan_in_place
        row.referrals_taken_up = canonical(outcomes.referrals_taken_up)
        row.notes = notes.strip()
        row.completed_on = today
        row.completed_by = user.id
        session.add(row)
        AuditTrail(session, user.id).record(
            "review",
            row.id,
            "recorded",
            {
                "completed_on": today,
                "capitals": scores.model_dump(),
                "stage": row.stage,
                "outcomes": outcomes.model_dump(),
                "notes": row.notes,
            },
            household_id=household.id,
        )
        review = _to_review(row)
    log.info("review %s recorded by %s", review_id, user.id)
    return review


# -- before and after -----------------------------------------------------------------


@dataclass(frozen=True)
class BeforeAfter:
    """The four capitals at the visit that led to a package, and at its review."""

    review_id: uuid.UUID
    package_id: uuid.UUID
    visit_date: date | None
    reviewed_on: date
    before: Capitals
    after: Capitals
    stage_before: Stage | None
    stage_after: Stage | None
    outcomes: Outcomes

    def change(self, capital: str) -> int | None:
        """Score at review minus score at the visit: negative means less pressure."""
        was, now = getattr(self.before, capital), getattr(self.after, capital)
        return None if was is None or now is None else now - was


def before_after(store: Store, household_id: uuid.UUID) -> list[BeforeAfter]:
    """Each recorded review of the household (after a merge, of both records) beside its
    visit's scores, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(ReviewRow, PackageRow, VisitRow)
            .join(PackageRow, col(PackageRow.id) == col(ReviewRow.package_id))
            .join(VisitRow, col(VisitRow.id) == col(PackageRow.visit_id), isouter=True)
            .where(
                col(ReviewRow.household_id).in_(household_group(session, household_id)),
                col(ReviewRow.completed_on).is_not(None),
            )
            .order_by(col(ReviewRow.completed_on), col(ReviewRow.due_on))
        ).all()
        out = []
        for row, package, visit in rows:
            review = _to_review(row)
            before = (
                Capitals(
                    financial=visit.financial,
                    mental=visit.mental,
                    social=visit.social,
                    human=visit.human,
                )
                if visit is not None
                else Capitals()
            )
            assert review.completed_on is not None and review.outcomes is not None
            out.append(
                BeforeAfter(
                    review_id=row.id,
                    package_id=package.id,
                    visit_date=visit.visit_date if visit is not None else None,
                    reviewed_on=review.completed_on,
                    before=before,
                    after=review.capitals,
                    stage_before=stage_of(before),
                    stage_after=review.stage,
                    outcomes=review.outcomes,
                )
            )
        return out
