"""The facts a recommendation needs from the store, and live previews for the visit screen.

The engine itself is pure domain code; this module gathers what it reads
from the store (the household's awards, the officer's allowance left) so the
visit screen can re-evaluate on every keystroke without touching the store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from caseworker.domain.household import Household
from caseworker.domain.packages import PackageStatus
from caseworker.domain.rules import (
    AdjustedPackage,
    Adjustment,
    AwardStatus,
    Facts,
    PriorAward,
    Recommendation,
    RuleSet,
    apply_adjustments,
    evaluate,
)
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.services.errors import ServiceError
from caseworker.services.fund import fund_balances, fund_row
from caseworker.store.database import Store
from caseworker.store.tables import PackageRow

_AWARD_STATUS = {
    PackageStatus.APPROVED_ON_SPOT: AwardStatus.APPROVED,
    PackageStatus.APPROVED: AwardStatus.APPROVED,
    PackageStatus.PAID: AwardStatus.PAID,
    PackageStatus.REJECTED: AwardStatus.REJECTED,
    PackageStatus.WITHDRAWN: AwardStatus.WITHDRAWN,
}


def prior_awards(
    session: Session, household_id: uuid.UUID, excluding: uuid.UUID | None = None
) -> list[PriorAward]:
    """The household's decided packages, dated by approval (the engine keeps those of 6.1)."""
    rows = session.exec(
        select(PackageRow).where(
            PackageRow.household_id == household_id, col(PackageRow.approved_on).is_not(None)
        )
    ).all()
    return [
        PriorAward(
            award_date=r.approved_on,
            amount_pence=r.total_pence,
            status=_AWARD_STATUS[PackageStatus(r.status)],
        )
        for r in rows
        if r.id != excluding and r.approved_on is not None
    ]


def allowance_left(session: Session, user: User, day: date) -> int | None:
    """The user's offline allowance left, or ``None`` when no fund is open."""
    try:
        fund = fund_row(session, day)
    except ServiceError:
        return None
    return fund_balances(session, fund.id).officers[user.id].left_pence


@dataclass(frozen=True)
class DecisionContext:
    """What the store contributes to a recommendation, read once per visit screen."""

    prior_awards: tuple[PriorAward, ...]
    allowance_left_pence: int | None


def decision_context(
    store: Store, user: User, household_id: uuid.UUID, day: date
) -> DecisionContext:
    with store.read() as session:
        return DecisionContext(
            tuple(prior_awards(session, household_id)), allowance_left(session, user, day)
        )


def preview(
    rules: RuleSet,
    household: Household,
    visit: Visit,
    context: DecisionContext,
    adjustments: list[Adjustment],
) -> tuple[Recommendation, AdjustedPackage]:
    """The recommendation and the officer-adjusted package for a visit being typed."""
    facts = Facts(household=household, visit=visit, prior_awards=list(context.prior_awards))
    recommendation = evaluate(facts, rules, allowance_left_pence=context.allowance_left_pence)
    return recommendation, apply_adjustments(recommendation, adjustments)
