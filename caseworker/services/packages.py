"""Support packages: propose, say yes today, send to a manager, decide, pay, withdraw.

Every rule of policy part 6 is enforced here, where no screen, script or
future sync can go round it: the package is re-evaluated by the rules engine
against the store's own facts (the household, the visit, its awards in the
6.1 window the policy sets, the officer's allowance left) at each decision. Each decision
is an appended ``package_event``, a fund movement where money moves, and an
audit entry, all in one transaction.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from caseworker.domain import clock
from caseworker.domain.assessment import Stage
from caseworker.domain.fund import EntryKind
from caseworker.domain.money import format_pence
from caseworker.domain.packages import (
    APPROVED_STATUSES,
    Package,
    PackageItem,
    PackageStatus,
    PaymentMethod,
    TransitionRefused,
    check_transition,
)
from caseworker.domain.rules import (
    AdjustedPackage,
    Adjustment,
    Recommendation,
    RuleSet,
    apply_adjustments,
    evaluate,
)
from caseworker.domain.stamps import new_id
from caseworker.domain.users import Role, User
from caseworker.domain.visit import Visit
from caseworker.services.audit import AuditTrail, canonical
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused, ServiceError
from caseworker.services.facts_reader import (
    award_window_days,
    counted_total,
    household_group,
    prior_awards,
    read_facts,
    review_after_days,
)
from caseworker.services.fund import add_entry, fund_row
from caseworker.services.outbox import mutation
from caseworker.services.recommend import (
    allowance_left,
    duplicate_note,
    duplicates_with_awards,
    route_for_duplicates,
)
from caseworker.services.reviews import schedule_review
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.tables import (
    ConflictOfInterestRow,
    HouseholdRow,
    PackageEventRow,
    PackageRow,
    UserAccount,
    VisitRow,
    utcnow,
)

log = logging.getLogger(__name__)


class DecisionRefused(ServiceError):
    """A decision the policy does not allow; the message says why."""


class NoCashAward(DecisionRefused):
    """The package would hold no money, so there is nothing to decide: saving a visit
    then makes no package (``drop_in.save_visit``), having written nothing for it."""


# -- reading ----------------------------------------------------------------------


def package_from_row(row: PackageRow) -> Package:
    """The domain package for a stored row (also used by the case file)."""
    return Package(
        id=row.id,
        household_id=row.household_id,
        visit_id=row.visit_id,
        visit_date=row.visit_date,
        created_by=row.created_by,
        created_at=row.created_at,
        policy_version=row.policy_version,
        items=[PackageItem.model_validate(i) for i in json.loads(row.items)],
        total_pence=row.total_pence,
        route=row.route,
        status=PackageStatus(row.status),
        approved_on=row.approved_on,
        explanation=json.loads(row.explanation) if row.explanation else [],
    )


def recommend(
    store: Store, user: User, rules: RuleSet, visit_id: uuid.UUID, day: date
) -> Recommendation:
    """What the engine recommends for a saved visit, with this officer's allowance left."""
    with store.read() as session:
        visit = repo.load_visit(session, visit_id)
        if visit is None:
            raise NotFound("That visit is not in this store.")
        facts = read_facts(session, visit.household_id, visit_id, rules)
        return evaluate(facts, rules, allowance_left_pence=allowance_left(session, user, day))


def get_package(store: Store, package_id: uuid.UUID) -> Package:
    with store.read() as session:
        row = session.get(PackageRow, package_id)
        if row is None:
            raise NotFound("That package is not in this store.")
        return package_from_row(row)


def packages_of(store: Store, household_id: uuid.UUID) -> list[Package]:
    """The household's packages, newest first; after a merge, those of both records."""
    with store.read() as session:
        rows = session.exec(
            select(PackageRow)
            .where(col(PackageRow.household_id).in_(household_group(session, household_id)))
            .order_by(col(PackageRow.created_at).desc())
        ).all()
        return [package_from_row(r) for r in rows]


