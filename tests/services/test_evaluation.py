"""The evaluation figures from a known pilot, seeded through the real services.

``seed_pilot`` builds the pilot once per module (visits, packages approved,
rejected, withdrawn and paid, reviews recorded and left overdue); the tests
work out every figure again here, from what the seed did and what the store
kept, and compare it with ``evaluation_figures``. The report and CLI tests
reuse the seed.
"""

from __future__ import annotations

import tomllib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from caseworker import paths
from caseworker.domain.assessment import Capitals, stage_for
from caseworker.domain.household import (
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.packages import APPROVED_STATUSES, Package, PackageStatus, PaymentMethod
from caseworker.domain.reviews import Outcomes
from caseworker.domain.rules import RuleSet, load_rules
from caseworker.domain.users import Role, User
from caseworker.domain.visit import Visit
from caseworker.services import evaluation as ev
from caseworker.services import fund, households, packages, reviews, users, visits
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.review_tables import ReviewRow
from tests.conftest import PASSWORD

PERIOD_FROM = date(2026, 6, 1)
PERIOD_TO = date(2026, 12, 31)
TODAY = date(2027, 1, 15)  # after the period: overdue is counted on its last day
BUDGET = 6_000_000
S1, S2, S3, S4 = (0, 1, 1, 0), (1, 2, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)

# Distinctive personal details, so a leak into a report is unmistakable.
FIRST_NAMES = [
    "Zephyrine", "Quillon", "Marisol", "Teodoro", "Anouk", "Bartholomew", "Ysolde",
    "Casimir", "Philippa", "Ottoline", "Radomir", "Wilhelmina", "Evander", "Saoirse",
    "Lysander", "Perpetua", "Ignatius",
]  # fmt: skip
SURNAMES = [
    "Quillfeather", "Abernethy", "Vantongeren", "Przybylski", "Okonkwo-Reid", "Fairbrother",
    "Castellanos", "Zouberbuhler", "Nwachukwu", "Lindqvist", "Haverkamp", "Tremayne",
    "Oyelaran", "Szczepanik", "Delacroix-Hume", "Mbeki-Lowe", "Wolstenholme",
]  # fmt: skip
CHILD_NAMES = [f"{n}ette" for n in ("Arab", "Bern", "Clar", "Dan", "Ern", "Franc", "Georg")]
DISTRICTS = ["SE1", "SE5", "SE15", "SE16", "SE17", "SE21", "SE22"]


@dataclass(frozen=True)
class Spec:
    """One household's story in the seeded pilot."""

    visit_on: date
    capitals: tuple[int, int, int, int]
    arrears: int = 12_000
    decision: str = "none"  # spot | manager | reject | withdraw | none
    decided_on: date | None = None
    paid: bool = False
    review_on: date | None = None
    scores: tuple[int, int, int, int] = (1, 1, 1, 1)
    home_kept: bool | None = None
    job: bool = False
    hours: bool = False
    debt_plan: bool = False
    take_up: int = 0  # the first N referrals made at the visit are taken up
    second_visit: date | None = None


SPECS = [
    Spec(date(2026, 6, 2), S3, decision="spot", paid=True, review_on=date(2026, 8, 20),
         scores=(1, 1, 1, 1), home_kept=True, hours=True, debt_plan=True, take_up=3,
         second_visit=date(2026, 10, 5)),
    Spec(date(2026, 6, 3), S3, decision="spot", paid=True, review_on=date(2026, 8, 21),
         scores=(1, 0, 1, 1), home_kept=True, hours=True, debt_plan=True, take_up=2),
    Spec(date(2026, 6, 4), S3, decision="spot", review_on=date(2026, 9, 3),
         scores=(2, 1, 1, 0), home_kept=True, job=True, debt_plan=True, take_up=1),
    Spec(date(2026, 6, 5), S3, decision="spot", review_on=date(2026, 9, 4),
         scores=(1, 1, 0, 1), home_kept=True, hours=True, debt_plan=True, take_up=3),
    Spec(date(2026, 6, 8), S3, decision="spot", review_on=date(2026, 8, 31),
         scores=(0, 0, 1, 1), home_kept=True, hours=True, job=True, debt_plan=True),
    Spec(date(2026, 7, 7), S3, decision="spot", review_on=date(2026, 10, 5),
         scores=(1, 1, 1, 1), home_kept=None, hours=True, debt_plan=True, take_up=2),
    Spec(date(2026, 7, 14), S3, decision="spot"),  # review left overdue
    Spec(date(2026, 8, 3), S4, arrears=40_000, decision="manager", decided_on=date(2026, 8, 10),
         review_on=date(2026, 11, 2), scores=(1, 1, 1, 1), home_kept=True, debt_plan=True,
         take_up=4),
    Spec(date(2026, 8, 4), S4, arrears=40_000, decision="manager", decided_on=date(2026, 8, 10),
         review_on=date(2026, 11, 10), scores=(2, 2, 1, 1), home_kept=False, take_up=1),
    Spec(date(2026, 11, 2), S4, arrears=40_000, decision="manager",
         decided_on=date(2026, 11, 10)),  # review due in 2027: not overdue
    Spec(date(2026, 8, 5), S3, arrears=40_000, decision="manager",
         decided_on=date(2026, 8, 12)),  # review left overdue
    Spec(date(2026, 8, 6), S3, arrears=40_000, decision="reject", decided_on=date(2026, 8, 12)),
    Spec(date(2026, 7, 20), S3, decision="withdraw", decided_on=date(2026, 7, 25)),
    Spec(date(2026, 9, 1), S2),  # stage 2: no cash award
    Spec(date(2026, 9, 2), S2),
    Spec(date(2026, 5, 11), S3),  # before the period
    Spec(date(2027, 1, 5), S3),  # after the period
]  # fmt: skip


@dataclass
class RecordedReview:
    package: Package
    visit_capitals: tuple[int, int, int, int]
    scores: tuple[int, int, int, int]
    outcomes: Outcomes
    completed_on: date


@dataclass
class Seeded:
    store: Store
    rules: RuleSet
    manager: User
    officer: User
    households: list[Household] = field(default_factory=list)
    visits: list[tuple[Visit, tuple[int, int, int, int]]] = field(default_factory=list)
    packages: list[tuple[Package, tuple[int, int, int, int]]] = field(default_factory=list)
    reviews: list[RecordedReview] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)

    def personal_strings(self) -> list[str]:
        """Every name, postcode, address, phone, reference and date of birth seeded."""
        out: list[str] = []
        for h in self.households:
            out += [h.reference, h.postcode, h.postcode.replace(" ", ""), h.address_line1, h.phone]
            for m in h.members:
                out += [m.first_name, m.surname]
                if m.date_of_birth is not None:
                    dob = m.date_of_birth
                    out += [dob.strftime("%d/%m/%Y"), dob.isoformat(), f"{dob.day} {dob:%B %Y}"]
        out += [u.name for u in self.staff]
        return out


