"""The pilot's evaluation figures (policy part 8), anonymised, for managers and the policy team.

The pilot reports its impact from the records officers keep. Every figure
here is an aggregate read with a handful of SQL aggregate queries (never one
ORM object at a time), so a report over 100,000 households takes seconds, and
the queries select only counts, sums, dates, stages, routes, statuses, scores,
outcomes and referral clauses: no name, address, postcode, date of birth or
case reference is ever read, so none can reach the PDF or the CSV.

What each figure counts (the period is ``date_from`` to ``date_to``, both included):

- *Households seen* and *visits*: visits dated in the period. De-identified
  households are included: retention keeps their visits for these statistics.
- *Packages* by stage, route and status: packages made at visits dated in the
  period, whatever happened to them since. The stage is the visit's.
- *Spend against the fund*: packages approved in the period (by approval date)
  and still approved or paid now; a withdrawn package gave its money back. A
  month's *paid* is the part of that month's approvals that has been paid. The
  budget is the team funds' budgets for the financial years the period touches.
- *Referrals*: made at visits in the period (the recommendation stored with
  the visit); *asked about* and *taken up*: answered at reviews recorded in the
  period.
- *Reviews* (of packages still approved or paid): due in the period, recorded in
  the period, recorded by their due date, and overdue *as at* the end of the
  period (or today, if that is earlier): due before that day and not recorded
  by it. Overdue leaves out de-identified households, as the officers' lists do.
- *Outcomes* and *the four capitals*: reviews recorded in the period, each
  against the visit that led to its package.
- *Estimated costs avoided*: each outcome's count times its unit costs from
  ``resources/unit_costs.toml`` (estimates the council edits).

Disclosure control, in one place (``present``): a count from 1 to 4 is shown
as "fewer than 5" (0 stays 0); a sum of money or an average worked out from 1
to 4 records is suppressed too, because one family's award or scores could be
recognised. Where a table shows a total, a single suppressed cell could be
worked out by subtraction, so the next smallest cell of that column is
withheld as well. Estimated costs avoided leave out outcomes counted fewer
than 5 times (their cost would give the count away): the total is then an
underestimate, and the report says so.
"""

from __future__ import annotations

import logging
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, assert_never

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, func

from caseworker import paths
from caseworker.domain import clock
from caseworker.domain.assessment import CAPITALS, STAGE_NAMES, Stage, stage_for
from caseworker.domain.fund import EntryKind
from caseworker.domain.money import format_pence
from caseworker.domain.packages import APPROVED_STATUSES, PackageStatus
from caseworker.domain.reviews import sorted_clauses
from caseworker.domain.users import User
from caseworker.services.errors import InvalidInput, ServiceError
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

log = logging.getLogger(__name__)

SMALL_COUNT = 5  # counts from 1 to SMALL_COUNT - 1 are suppressed
FEWER_THAN_5 = "fewer than 5"
SUPPRESSED = f"suppressed ({FEWER_THAN_5})"
WITHHELD = "withheld"
NOT_AVAILABLE = "n/a"
UNIT_COSTS_FILE = "unit_costs.toml"

_APPROVED = tuple(s.value for s in APPROVED_STATUSES)
NOT_SCORED = 0  # the stage key for visits whose four capitals were not all scored

ROUTE_LABELS = {
    "officer": "Officer on the spot (today's yes)",
    "manager": "Team manager",
    "none": "No cash award",
}


class UnitCostsInvalid(ServiceError):
    """The unit costs file cannot be used; the message names the file and the problem."""


# -- unit costs (resources/unit_costs.toml) ----------------------------------------------

OutcomeKey = Literal[
    "home_kept",
    "job_started",
    "hours_restored",
    "training_started",
    "debt_plan_in_place",
    "referral_taken_up",
]

OUTCOME_LABELS: dict[str, str] = {
    "home_kept": "Home kept (it was at risk)",
    "job_started": "Job started",
    "hours_restored": "Hours restored",
    "training_started": "Training started",
    "debt_plan_in_place": "Debt plan in place",
    "referral_taken_up": "Referral taken up",
}


class UnitCost(BaseModel):
    """One estimated cost to public services that an outcome avoids, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    outcome: OutcomeKey
    name: str = Field(min_length=1)
    pence: int = Field(ge=0)
    source: str = Field(min_length=1)
    year: str = Field(min_length=1)
    note: str = Field(min_length=1)


class UnitCosts(BaseModel):
    """The whole unit costs file: a label the report prints and the costs."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    label: str = Field(min_length=1)
    unit_cost: tuple[UnitCost, ...] = ()