@dataclass(frozen=True)
class QueueEntry:
    package: Package
    household_reference: str
    lead_name: str
    created_by_name: str
    awards_last_year_pence: int
    stage: str  # "3 Under pressure", from the visit's assessment; "" if not scored
    waiting_since: datetime  # when it was sent to a manager


def manager_queue(store: Store, manager: User, rules: RuleSet) -> list[QueueEntry]:
    """Packages waiting for a team manager, oldest first; each with its household's awards
    in the policy's 6.1 window ending on its visit date."""
    _require_role(manager, Role.MANAGER, "see the approvals queue")
    with store.read() as session:
        rows = session.exec(
            select(PackageRow)
            .where(PackageRow.status == PackageStatus.AWAITING_MANAGER.value)
            .order_by(col(PackageRow.created_at))
        ).all()
        out = []
        for row in rows:
            household = repo.load_household(session, row.household_id)
            creator = session.get(UserAccount, row.created_by)
            awards = prior_awards(session, row.household_id, [row.id])
            window = award_window_days(rules, row.visit_date)
            counted = counted_total(awards, row.visit_date, window)
            visit = session.get(VisitRow, row.visit_id) if row.visit_id else None
            stage = Stage(visit.stage) if visit is not None and visit.stage else None
            sent = session.exec(
                select(func.max(PackageEventRow.at)).where(
                    PackageEventRow.package_id == row.id,
                    PackageEventRow.status == PackageStatus.AWAITING_MANAGER.value,
                )
            ).first()
            out.append(
                QueueEntry(
                    package_from_row(row),
                    household.reference if household else "?",
                    household.lead.full_name if household and household.lead else "",
                    creator.name if creator else "?",
                    counted,
                    f"{int(stage)} {stage.label}" if stage else "",
                    sent or row.created_at,
                )
            )
        return out


# -- deciding ---------------------------------------------------------------------


def _require_role(user: User, role: Role, action: str) -> None:
    if role is Role.MANAGER and user.role is not Role.MANAGER:
        raise PermissionRefused(f"Only a team manager can {action}.")


def _check_conflict(session: Session, user: User, household_id: uuid.UUID) -> None:
    declared = session.exec(
        select(ConflictOfInterestRow).where(
            ConflictOfInterestRow.user_id == user.id,
            ConflictOfInterestRow.household_id == household_id,
        )
    ).first()
    if declared is not None:
        raise DecisionRefused(
            "You have declared a conflict of interest for this household, so you cannot "
            "decide its package (6.4). Ask another team manager."
        )


def _locked(session: Session, package_id: uuid.UUID) -> PackageRow:
    row = session.get(PackageRow, package_id)
    if row is None:
        raise NotFound("That package is not in this store.")
    return row


def _check_transition(current: str, wanted: PackageStatus) -> None:
    try:
        check_transition(PackageStatus(current), wanted)
    except TransitionRefused as exc:
        raise DecisionRefused(str(exc)) from exc


def _decide(
    session: Session,
    row: PackageRow,
    status: PackageStatus,
    actor: User,
    reason: str = "",
    amount_pence: int = 0,
    method: str | None = None,
    reference: str | None = None,
) -> None:
    _check_transition(row.status, status)
    row.status = status.value
    session.add(row)
    session.add(
        PackageEventRow(
            package_id=row.id,
            status=status.value,
            actor_id=actor.id,
            reason=reason,
            amount_pence=amount_pence,
            method=method,
            reference=reference,
        )
    )
    AuditTrail(session, actor.id).record(
        "package",
        row.id,
        status.value,
        {"reason": reason, "amount_pence": amount_pence, "method": method, "reference": reference},
        household_id=row.household_id,
    )
    log.info("package %s -> %s by %s", row.id, status.value, actor.id)