def _household(i: int, arrears: int) -> Household:
    lead = Member(
        first_name=FIRST_NAMES[i],
        surname=SURNAMES[i],
        date_of_birth=date(1979 + i % 9, 1 + i % 12, 3 + i),
        relationship=Relationship.LEAD,
        work_status=WorkStatus.EMPLOYED,
        reduced_hours=True,
        earnings_fell_on=date(2026, 5, 1),
        earnings_fall_reason=IncomeDropReason.REDUCED_HOURS,
    )
    child = Member(
        first_name=CHILD_NAMES[i % len(CHILD_NAMES)],
        surname=SURNAMES[i],
        date_of_birth=date(2014, 1 + i % 12, 2 + i),
        relationship=Relationship.CHILD,
        in_education_or_training=True,
    )
    return Household(
        address_line1=f"{21 + i} Larkspur Mews",
        town="London",
        postcode=f"{DISTRICTS[i % len(DISTRICTS)]} {1 + i % 9}{'QWXYZ'[i % 5]}{'JLNPR'[i % 4]}",
        phone=f"07700 900{400 + i}",
        tenure=Tenure.PRIVATE_RENTER,
        savings_pence=20_000,
        rent_arrears_pence=arrears,
        mortgage_arrears_pence=0,
        utility_arrears_pence=0,
        council_tax_arrears_pence=0,
        other_debts_pence=0,
        benefits=[],
        members=[lead, child],
    )


