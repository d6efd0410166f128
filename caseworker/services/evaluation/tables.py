"""The report's tables, in reading order, with disclosure control applied."""

from __future__ import annotations

from datetime import date

from caseworker.domain.assessment import STAGE_NAMES, Stage
from caseworker.domain.packages import PackageStatus
from caseworker.services.evaluation.disclosure import Figure, Kind, Table, count, money, table
from caseworker.services.evaluation.figures import NOT_SCORED, EvaluationFigures
from caseworker.services.evaluation.savings_tables import savings_tables, summary_rows

ROUTE_LABELS = {
    "officer": "Officer on the spot (today's yes)",
    "manager": "Team manager",
    "none": "No cash award",
}


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
                *summary_rows(f),
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
        *savings_tables(f),
    ]
    return tables


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None