def unit_costs_path() -> Path:
    return paths.resources_dir() / UNIT_COSTS_FILE


def load_unit_costs(path: Path | None = None) -> UnitCosts:
    """Read and check the unit costs (the shipped file unless ``path`` names another).

    A council edits the figures in the file, never code; a mistake is reported
    with the file and the entry, so it can be fixed there.
    """
    path = path or unit_costs_path()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UnitCostsInvalid(f"The unit costs file {path} cannot be read ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UnitCostsInvalid(f"{path}: {exc}. Fix the file and run the report again.") from exc
    try:
        return UnitCosts.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UnitCostsInvalid(
            f"{path}: {problems}. Fix the file and run the report again."
        ) from exc


# -- the figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSpend:
    """Awards approved in one month (and still approved or paid), and the part paid."""

    month: date  # the first day of the month
    approvals: int
    approved_pence: int
    payments: int
    paid_pence: int


@dataclass(frozen=True)
class ReferralCount:
    """One referral service: referrals made at visits, and the answers given at reviews."""

    clause: str
    service: str
    made: int
    asked: int
    taken_up: int


@dataclass(frozen=True)
class OutcomeCounts:
    """Outcomes recorded at the reviews of the period (policy part 8)."""

    home_kept: int = 0
    home_lost: int = 0
    home_not_at_risk: int = 0
    job_started: int = 0
    hours_restored: int = 0
    training_started: int = 0
    debt_plan_in_place: int = 0
    referrals_taken_up: int = 0
    referrals_not_taken_up: int = 0

    def count(self, outcome: str) -> int:
        """The count a unit cost multiplies (``referral_taken_up`` counts each referral)."""
        if outcome == "referral_taken_up":
            return self.referrals_taken_up
        value: int = getattr(self, outcome)
        return value


@dataclass(frozen=True)
class CapitalChange:
    """One capital scored at the visit and again at the review, over the reviews of the period."""

    capital: str
    compared: int  # reviews with this capital scored at both
    before_total: int
    after_total: int

    @property
    def average_before(self) -> float | None:
        return self.before_total / self.compared if self.compared else None

    @property
    def average_after(self) -> float | None:
        return self.after_total / self.compared if self.compared else None

    @property
    def average_change(self) -> float | None:
        """Negative means less pressure at the review than at the visit."""
        if not self.compared:
            return None
        return (self.after_total - self.before_total) / self.compared


@dataclass(frozen=True)
class StageMovement:
    """How the stage moved between the visit and the review (a lower stage is better)."""

    better: int = 0
    same: int = 0
    worse: int = 0
    not_comparable: int = 0  # a score missing at the visit

    @property
    def total(self) -> int:
        return self.better + self.same + self.worse + self.not_comparable


@dataclass(frozen=True)
class CostAvoided:
    """One unit cost applied to its outcome's count."""

    unit: UnitCost
    count: int

    @property
    def counted(self) -> bool:
        """Left out of the total when the count is suppressed (the cost would reveal it)."""
        return not is_small(self.count)

    @property
    def total_pence(self) -> int:
        return self.count * self.unit.pence


@dataclass(frozen=True)
class EvaluationFigures:
    """The raw figures of one period; ``anonymised_tables`` turns them into what is shown."""

    date_from: date
    date_to: date
    as_at: date  # overdue reviews are counted as at this day
    households_seen: int
    visits: int
    visits_by_stage: dict[int, int]
    packages: int
    packages_by_stage: dict[int, int]
    packages_by_route: dict[str, int]
    packages_by_status: dict[str, int]
    fund_years: tuple[str, ...]
    fund_budget_pence: int
    spend_by_month: tuple[MonthSpend, ...]
    referrals: tuple[ReferralCount, ...]
    reviews_due: int
    reviews_done: int
    reviews_on_time: int
    reviews_overdue: int
    outcomes: OutcomeCounts
    capitals: tuple[CapitalChange, ...]
    stage_movement: StageMovement
    reviewed_awards_pence: int  # what was awarded in the packages reviewed in the period
    costs: tuple[CostAvoided, ...]
    unit_costs_label: str = ""

    @property
    def approvals(self) -> int:
        return sum(m.approvals for m in self.spend_by_month)

    @property
    def approved_pence(self) -> int:
        return sum(m.approved_pence for m in self.spend_by_month)

    @property
    def payments(self) -> int:
        return sum(m.payments for m in self.spend_by_month)

    @property
    def paid_pence(self) -> int:
        return sum(m.paid_pence for m in self.spend_by_month)

    @property
    def costs_avoided_pence(self) -> int:
        """Estimated costs avoided, from the outcomes counted 5 times or more."""
        return sum(c.total_pence for c in self.costs if c.counted)


# -- reading the store -------------------------------------------------------------------


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


# -- what is shown: disclosure control in one place ----------------------------------------


class Kind(StrEnum):
    COUNT = "count"
    MONEY = "money"  # pence
    SCORE = "score"  # an average score, 0 to 3
    CHANGE = "change"  # an average change of score, signed
    PERCENT = "percent"
    RATIO = "ratio"  # pounds avoided per pound awarded


def is_small(count: int) -> bool:
    """A count that could point to a family: 1 to 4 (0 is safe to show)."""
    return 0 < count < SMALL_COUNT


@dataclass(frozen=True)
class Figure:
    """One value as the report will show it, with the count of records it rests on.

    ``basis`` is that count for money, averages and ratios (a count is its own
    basis); ``None`` means the value does not come from people's records (a
    unit cost, the fund's budget) and is never suppressed.
    """

    value: int | float | None
    kind: Kind = Kind.COUNT
    basis: int | None = None
    withheld: bool = False

    @property
    def basis_count(self) -> int | None:
        if self.kind is Kind.COUNT:
            return int(self.value or 0)
        return self.basis

    @property
    def suppressed(self) -> bool:
        basis = self.basis_count
        return basis is not None and is_small(basis)

    @property
    def shown(self) -> bool:
        return not self.suppressed and not self.withheld and self.value is not None

    def plotted(self) -> float:
        """The value a chart may draw: 0 for anything not shown (its label says why)."""
        return float(self.value or 0) if self.shown else 0.0


def present(figure: Figure, plain: bool = False) -> str:
    """The one place a figure becomes text, for the PDF and the CSV alike.

    Counts from 1 to 4 become "fewer than 5"; money and averages resting on 1
    to 4 records are suppressed; withheld cells (which would give a suppressed
    one away by subtraction from a total) say so. ``plain`` drops thousands
    separators and the pound sign, for analysts' tools.
    """
    if figure.suppressed:
        return FEWER_THAN_5 if figure.kind is Kind.COUNT else SUPPRESSED
    if figure.withheld:
        return WITHHELD
    value = figure.value
    if value is None:
        return NOT_AVAILABLE
    match figure.kind:
        case Kind.COUNT:
            return f"{int(value)}" if plain else f"{int(value):,}"
        case Kind.MONEY:
            return f"{int(value) / 100:.2f}" if plain else format_pence(int(value))
        case Kind.SCORE:
            return f"{value:.2f}"
        case Kind.CHANGE:
            return f"{value:+.2f}"
        case Kind.PERCENT:
            return f"{value:.1f}" if plain else f"{value:.1f}%"
        case Kind.RATIO:
            return f"{value:.2f}" if plain else f"£{value:,.2f}"
        case _:
            assert_never(figure.kind)


def count(value: int) -> Figure:
    return Figure(value)


def money(pence: int, basis: int | None) -> Figure:
    return Figure(pence, Kind.MONEY, basis)


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """A table of the report: the PDF draws it (and its chart), the CSV flattens it."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


def _withheld(cells: Sequence[Figure]) -> set[int]:
    """Cells to withhold so that a lone suppressed cell cannot be had from the column total.

    With exactly one suppressed cell, the smallest other shown, non-zero cell
    is withheld too; with two or more, the total gives only their sum.
    """
    small = [i for i, c in enumerate(cells) if c.suppressed]
    if len(small) != 1:
        return set()
    others = [
        (c.basis_count or 0, i)
        for i, c in enumerate(cells)
        if i != small[0] and not c.suppressed and (c.basis_count or 0) > 0
    ]
    return {min(others)[1]} if others else set()


def table(
    key: str,
    title: str,
    label_header: str,
    columns: Sequence[str],
    rows: Iterable[tuple[str, Sequence[Figure]]],
    total: Sequence[Figure] | None = None,
    note: str = "",
) -> Table:
    """A table with small counts protected; with a total, column by column (``_withheld``)."""
    built = [(label, list(cells)) for label, cells in rows]
    if total is not None:
        for c in range(len(columns)):
            for i in _withheld([cells[c] for _label, cells in built]):
                cell = built[i][1][c]
                built[i][1][c] = Figure(cell.value, cell.kind, cell.basis, withheld=True)
    return Table(
        key=key,
        title=title,
        label_header=label_header,
        columns=tuple(columns),
        rows=tuple(Row(label, tuple(cells)) for label, cells in built),
        total=Row("Total", tuple(total)) if total is not None else None,
        note=note,
    )


def stage_label(stage: int) -> str:
    return "Not scored" if stage == NOT_SCORED else f"{stage} {STAGE_NAMES[Stage(stage)]}"


def month_label(month: date) -> str:
    return f"{month:%B %Y}"


def _by_stage(key: str, title: str, counts: dict[int, int], total: int) -> Table:
    keys = [int(s) for s in Stage] + ([NOT_SCORED] if counts.get(NOT_SCORED) else [])
    return table(
        key,
        title,
        "Stage",
        ["Count"],
        ((stage_label(k), [count(counts.get(k, 0))]) for k in keys),
        [count(total)],
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def anonymised_tables(f: EvaluationFigures) -> list[Table]:
    """Every table of the report, with disclosure control applied, in reading order."""
    tables = [
        table(
            "summary",
            "Summary",
            "Measure",
            ["Value"],
            [
                ("Households seen", [count(f.households_seen)]),
                ("Visits", [count(f.visits)]),
                ("Packages made", [count(f.packages)]),
                ("Packages approved in the period", [count(f.approvals)]),
                ("Awards approved in the period", [money(f.approved_pence, f.approvals)]),
                ("Awards paid (of those approved)", [money(f.paid_pence, f.payments)]),
                ("Reviews recorded", [count(f.reviews_done)]),
                (f"Reviews overdue on {f.as_at:%d/%m/%Y}", [count(f.reviews_overdue)]),
                (
                    "Estimated costs avoided (estimates)",
                    [money(f.costs_avoided_pence, _counted_outcomes(f))],
                ),
            ],
        ),
        _by_stage("visits_by_stage", "Visits by stage", f.visits_by_stage, f.visits),
        _by_stage(
            "packages_by_stage", "Packages by stage at the visit", f.packages_by_stage, f.packages
        ),
        table(
            "packages_by_route",
            "Packages by approval route",
            "Route",
            ["Count"],
            ((ROUTE_LABELS.get(r, r), [count(n)]) for r, n in f.packages_by_route.items()),
            [count(f.packages)],
        ),
        table(
            "packages_by_status",
            "Packages by status now",
            "Status",
            ["Count"],
            ((PackageStatus(s).label, [count(n)]) for s, n in f.packages_by_status.items()),
            [count(f.packages)],
        ),
        table(
            "spend_by_month",
            "Spend against the fund by month of approval",
            "Month",
            ["Approvals", "Approved", "Paid"],
            (
                (
                    month_label(m.month),
                    [
                        count(m.approvals),
                        money(m.approved_pence, m.approvals),
                        money(m.paid_pence, m.payments),
                    ],
                )
                for m in f.spend_by_month
            ),
            [
                count(f.approvals),
                money(f.approved_pence, f.approvals),
                money(f.paid_pence, f.payments),
            ],
        ),
        table(
            "fund",
            "The team fund",
            "Measure",
            ["Value"],
            [
                (
                    f"Fund budget ({', '.join(f.fund_years)})",
                    [Figure(f.fund_budget_pence, Kind.MONEY)],
                ),
                ("Approved in the period", [money(f.approved_pence, f.approvals)]),
                (
                    "Share of the budget approved in the period",
                    [
                        Figure(
                            _percent(f.approved_pence, f.fund_budget_pence),
                            Kind.PERCENT,
                            f.approvals,
                        )
                    ],
                ),
                ("Paid (of those approved)", [money(f.paid_pence, f.payments)]),
            ],
        ),
        table(
            "referrals",
            "Referrals by service",
            "Service",
            ["Made at visits", "Asked about at reviews", "Taken up"],
            ((r.service, [count(r.made), count(r.asked), count(r.taken_up)]) for r in f.referrals),
            [
                count(sum(r.made for r in f.referrals)),
                count(sum(r.asked for r in f.referrals)),
                count(sum(r.taken_up for r in f.referrals)),
            ],
        ),
        table(
            "reviews",
            "Follow-up reviews (due 12 weeks after approval)",
            "Measure",
            ["Count"],
            [
                ("Due in the period", [count(f.reviews_due)]),
                ("Recorded in the period", [count(f.reviews_done)]),
                ("Recorded by the due date", [count(f.reviews_on_time)]),
                (f"Overdue on {f.as_at:%d/%m/%Y}", [count(f.reviews_overdue)]),
            ],
        ),
        table(
            "home",
            "Home at review",
            "Outcome",
            ["Reviews"],
            [
                ("Home kept", [count(f.outcomes.home_kept)]),
                ("Home lost", [count(f.outcomes.home_lost)]),
                ("Home was not at risk", [count(f.outcomes.home_not_at_risk)]),
            ],
            [count(f.reviews_done)],
        ),
        table(
            "outcomes",
            "Work, debt and referrals at review",
            "Outcome",
            ["Count"],
            [
                ("Job started", [count(f.outcomes.job_started)]),
                ("Hours restored", [count(f.outcomes.hours_restored)]),
                ("Training started", [count(f.outcomes.training_started)]),
                ("Debt plan in place", [count(f.outcomes.debt_plan_in_place)]),
                ("Referrals taken up", [count(f.outcomes.referrals_taken_up)]),
                ("Referrals not taken up", [count(f.outcomes.referrals_not_taken_up)]),
            ],
        ),
        table(
            "capitals",
            "The four capitals: visit and review",
            "Capital",
            ["Reviews compared", "Average at visit", "Average at review", "Average change"],
            (
                (
                    c.capital.title(),
                    [
                        count(c.compared),
                        Figure(c.average_before, Kind.SCORE, c.compared),
                        Figure(c.average_after, Kind.SCORE, c.compared),
                        Figure(c.average_change, Kind.CHANGE, c.compared),
                    ],
                )
                for c in f.capitals
            ),
            note="Scores run from 0 (no pressure) to 3 (severe pressure): a negative change "
            "means less pressure at the review than at the visit.",
        ),
        table(
            "stage_movement",
            "Stage at review compared with the visit",
            "Movement",
            ["Reviews"],
            [
                ("Better (a lower stage)", [count(f.stage_movement.better)]),
                ("The same", [count(f.stage_movement.same)]),
                ("Worse (a higher stage)", [count(f.stage_movement.worse)]),
                ("Not comparable (a score missing)", [count(f.stage_movement.not_comparable)]),
            ],
            [count(f.stage_movement.total)],
        ),
        table(
            "costs",
            "Estimated costs avoided (estimates)",
            "Outcome and unit cost",
            ["Count", "Unit cost", "Estimated costs avoided"],
            (
                (
                    f"{OUTCOME_LABELS[c.unit.outcome]}: {c.unit.name}",
                    [
                        count(c.count),
                        Figure(c.unit.pence, Kind.MONEY),
                        money(c.total_pence, c.count),
                    ],
                )
                for c in f.costs
            ),
            note="Outcomes counted fewer than 5 times are left out of the total, so that "
            "their count cannot be worked out from it; the total is then an underestimate.",
        ),
        table(
            "value",
            "Estimated costs avoided set against what was spent (estimates)",
            "Measure",
            ["Value"],
            [
                (
                    "Estimated costs avoided (outcomes at the reviews of the period)",
                    [money(f.costs_avoided_pence, _counted_outcomes(f))],
                ),
                (
                    "Awarded in the packages reviewed in the period",
                    [money(f.reviewed_awards_pence, f.reviews_done)],
                ),
                (
                    "Estimated costs avoided for each £1 awarded",
                    [
                        Figure(
                            _ratio(f.costs_avoided_pence, f.reviewed_awards_pence),
                            Kind.RATIO,
                            f.reviews_done,
                        )
                    ],
                ),
                ("Awards approved in the period", [money(f.approved_pence, f.approvals)]),
            ],
        ),
    ]
    return tables


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _counted_outcomes(f: EvaluationFigures) -> int:
    """How many outcomes the costs-avoided total rests on (0 if none is counted)."""
    return sum(c.count for c in f.costs if c.counted and c.count)