def _visit(seeded: Seeded, household: Household, day: date, caps: tuple[int, ...]) -> Visit:
    built = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": day.strftime("%d/%m/%Y"),
            "financial": str(caps[0]),
            "mental": str(caps[1]),
            "social": str(caps[2]),
            "human": str(caps[3]),
        }
    )
    return visits.record_visit(seeded.store, seeded.officer, built, rules=seeded.rules)


def _review_id(store: Store, package_id: uuid.UUID) -> uuid.UUID:
    with store.read() as session:
        row = session.exec(select(ReviewRow).where(ReviewRow.package_id == package_id)).one()
        return row.id


def seed_pilot(store: Store) -> Seeded:
    """The known pilot of ``SPECS`` in ``store``, through the real services."""
    ruleset, problems = load_rules(None)
    assert not problems
    manager = users.create_first_manager(store, "Rosalind Ketteridge", "TM01", PASSWORD)
    approver = users.add_user(store, manager, "Cuthbert Ellingham", "TM02", Role.MANAGER, PASSWORD)
    officer = users.add_user(store, manager, "Jocasta Pemberton", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(store, manager, BUDGET, PERIOD_FROM)
    fund.grant_allowance(store, manager, officer.id, 500_000, PERIOD_FROM)
    seeded = Seeded(store, ruleset, manager, officer, staff=[manager, approver, officer])
    for i, spec in enumerate(SPECS):
        household = households.create_household(store, officer, _household(i, spec.arrears))
        seeded.households.append(household)
        visit = _visit(seeded, household, spec.visit_on, spec.capitals)
        seeded.visits.append((visit, spec.capitals))
        package = _decide(seeded, spec, visit)
        if spec.second_visit is not None:
            again = _visit(seeded, household, spec.second_visit, S3)
            seeded.visits.append((again, S3))
        if package is None:
            continue
        if spec.review_on is not None:
            seeded.reviews.append(_review(seeded, spec, visit, package))
        if spec.paid:
            package = packages.record_payment(
                store, officer, package.id, PaymentMethod.BANK_TRANSFER, f"BACS-77{i:02d}"
            )
        seeded.packages.append((package, spec.capitals))
    return seeded


def _decide(seeded: Seeded, spec: Spec, visit: Visit) -> Package | None:
    store, rules, officer = seeded.store, seeded.rules, seeded.officer
    approver = seeded.staff[1]
    if spec.decision == "none":
        return None
    day = spec.decided_on or spec.visit_on
    package = packages.propose(store, officer, rules, visit.id, [], spec.visit_on)
    if spec.decision in ("spot", "withdraw"):
        assert package.route == "officer"
        package = packages.approve_on_the_spot(store, officer, rules, package.id, spec.visit_on)
        if spec.decision == "withdraw":
            package = packages.withdraw(store, officer, package.id, "Moved away", day)
        return package
    assert package.route == "manager"
    packages.send_to_manager(store, officer, package.id)
    if spec.decision == "reject":
        return packages.reject(store, approver, package.id, "Covered by the landlord")
    return packages.approve(store, approver, rules, package.id, day)


def _review(seeded: Seeded, spec: Spec, visit: Visit, package: Package) -> RecordedReview:
    assert spec.review_on is not None
    stored = visits.stored_recommendation(seeded.store, visit.id)
    assert stored is not None
    made = [str(r["clause"]) for r in stored["referrals"]]
    outcomes = Outcomes(
        home_kept=spec.home_kept,
        job_started=spec.job,
        hours_restored=spec.hours,
        debt_plan_in_place=spec.debt_plan,
        referrals_taken_up={c: n < spec.take_up for n, c in enumerate(made)},
    )
    f, m, s, h = spec.scores
    reviews.record_review(
        seeded.store,
        seeded.officer,
        _review_id(seeded.store, package.id),
        Capitals(financial=f, mental=m, social=s, human=h),
        outcomes,
        spec.review_on,
        notes=f"{FIRST_NAMES[0]} said things are better.",
    )
    return RecordedReview(package, spec.capitals, spec.scores, outcomes, spec.review_on)


# -- what the figures must be, worked out here ----------------------------------------------


def in_period(day: date | None) -> bool:
    return day is not None and PERIOD_FROM <= day <= PERIOD_TO


@dataclass
class Expected:
    households_seen: int
    visits: int
    visits_by_stage: dict[int, int]
    packages_by_stage: dict[int, int]
    packages_by_route: dict[str, int]
    packages_by_status: dict[str, int]
    spend: dict[date, tuple[int, int, int, int]]
    referrals_made: dict[str, int]
    referrals_asked: dict[str, int]
    referrals_taken: dict[str, int]
    reviews_due: int
    reviews_done: int
    reviews_on_time: int
    reviews_overdue: int
    outcomes: ev.OutcomeCounts
    capitals: dict[str, tuple[int, int, int]]
    movement: ev.StageMovement
    reviewed_awards: int
    costs: list[tuple[str, int, int]]  # (outcome, count, pence)
    costs_avoided: int


def expected_figures(seeded: Seeded) -> Expected:
    """Every figure of the period from the seed's own records, without the service's SQL."""
    period_visits = [(v, caps) for v, caps in seeded.visits if in_period(v.visit_date)]
    made: Counter[str] = Counter()
    for visit, _caps in period_visits:
        stored = visits.stored_recommendation(seeded.store, visit.id) or {}
        made.update(str(r["clause"]) for r in stored.get("referrals", []))
    period_packages = [(p, caps) for p, caps in seeded.packages if in_period(p.visit_date)]
    live = [p for p, _caps in seeded.packages if p.status in APPROVED_STATUSES]
    spend: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in live:
        if in_period(p.approved_on):
            assert p.approved_on is not None
            month = spend[p.approved_on.replace(day=1)]
            month[0] += 1
            month[1] += p.total_pence
            if p.status is PackageStatus.PAID:
                month[2] += 1
                month[3] += p.total_pence
    recorded = {r.package.id: r for r in seeded.reviews}
    done = [r for r in seeded.reviews if in_period(r.completed_on)]
    due = {p.id: p.approved_on + timedelta(days=84) for p in live if p.approved_on}
    asked: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    for r in done:
        asked.update(list(r.outcomes.referrals_taken_up))  # each clause asked about once
        taken.update(c for c, yes in r.outcomes.referrals_taken_up.items() if yes)
    outcomes = ev.OutcomeCounts(
        home_kept=sum(r.outcomes.home_kept is True for r in done),
        home_lost=sum(r.outcomes.home_kept is False for r in done),
        home_not_at_risk=sum(r.outcomes.home_kept is None for r in done),
        job_started=sum(r.outcomes.job_started for r in done),
        hours_restored=sum(r.outcomes.hours_restored for r in done),
        training_started=sum(r.outcomes.training_started for r in done),
        debt_plan_in_place=sum(r.outcomes.debt_plan_in_place for r in done),
        referrals_taken_up=sum(taken.values()),
        referrals_not_taken_up=sum(asked.values()) - sum(taken.values()),
    )
    capitals = {
        name: (
            len(done),
            sum(r.visit_capitals[i] for r in done),
            sum(r.scores[i] for r in done),
        )
        for i, name in enumerate(("financial", "mental", "social", "human"))
    }
    moves: Counter[str] = Counter()
    for r in done:
        was, now = stage_for(*r.visit_capitals), stage_for(*r.scores)
        moves["better" if now < was else "worse" if now > was else "same"] += 1
    unit_costs = tomllib.loads((paths.resources_dir() / "unit_costs.toml").read_text("utf-8"))
    counts = {
        "home_kept": outcomes.home_kept,
        "job_started": outcomes.job_started,
        "hours_restored": outcomes.hours_restored,
        "training_started": outcomes.training_started,
        "debt_plan_in_place": outcomes.debt_plan_in_place,
        "referral_taken_up": outcomes.referrals_taken_up,
    }
    costs = [(u["outcome"], counts[u["outcome"]], u["pence"]) for u in unit_costs["unit_cost"]]
    # Gross fiscal costs avoided, each unit cost put in the report's price year by hand
    # with the deflators file: pence x index[report year] / index[price year], half up.
    factors = tomllib.loads((paths.resources_dir() / "savings_factors.toml").read_text("utf-8"))
    index = tomllib.loads((paths.resources_dir() / "gdp_deflators.toml").read_text("utf-8"))
    index = {year: Decimal(str(value)) for year, value in index["index"].items()}

    def in_report_prices(u: dict[str, Any]) -> int:
        real = u["pence"] * index[factors["price_year"]] / index[u["price_year"]]
        return int(real.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    costs_avoided = sum(
        counts[u["outcome"]] * in_report_prices(u)
        for u in unit_costs["unit_cost"]
        if u["kind"] == "fiscal" and not 0 < counts[u["outcome"]] < 5
    )
    return Expected(
        households_seen=len({v.household_id for v, _caps in period_visits}),
        visits=len(period_visits),
        visits_by_stage=dict(Counter(int(stage_for(*caps)) for _v, caps in period_visits)),
        packages_by_stage=dict(Counter(int(stage_for(*caps)) for _p, caps in period_packages)),
        packages_by_route=dict(Counter(p.route for p, _caps in period_packages)),
        packages_by_status=dict(Counter(p.status.value for p, _caps in period_packages)),
        spend={m: (a, b, c, d) for m, (a, b, c, d) in spend.items()},
        referrals_made=dict(made),
        referrals_asked=dict(asked),
        referrals_taken=dict(taken),
        reviews_due=sum(in_period(d) for d in due.values()),
        reviews_done=len(done),
        reviews_on_time=sum(r.completed_on <= due[r.package.id] for r in done),
        reviews_overdue=sum(
            d < PERIOD_TO and (p not in recorded or recorded[p].completed_on > PERIOD_TO)
            for p, d in due.items()
        ),
        outcomes=outcomes,
        capitals=capitals,
        movement=ev.StageMovement(**moves),
        reviewed_awards=sum(r.package.total_pence for r in done),
        costs=costs,
        costs_avoided=costs_avoided,
    )


def nonzero(counts: dict[object, int]) -> dict[object, int]:
    return {k: v for k, v in counts.items() if v}


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    store = Store.open_local(tmp_path_factory.mktemp("pilot") / "store.db")
    yield seed_pilot(store)
    store.dispose()


@pytest.fixture(scope="module")
def figures(seeded: Seeded) -> ev.EvaluationFigures:
    return ev.evaluation_figures(seeded.store, seeded.manager, PERIOD_FROM, PERIOD_TO, today=TODAY)


def test_the_seed_is_the_pilot_we_meant(seeded: Seeded) -> None:
    """Guard the seed itself, so the figures below test what they say they test."""
    expected = expected_figures(seeded)
    assert expected.households_seen == 15 and expected.visits == 16
    assert expected.visits_by_stage == {3: 11, 4: 3, 2: 2}
    assert expected.packages_by_stage == {3: 10, 4: 3}
    assert expected.packages_by_status == {
        "paid": 2,
        "approved_on_the_spot": 5,
        "approved": 4,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert expected.reviews_done == 8 and expected.reviews_overdue == 2
    assert expected.outcomes.home_kept == 6 and expected.outcomes.job_started == 2


def test_figures_equal_those_worked_out_from_the_records(
    seeded: Seeded, figures: ev.EvaluationFigures
) -> None:
    expected = expected_figures(seeded)
    assert figures.as_at == PERIOD_TO
    assert figures.households_seen == expected.households_seen
    assert figures.visits == expected.visits
    assert nonzero(figures.visits_by_stage) == expected.visits_by_stage
    assert figures.packages == sum(expected.packages_by_status.values())
    assert nonzero(figures.packages_by_stage) == expected.packages_by_stage
    assert nonzero(figures.packages_by_route) == expected.packages_by_route
    assert nonzero(figures.packages_by_status) == expected.packages_by_status
    spend = {
        m.month: (m.approvals, m.approved_pence, m.payments, m.paid_pence)
        for m in figures.spend_by_month
        if m.approvals
    }
    assert spend == expected.spend
    assert [m.month for m in figures.spend_by_month] == [
        date(2026, month, 1) for month in range(6, 13)
    ]
    assert figures.fund_years == ("2026-27",) and figures.fund_budget_pence == BUDGET
    assert {r.clause: r.made for r in figures.referrals if r.made} == expected.referrals_made
    assert {r.clause: r.asked for r in figures.referrals if r.asked} == expected.referrals_asked
    assert {
        r.clause: r.taken_up for r in figures.referrals if r.taken_up
    } == expected.referrals_taken
    assert figures.reviews_due == expected.reviews_due
    assert figures.reviews_done == expected.reviews_done
    assert figures.reviews_on_time == expected.reviews_on_time
    assert figures.reviews_overdue == expected.reviews_overdue
    assert figures.outcomes == expected.outcomes
    assert {
        c.capital: (c.compared, c.before_total, c.after_total) for c in figures.capitals
    } == expected.capitals
    assert figures.stage_movement == expected.movement
    assert figures.reviewed_awards_pence == expected.reviewed_awards
    assert [(c.unit.outcome, c.count, c.unit.pence) for c in figures.costs] == expected.costs
    assert figures.costs_avoided_pence == expected.costs_avoided > 0


def test_averages_of_the_four_capitals(figures: ev.EvaluationFigures) -> None:
    financial = next(c for c in figures.capitals if c.capital == "financial")
    # Every reviewed visit scored financial 2; the eight reviews scored 1, 1, 2, 1, 0, 1, 1, 2.
    assert financial.average_before == 2.0
    assert financial.average_after == pytest.approx(9 / 8)
    assert financial.average_change == pytest.approx(9 / 8 - 2)


def test_a_different_period_counts_only_its_own_records(seeded: Seeded) -> None:
    june = ev.evaluation_figures(
        seeded.store, seeded.manager, date(2026, 6, 1), date(2026, 6, 30), today=TODAY
    )
    assert (june.households_seen, june.visits, june.packages, june.approvals) == (5, 5, 5, 5)
    assert june.reviews_done == 0 and june.reviews_overdue == 0  # none due by 30 June
    before = ev.evaluation_figures(
        seeded.store, seeded.manager, date(2026, 5, 1), date(2026, 5, 31), today=TODAY
    )
    assert (before.households_seen, before.packages, before.approvals) == (1, 0, 0)
    # A period ending in the future counts overdue reviews as at today, not its end.
    ahead = ev.evaluation_figures(
        seeded.store, seeded.manager, PERIOD_FROM, date(2027, 3, 31), today=date(2026, 10, 7)
    )
    assert ahead.as_at == date(2026, 10, 7)
    assert ahead.reviews_overdue == 1  # the review due 06/10/2026; the other is due 04/11
    assert ahead.fund_years == ("2026-27",)


def test_only_a_manager_and_a_sensible_period(seeded: Seeded) -> None:
    with pytest.raises(PermissionRefused):
        ev.evaluation_figures(seeded.store, seeded.officer, PERIOD_FROM, PERIOD_TO)
    with pytest.raises(InvalidInput):
        ev.evaluation_figures(seeded.store, seeded.manager, PERIOD_TO, PERIOD_FROM)


# -- disclosure control ------------------------------------------------------------------------


def test_present_suppresses_small_counts_and_what_rests_on_them() -> None:
    assert [ev.present(ev.Figure(n)) for n in (0, 1, 4, 5, 1234)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "1,234",
    ]
    assert (
        ev.present(
            ev.Figure(
                1234,
            ),
            plain=True,
        )
        == "1234"
    )
    assert ev.present(ev.money(45_000, 1)) == "suppressed (fewer than 5)"
    assert ev.present(ev.money(0, 0)) == "£0.00"
    assert ev.present(ev.money(123_450, 7)) == "£1,234.50"
    assert ev.present(ev.money(123_450, 7), plain=True) == "1234.50"
    assert ev.present(ev.Figure(None, ev.Kind.SCORE, 0)) == "n/a"
    assert ev.present(ev.Figure(-0.875, ev.Kind.CHANGE, 8)) == "-0.88"
    assert ev.present(ev.Figure(-0.875, ev.Kind.CHANGE, 3)) == "suppressed (fewer than 5)"
    assert ev.present(ev.Figure(1_950_000, ev.Kind.MONEY)) == "£19,500.00"  # not from records
    assert ev.present(ev.Figure(9, withheld=True)) == "withheld"
    assert not ev.Figure(3).shown and ev.Figure(3).plotted() == 0.0


def test_a_lone_small_cell_cannot_be_had_from_the_total() -> None:
    counts = [0, 2, 9, 6]
    cells = [(str(i), [ev.count(n)]) for i, n in enumerate(counts)]
    t = ev.table("t", "T", "Stage", ["Count"], cells, [ev.count(sum(counts))])
    assert [ev.present(r.cells[0]) for r in t.rows] == ["0", "fewer than 5", "9", "withheld"]
    two = ev.table("t", "T", "S", ["Count"], ((str(n), [ev.count(n)]) for n in (2, 3, 9)),
                   [ev.count(14)])  # fmt: skip
    assert [ev.present(r.cells[0]) for r in two.rows] == ["fewer than 5", "fewer than 5", "9"]
    no_total = ev.table("t", "T", "S", ["Count"], ((str(n), [ev.count(n)]) for n in (2, 9)))
    assert [ev.present(r.cells[0]) for r in no_total.rows] == ["fewer than 5", "9"]


def test_the_seeded_tables_are_anonymised(figures: ev.EvaluationFigures) -> None:
    tables = {t.key: t for t in ev.anonymised_tables(figures)}
    shown = {
        key: {r.label: [ev.present(c) for c in r.cells] for r in t.rows}
        for key, t in tables.items()
    }
    assert shown["visits_by_stage"] == {
        "1 Coping": ["0"],
        "2 Stretched": ["fewer than 5"],
        "3 Under pressure": ["11"],
        "4 Depressed and despairing": ["fewer than 5"],
    }
    # One small cell (stage 4) beside a total: stage 3 is withheld, or 13 - 10 gives it away.
    assert shown["packages_by_stage"]["3 Under pressure"] == ["withheld"]
    assert shown["packages_by_stage"]["4 Depressed and despairing"] == ["fewer than 5"]
    total = tables["packages_by_stage"].total
    assert total is not None and ev.present(total.cells[0]) == "13"
    # June: five approvals of £120; two of them paid (fewer than 5, so their sum is hidden).
    assert shown["spend_by_month"]["June 2026"] == ["5", "£600.00", "suppressed (fewer than 5)"]
    assert shown["spend_by_month"]["July 2026"] == [
        "fewer than 5",
        "suppressed (fewer than 5)",
        "£0.00",
    ]
    assert shown["home"] == {
        "Home kept": ["6"],
        "Home lost": ["fewer than 5"],
        "Home was not at risk": ["fewer than 5"],
    }
    assert shown["outcomes"]["Job started"] == ["fewer than 5"]
    assert shown["outcomes"]["Training started"] == ["0"]
    costs = {r.label.split(":")[0]: [ev.present(c) for c in r.cells] for r in tables["costs"].rows}
    # Count, unit value (2025-26 prices already), gross and net low, central, high.
    assert costs["Job started"] == ["fewer than 5", "£4,801.68"] + [ev.SUPPRESSED] * 4
    assert costs["Debt plan in place"][0] == "7"


def test_unit_costs_are_estimates_with_sources(tmp_path: Path) -> None:
    costs = ev.load_unit_costs()
    assert "estimate" in costs.label.lower()
    assert {c.outcome for c in costs.unit_cost} >= {
        "home_kept",
        "job_started",
        "hours_restored",
        "debt_plan_in_place",
    }
    assert all(c.source and c.price_year and c.valid_from and c.note for c in costs.unit_cost)
    bad = tmp_path / "unit_costs.toml"
    bad.write_text('label = "x"\n[[unit_cost]]\noutcome = "moon_landing"\n', "utf-8")
    with pytest.raises(ev.UnitCostsInvalid, match=r"unit_cost\.0\.outcome"):
        ev.load_unit_costs(bad)
    bad.write_text("label = \n", "utf-8")
    with pytest.raises(ev.UnitCostsInvalid, match=str(bad)):
        ev.load_unit_costs(bad)