def _evaluated(
    session: Session,
    rules: RuleSet,
    actor: User,
    day: date,
    household_id: uuid.UUID,
    visit_id: uuid.UUID,
    excluding: Collection[uuid.UUID] = (),
) -> Recommendation:
    """The engine on the store's facts for the visit, within the actor's allowance left."""
    facts = read_facts(session, household_id, visit_id, rules, excluding=excluding)
    return evaluate(facts, rules, allowance_left_pence=allowance_left(session, actor, day))


def _adjusted(
    session: Session,
    row: PackageRow,
    rules: RuleSet,
    actor: User,
    day: date,
    items: list[PackageItem],
) -> tuple[Recommendation, AdjustedPackage]:
    """Re-run the engine on today's store facts and re-apply the package's items."""
    assert row.visit_id is not None
    recommendation = _evaluated(
        session, rules, actor, day, row.household_id, row.visit_id, [row.id]
    )
    adjusted = apply_adjustments(recommendation, _as_adjustments(recommendation, items))
    if not adjusted.ok:
        raise DecisionRefused(" ".join(p.message for p in adjusted.problems))
    return recommendation, adjusted


def _as_adjustments(recommendation: Recommendation, items: list[PackageItem]) -> list[Adjustment]:
    """Every clause set explicitly: chosen items at their amount, the rest at £0."""
    chosen = {i.clause: i for i in items}
    clauses = {t.clause for t in recommendation.terms} | set(chosen)
    return [
        Adjustment(
            c, chosen[c].amount_pence if c in chosen else 0, chosen[c].reason if c in chosen else ""
        )
        for c in sorted(clauses)
    ]


def _items(adjusted: AdjustedPackage) -> list[PackageItem]:
    return [
        PackageItem(
            clause=i.clause,
            item=i.item,
            amount_pence=i.amount_pence,
            recommended_pence=i.recommended_pence,
            exception=i.exception,
            reason=i.reason,
            explanation=i.explanation,
        )
        for i in adjusted.items
    ]


def _proposed(
    session: Session,
    user: User,
    rules: RuleSet,
    visit_id: uuid.UUID,
    adjustments: list[Adjustment],
    day: date,
) -> tuple[Visit, Recommendation, AdjustedPackage]:
    """The visit's recommendation from the store's facts, with the officer's changes."""
    visit = repo.load_visit(session, visit_id)
    if visit is None:
        raise NotFound("That visit is not in this store.")
    recommendation = _evaluated(session, rules, user, day, visit.household_id, visit_id)
    return visit, recommendation, apply_adjustments(recommendation, adjustments)


@mutation("packages.propose")
def propose(
    store: Store,
    user: User,
    rules: RuleSet,
    visit_id: uuid.UUID,
    adjustments: list[Adjustment],
    day: date,
) -> Package:
    """Record the recommended package with the officer's changes (6.5)."""
    with store.unit_of_work() as session:
        visit, recommendation, adjusted = _proposed(
            session, user, rules, visit_id, adjustments, day
        )
        if adjusted.total_pence <= 0:
            raise NoCashAward("There is no cash award in this package to decide.")
        if not adjusted.ok:
            raise DecisionRefused(" ".join(p.message for p in adjusted.problems))
        # A likely duplicate with awards sends it to a manager, saying so (6.1).
        window = award_window_days(rules, visit.visit_date)
        duplicates = duplicates_with_awards(session, visit.household_id, rules, visit.visit_date)
        adjusted = route_for_duplicates(adjusted, duplicates, visit.visit_date, window)
        note = duplicate_note(duplicates, visit.visit_date, window)
        items = _items(adjusted)
        row = PackageRow(
            id=new_id(),
            household_id=visit.household_id,
            visit_id=visit_id,
            visit_date=visit.visit_date,
            created_by=user.id,
            policy_version=recommendation.policy_version,
            items=canonical([i.model_dump() for i in items]),
            explanation=canonical(
                [
                    *recommendation.explanation_lines(),
                    *(i.explanation for i in adjusted.items),
                    *([note] if note else []),
                ]
            ),
            total_pence=adjusted.total_pence,
            route=adjusted.route,
            status=PackageStatus.RECOMMENDED.value,
        )
        session.add(row)
        session.flush()
        session.add(PackageEventRow(package_id=row.id, status=row.status, actor_id=user.id))
        AuditTrail(session, user.id).record(
            "package",
            row.id,
            "recommended",
            {
                "items": [i.model_dump() for i in items],
                "total_pence": row.total_pence,
                "policy_version": row.policy_version,
                "route": row.route,
            },
            household_id=row.household_id,
        )
        return package_from_row(row)


