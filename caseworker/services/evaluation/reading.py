"""Reading the evaluation figures from the store: a handful of aggregate queries."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from caseworker.domain import clock
from caseworker.domain.assessment import CAPITALS, Stage, stage_for
from caseworker.domain.fund import EntryKind
from caseworker.domain.packages import APPROVED_STATUSES, PackageStatus
from caseworker.domain.reviews import sorted_clauses
from caseworker.domain.users import User
from caseworker.services.errors import InvalidInput
from caseworker.services.evaluation.figures import (
    NOT_SCORED,
    CapitalChange,
    CostAvoided,
    EvaluationFigures,
    MonthSpend,
    OutcomeCounts,
    ReferralCount,
    StageMovement,
)
from caseworker.services.evaluation.savings import (
    Deflators,
    SavingsFactors,
    load_deflators,
    load_savings_factors,
    work_out_savings,
)
from caseworker.services.evaluation.unit_costs import UnitCosts, load_unit_costs
from caseworker.services.facts_reader import families
from caseworker.services.fund import DEFAULT_TEAM, year_of
from caseworker.services.users import require_manager
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from caseworker.store.tables import (
    FundEntryRow,
    FundRow,
    HouseholdRow,
    PackageRow,
    VisitRow,
)

log = logging.getLogger("caseworker.services.evaluation")

_APPROVED = tuple(s.value for s in APPROVED_STATUSES)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)


def _months(date_from: date, date_to: date) -> list[date]:
    out, month = [], date_from.replace(day=1)
    while month <= date_to:
        out.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def evaluation_figures(
    store: Store,
    manager: User,
    date_from: date,
    date_to: date,
    *,
    today: date | None = None,
    unit_costs: UnitCosts | None = None,
    factors: SavingsFactors | None = None,
    deflators: Deflators | None = None,
) -> EvaluationFigures:
    """Every figure of the evaluation report for the period, read from the local store.

    Only a team manager may run it: even anonymised, the figures describe the
    team's work and spend. ``today`` (default: the real date) caps the day
    overdue reviews are counted at, so a period ending in the future does not
    count reviews that are not yet overdue. Every query runs in one read
    transaction, so the figures agree with each other even while officers save.
    """
    require_manager(manager, "produce the evaluation report")
    if date_from > date_to:
        raise InvalidInput({"date_to": "To: the end of the period must not be before its start"})
    costs = unit_costs or load_unit_costs()
    factors = factors or load_savings_factors()
    deflators = deflators or load_deflators()
    as_at = min(date_to, today or clock.today())
    with store.read() as session:
        households_seen, visits, visits_by_stage = _visits(session, date_from, date_to)
        by_stage, by_route, by_status = _packages(session, date_from, date_to)
        spend = _spend(session, date_from, date_to)
        years = tuple(sorted({year_of(m) for m in _months(date_from, date_to)}))
        budget = _budget(session, years)
        made = _referrals_made(session, date_from, date_to)
        answered = _referrals_answered(session, date_from, date_to)
        due, done, on_time, overdue = _reviews(session, date_from, date_to, as_at)
        outcomes, reviewed_awards = _outcomes(session, date_from, date_to, answered)
        capitals, movement = _capitals(session, date_from, date_to)
    referrals = tuple(
        ReferralCount(
            clause=clause,
            service=made.get(clause, (0, ""))[1] or f"Referral under clause {clause}",
            made=made.get(clause, (0, ""))[0],
            asked=answered.get(clause, (0, 0))[0],
            taken_up=answered.get(clause, (0, 0))[1],
        )
        for clause in sorted_clauses(set(made) | set(answered))
    )
    figures = EvaluationFigures(
        date_from=date_from,
        date_to=date_to,
        as_at=as_at,
        households_seen=households_seen,
        visits=visits,
        visits_by_stage=visits_by_stage,
        packages=sum(by_status.values()),
        packages_by_stage=by_stage,
        packages_by_route=by_route,
        packages_by_status=by_status,
        fund_years=years,
        fund_budget_pence=budget,
        spend_by_month=spend,
        referrals=referrals,
        reviews_due=due,
        reviews_done=done,
        reviews_on_time=on_time,
        reviews_overdue=overdue,
        outcomes=outcomes,
        capitals=capitals,
        stage_movement=movement,
        reviewed_awards_pence=reviewed_awards,
        costs=tuple(CostAvoided(u, outcomes.count(u.outcome)) for u in costs.unit_cost),
        unit_costs_label=costs.label,
        savings=work_out_savings(outcomes, costs, factors, deflators),
    )
    log.info("evaluation figures produced by %s", manager.id)
    return figures


def _in(column: Any, date_from: date, date_to: date) -> Any:
    return col(column).between(date_from, date_to)


def _visits(session: Session, date_from: date, date_to: date) -> tuple[int, int, dict[int, int]]:
    in_period = _in(VisitRow.visit_date, date_from, date_to)
    visits = session.execute(sa.select(func.count()).where(in_period)).scalar_one()
    # A family registered twice and merged is one household seen, not two.
    fams = families(session)
    seen = len(
        {
            fams.survivor(household_id)
            for household_id in session.execute(
                sa.select(col(VisitRow.household_id)).where(in_period).distinct()
            ).scalars()
        }
    )
    by_stage = {int(s): 0 for s in Stage}
    for stage, n in session.execute(
        sa.select(col(VisitRow.stage), func.count()).where(in_period).group_by(col(VisitRow.stage))
    ).all():
        key = stage if stage in by_stage else NOT_SCORED
        by_stage[key] = by_stage.get(key, 0) + n
    return int(seen), int(visits), by_stage


def _packages(
    session: Session, date_from: date, date_to: date
) -> tuple[dict[int, int], dict[str, int], dict[str, int]]:
    rows = session.execute(
        sa.select(col(VisitRow.stage), col(PackageRow.route), col(PackageRow.status), func.count())
        .select_from(PackageRow)
        .join(VisitRow, col(VisitRow.id) == col(PackageRow.visit_id), isouter=True)
        .where(_in(PackageRow.visit_date, date_from, date_to))
        .group_by(col(VisitRow.stage), col(PackageRow.route), col(PackageRow.status))
    ).all()
    by_stage = {int(s): 0 for s in Stage}
    by_route = {route: 0 for route in ("officer", "manager")}
    by_status = {s.value: 0 for s in PackageStatus}
    for stage, route, status, n in rows:
        key = stage if stage in by_stage else NOT_SCORED
        by_stage[key] = by_stage.get(key, 0) + n
        by_route[route] = by_route.get(route, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    return by_stage, by_route, by_status


def _spend(session: Session, date_from: date, date_to: date) -> tuple[MonthSpend, ...]:
    paid = col(PackageRow.status) == PackageStatus.PAID.value
    rows = session.execute(
        sa.select(
            col(PackageRow.approved_on),
            func.count(),
            func.sum(col(PackageRow.total_pence)),
            _count_if(paid),
            func.coalesce(func.sum(sa.case((paid, PackageRow.total_pence), else_=0)), 0),
        )
        .where(
            _in(PackageRow.approved_on, date_from, date_to),
            col(PackageRow.status).in_(_APPROVED),
        )
        .group_by(col(PackageRow.approved_on))
    ).all()
    months: dict[date, list[int]] = {m: [0, 0, 0, 0] for m in _months(date_from, date_to)}
    for day, approvals, approved, payments, paid_pence in rows:
        sums = months[day.replace(day=1)]
        for i, value in enumerate((approvals, approved, payments, paid_pence)):
            sums[i] += int(value or 0)
    return tuple(MonthSpend(m, *s) for m, s in months.items())


def _budget(session: Session, years: Sequence[str]) -> int:
    total = session.execute(
        sa.select(func.coalesce(func.sum(FundEntryRow.amount_pence), 0))
        .select_from(FundEntryRow)
        .join(FundRow, col(FundRow.id) == col(FundEntryRow.fund_id))
        .where(
            col(FundRow.financial_year).in_(list(years)),
            col(FundRow.team) == DEFAULT_TEAM,
            col(FundEntryRow.kind) == EntryKind.BUDGET.value,
        )
    ).scalar_one()
    return int(total)


def _json_or_empty(column: Any) -> Any:
    """The column, or an empty object when blank (a visit saved without the rules)."""
    return sa.case((col(column) == "", "{}"), else_=col(column))


def _referrals_made(session: Session, date_from: date, date_to: date) -> dict[str, tuple[int, str]]:
    """Referrals in the recommendations stored with the period's visits, by clause.

    SQLite's ``json_each`` walks the stored JSON inside the query, so the
    recommendations are never loaded into Python one by one.
    """
    each = func.json_each(_json_or_empty(VisitRow.recommendation), "$.referrals").table_valued(
        "value"
    )
    clause = func.json_extract(each.c.value, "$.clause")
    rows = session.execute(
        sa.select(clause, func.count(), func.max(func.json_extract(each.c.value, "$.service")))
        .select_from(VisitRow)
        .join(each, sa.true())
        .where(_in(VisitRow.visit_date, date_from, date_to))
        .group_by(clause)
    ).all()
    return {str(c): (int(n), str(service or "")) for c, n, service in rows if c is not None}


def _live_reviews(*columns: Any) -> Any:
    """A select over the reviews of packages still approved or paid (a withdrawn one has none)."""
    return (
        sa.select(*columns)
        .select_from(ReviewRow)
        .join(PackageRow, col(PackageRow.id) == col(ReviewRow.package_id))
        .where(col(PackageRow.status).in_(_APPROVED))
    )


def _referrals_answered(
    session: Session, date_from: date, date_to: date
) -> dict[str, tuple[int, int]]:
    """Each referral clause asked about at the period's reviews: (asked, taken up)."""
    each = func.json_each(_json_or_empty(ReviewRow.referrals_taken_up)).table_valued("key", "type")
    rows = session.execute(
        _live_reviews(each.c.key, func.count(), _count_if(each.c.type == "true"))
        .join(each, sa.true())
        .where(_in(ReviewRow.completed_on, date_from, date_to))
        .group_by(each.c.key)
    ).all()
    return {str(clause): (int(asked), int(taken)) for clause, asked, taken in rows}


