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
  ``resources/unit_costs.toml`` (estimates the council edits), gross and net of
  deadweight, attribution and optimism bias, in one price year (``savings``;
  the method is in docs/savings.md).

Disclosure control, in one place (``present``): a count from 1 to 4 is shown
as "fewer than 5" (0 stays 0); a sum of money or an average worked out from 1
to 4 records is suppressed too, because one family's award or scores could be
recognised. Where a table shows a total, a single suppressed cell could be
worked out by subtraction, so the next smallest cell of that column is
withheld as well. Estimated costs avoided leave out outcomes counted fewer
than 5 times (their cost would give the count away): the total is then an
underestimate, and the report says so.

The package is split by what each part does: ``reading`` (the store queries behind
the outcomes and spend), ``figures`` (the raw figures), ``unit_costs`` and ``savings``
(costs avoided, gross and net), ``disclosure`` (anonymisation), ``tables`` and
``savings_tables`` (what the report lays out). Callers import from here.
"""

from caseworker.services.evaluation.disclosure import (
    FEWER_THAN_5,
    NOT_AVAILABLE,
    SMALL_COUNT,
    SUPPRESSED,
    WITHHELD,
    Figure,
    Kind,
    Row,
    Table,
    count,
    for_the_team,
    is_small,
    money,
    present,
    table,
)
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
from caseworker.services.evaluation.reading import (
    evaluation_figures,
)
from caseworker.services.evaluation.savings import (
    Amounts,
    Deflators,
    OptimismBias,
    OutcomeFactors,
    Savings,
    SavingsFactors,
    SavingsLine,
    Spread,
    load_deflators,
    load_savings_factors,
    work_out_savings,
)
from caseworker.services.evaluation.tables import (
    ROUTE_LABELS,
    anonymised_tables,
    month_label,
    stage_label,
)
from caseworker.services.evaluation.unit_costs import (
    KIND_LABELS,
    OUTCOME_LABELS,
    UNIT_COSTS_FILE,
    OutcomeKey,
    UnitCost,
    UnitCostKind,
    UnitCosts,
    UnitCostsInvalid,
    load_unit_costs,
    unit_costs_path,
)

__all__ = [
    "FEWER_THAN_5",
    "KIND_LABELS",
    "NOT_AVAILABLE",
    "NOT_SCORED",
    "OUTCOME_LABELS",
    "ROUTE_LABELS",
    "SMALL_COUNT",
    "SUPPRESSED",
    "UNIT_COSTS_FILE",
    "WITHHELD",
    "Amounts",
    "CapitalChange",
    "CostAvoided",
    "Deflators",
    "EvaluationFigures",
    "Figure",
    "Kind",
    "MonthSpend",
    "OptimismBias",
    "OutcomeCounts",
    "OutcomeFactors",
    "OutcomeKey",
    "ReferralCount",
    "Row",
    "Savings",
    "SavingsFactors",
    "SavingsLine",
    "Spread",
    "StageMovement",
    "Table",
    "UnitCost",
    "UnitCostKind",
    "UnitCosts",
    "UnitCostsInvalid",
    "anonymised_tables",
    "count",
    "evaluation_figures",
    "for_the_team",
    "is_small",
    "load_deflators",
    "load_savings_factors",
    "load_unit_costs",
    "money",
    "month_label",
    "present",
    "stage_label",
    "table",
    "unit_costs_path",
    "work_out_savings",
]