@mutation("packages.approve_on_the_spot")
def approve_on_the_spot(
    store: Store, officer: User, rules: RuleSet, package_id: uuid.UUID, day: date
) -> Package:
    """Today's yes: within the officer limit and their allowance left, with no exception."""
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        if row.created_by != officer.id:
            raise DecisionRefused(
                "Only the officer who made this package can say yes to it on the spot."
            )
        _check_conflict(session, officer, row.household_id)
        package = package_from_row(row)
        _recommendation, adjusted = _adjusted(session, row, rules, officer, day, package.items)
        if adjusted.route == "officer":  # else refused below anyway: spare the check
            window = award_window_days(rules, row.visit_date)
            duplicates = duplicates_with_awards(session, row.household_id, rules, row.visit_date)
            adjusted = route_for_duplicates(adjusted, duplicates, row.visit_date, window)
        if adjusted.route != "officer":
            raise DecisionRefused(
                f"This package cannot be approved on the spot. {adjusted.route_explanation}"
            )
        _check_transition(row.status, PackageStatus.APPROVED_ON_SPOT)
        add_entry(
            session,
            fund_row(session, day),
            EntryKind.SPEND,
            row.total_pence,
            officer,
            officer.id,
            row.id,
        )
        row.approved_on = day
        _decide(session, row, PackageStatus.APPROVED_ON_SPOT, officer, amount_pence=row.total_pence)
        schedule_review(session, row, review_after_days(rules, day))
        return package_from_row(row)


@mutation("packages.send_to_manager")
def send_to_manager(store: Store, user: User, package_id: uuid.UUID) -> Package:
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        _decide(session, row, PackageStatus.AWAITING_MANAGER, user)
        return package_from_row(row)


@mutation("packages.approve")
def approve(
    store: Store,
    manager: User,
    rules: RuleSet,
    package_id: uuid.UUID,
    day: date,
    lowered: dict[str, int] | None = None,
) -> Package:
    """A team manager approves, optionally lowering amounts; paid from the unallocated fund."""
    _require_role(manager, Role.MANAGER, "approve packages over the officer's limit")
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        if row.created_by == manager.id:
            raise DecisionRefused(
                "You made this package, so another team manager must approve it (6.4)."
            )
        _check_conflict(session, manager, row.household_id)
        _check_transition(row.status, PackageStatus.APPROVED)
        items = _lowered(package_from_row(row).items, lowered or {})
        _recommendation, adjusted = _adjusted(session, row, rules, manager, day, items)
        if adjusted.total_pence <= 0:
            raise DecisionRefused("Nothing is left to approve; reject the package instead.")
        add_entry(
            session,
            fund_row(session, day),
            EntryKind.APPROVAL,
            adjusted.total_pence,
            manager,
            None,
            row.id,
        )
        row.items = canonical([i.model_dump() for i in _items(adjusted)])
        row.total_pence = adjusted.total_pence
        row.approved_on = day
        _decide(session, row, PackageStatus.APPROVED, manager, amount_pence=row.total_pence)
        schedule_review(session, row, review_after_days(rules, day))
        return package_from_row(row)