def _reviews(
    session: Session, date_from: date, date_to: date, as_at: date
) -> tuple[int, int, int, int]:
    completed = col(ReviewRow.completed_on)
    done = _in(ReviewRow.completed_on, date_from, date_to)
    overdue = sa.and_(
        col(ReviewRow.due_on) < as_at,
        sa.or_(completed.is_(None), completed > as_at),
        col(HouseholdRow.archived).is_(False),
    )
    row = session.execute(
        _live_reviews(
            _count_if(_in(ReviewRow.due_on, date_from, date_to)),
            _count_if(done),
            _count_if(sa.and_(done, completed <= col(ReviewRow.due_on))),
            _count_if(overdue),
        ).join(HouseholdRow, col(HouseholdRow.id) == col(ReviewRow.household_id))
    ).one()
    due, recorded, on_time, late = (int(v) for v in row)
    return due, recorded, on_time, late


def _outcomes(
    session: Session, date_from: date, date_to: date, answered: dict[str, tuple[int, int]]
) -> tuple[OutcomeCounts, int]:
    home = col(ReviewRow.home_kept)
    row = session.execute(
        _live_reviews(
            _count_if(home.is_(True)),
            _count_if(home.is_(False)),
            _count_if(home.is_(None)),
            _count_if(col(ReviewRow.job_started).is_(True)),
            _count_if(col(ReviewRow.hours_restored).is_(True)),
            _count_if(col(ReviewRow.training_started).is_(True)),
            _count_if(col(ReviewRow.debt_plan_in_place).is_(True)),
            func.coalesce(func.sum(PackageRow.total_pence), 0),
        ).where(_in(ReviewRow.completed_on, date_from, date_to))
    ).one()
    kept, lost, not_at_risk, job, hours, training, debt, awarded = (int(v) for v in row)
    taken = sum(t for _asked, t in answered.values())
    asked = sum(a for a, _taken in answered.values())
    outcomes = OutcomeCounts(
        home_kept=kept,
        home_lost=lost,
        home_not_at_risk=not_at_risk,
        job_started=job,
        hours_restored=hours,
        training_started=training,
        debt_plan_in_place=debt,
        referrals_taken_up=taken,
        referrals_not_taken_up=asked - taken,
    )
    return outcomes, awarded


