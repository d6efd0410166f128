"""The raw figures of one evaluation period, before disclosure control."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from caseworker.services.evaluation.disclosure import is_small
from caseworker.services.evaluation.unit_costs import UnitCost

if TYPE_CHECKING:
    from caseworker.services.evaluation.savings import Savings

NOT_SCORED = 0  # the stage key for visits whose four capitals were not all scored


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
    savings: Savings  # gross and net, in one price year (``savings.py``)
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
        """Gross fiscal costs avoided in the report's price year, from the outcomes
        counted 5 times or more. Social value is never part of it."""
        return self.savings.gross_pence("fiscal")