def _lowered(items: list[PackageItem], lowered: dict[str, int]) -> list[PackageItem]:
    out = []
    for item in items:
        amount = lowered.get(item.clause, item.amount_pence)
        if amount < 0 or amount > item.amount_pence:
            raise InvalidInput(
                {
                    item.clause: (
                        f"{item.clause} {item.item}: a manager can lower this to between £0.00 and "
                        f"{format_pence(item.amount_pence)}"
                    )
                }
            )
        out.append(item.model_copy(update={"amount_pence": amount}))
    return out


@mutation("packages.reject")
def reject(store: Store, manager: User, package_id: uuid.UUID, reason: str) -> Package:
    _require_role(manager, Role.MANAGER, "reject packages")
    if not reason.strip():
        raise InvalidInput({"reason": "Reason: say why the package is rejected"})
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        if row.created_by == manager.id:
            raise DecisionRefused(
                "You made this package, so another team manager must decide it (6.4)."
            )
        _check_conflict(session, manager, row.household_id)
        _decide(session, row, PackageStatus.REJECTED, manager, reason=reason.strip())
        return package_from_row(row)


@mutation("packages.withdraw")
def withdraw(store: Store, user: User, package_id: uuid.UUID, reason: str, day: date) -> Package:
    """Withdraw a package; an approved, unpaid one gives its money back to where it came from."""
    if not reason.strip():
        raise InvalidInput({"reason": "Reason: say why the package is withdrawn"})
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        if row.created_by != user.id and user.role is not Role.MANAGER:
            raise PermissionRefused(
                "Only the officer who made it or a team manager can withdraw a package."
            )
        status = PackageStatus(row.status)
        _check_transition(row.status, PackageStatus.WITHDRAWN)
        if status is PackageStatus.APPROVED_ON_SPOT:
            add_entry(
                session,
                fund_row(session, row.approved_on or day),
                EntryKind.CANCEL_SPEND,
                row.total_pence,
                user,
                row.created_by,
                row.id,
            )
        elif status is PackageStatus.APPROVED:
            add_entry(
                session,
                fund_row(session, row.approved_on or day),
                EntryKind.CANCEL_APPROVAL,
                row.total_pence,
                user,
                None,
                row.id,
            )
        _decide(session, row, PackageStatus.WITHDRAWN, user, reason=reason.strip())
        return package_from_row(row)


@mutation("packages.record_payment")
def record_payment(
    store: Store,
    user: User,
    package_id: uuid.UUID,
    method: PaymentMethod,
    reference: str,
) -> Package:
    if not reference.strip():
        raise InvalidInput({"reference": "Reference: enter the payment or voucher reference"})
    with store.unit_of_work() as session:
        row = _locked(session, package_id)
        if PackageStatus(row.status) not in APPROVED_STATUSES:
            raise DecisionRefused(
                f"Only an approved package can be paid; this one is "
                f"{PackageStatus(row.status).label.lower()}."
            )
        add_entry(
            session,
            fund_row(session, row.approved_on or clock.today()),
            EntryKind.PAYMENT,
            row.total_pence,
            user,
            None,
            row.id,
        )
        _decide(
            session,
            row,
            PackageStatus.PAID,
            user,
            amount_pence=row.total_pence,
            method=method.value,
            reference=reference.strip(),
        )
        return package_from_row(row)


@mutation("packages.declare_conflict")
def declare_conflict(store: Store, user: User, household_id: uuid.UUID, reason: str) -> None:
    """Record that ``user`` must not decide for this household (6.4)."""
    with store.unit_of_work() as session:
        if session.get(HouseholdRow, household_id) is None:
            raise NotFound("That household is not in this store.")
        session.add(
            ConflictOfInterestRow(
                user_id=user.id,
                household_id=household_id,
                reason=reason.strip(),
                declared_at=utcnow(),
            )
        )
        AuditTrail(session, user.id).record(
            "conflict", household_id, "declared", {"reason": reason.strip()}, household_id
        )