def _capitals(
    session: Session, date_from: date, date_to: date
) -> tuple[tuple[CapitalChange, ...], StageMovement]:
    before = [getattr(VisitRow, c) for c in CAPITALS]
    after = [getattr(ReviewRow, c) for c in CAPITALS]
    rows = session.execute(
        _live_reviews(*before, *after, func.count())
        .join(VisitRow, col(VisitRow.id) == col(PackageRow.visit_id), isouter=True)
        .where(_in(ReviewRow.completed_on, date_from, date_to))
        .group_by(*before, *after)
    ).all()
    n = len(CAPITALS)
    sums: dict[str, list[int]] = {c: [0, 0, 0] for c in CAPITALS}
    moved: dict[str, int] = defaultdict(int)
    for row in rows:
        was, now, reviews = row[:n], row[n : 2 * n], int(row[2 * n])
        for capital, b, a in zip(CAPITALS, was, now, strict=True):
            if b is not None and a is not None:
                sums[capital][0] += reviews
                sums[capital][1] += b * reviews
                sums[capital][2] += a * reviews
        if None in was or None in now:
            moved["not_comparable"] += reviews
            continue
        stage_was, stage_now = stage_for(*was), stage_for(*now)
        key = "better" if stage_now < stage_was else "worse" if stage_now > stage_was else "same"
        moved[key] += reviews
    changes = tuple(CapitalChange(c, *sums[c]) for c in CAPITALS)
    return changes, StageMovement(**moved)
