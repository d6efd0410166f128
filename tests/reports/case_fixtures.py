"""Cases for the PDF tests and the benchmark: a store with users, a fund, households
whose names are in several scripts, visits with stored recommendations, and packages
that were changed, rejected, approved and paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from caseworker.domain.household import (
    Benefit,
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.packages import PaymentMethod
from caseworker.domain.rules import Adjustment
from caseworker.domain.users import User
from caseworker.domain.visit import NeedCategory, Visit
from caseworker.services import households, packages, visits
from tests.services.packages_fixtures import TODAY, VISIT_DAY, Team

FIRST_VISIT = date(2026, 6, 15)
NOTE = (
    "PRIVATE NOTE: Zoë said the landlord has served a section 21 notice and she has "
    "not slept properly for weeks. Do not share with the landlord."
)
REJECT_REASON = "The court fee is covered by the landlord's own hardship scheme."
EXCEPTION_REASON = "Landlord's court fee added to the arrears this week."
PAYMENT_REF = "BACS-0042"

MEMBERS = [
    Member(
        first_name="Zoë",
        surname="O'Brien-Smith",
        date_of_birth=date(1985, 3, 12),
        relationship=Relationship.LEAD,
        work_status=WorkStatus.EMPLOYED,
        reduced_hours=True,
        earnings_fell_on=date(2026, 5, 1),
        earnings_fall_reason=IncomeDropReason.REDUCED_HOURS,
    ),
    Member(
        first_name="Łukasz",
        surname="Wójcik",
        date_of_birth=date(1983, 9, 30),
        relationship=Relationship.PARTNER,
        work_status=WorkStatus.UNEMPLOYED,
    ),
    Member(
        first_name="Lan",
        surname="Nguyễn",
        date_of_birth=date(1960, 1, 2),
        relationship=Relationship.PARENT,
        work_status=WorkStatus.NOT_WORKING,
    ),
    Member(
        first_name="김민준",  # the name in Hangul as given, family name first
        surname="Kim",
        date_of_birth=date(2015, 7, 1),
        relationship=Relationship.CHILD,
        in_education_or_training=True,
    ),
]


def household(members: list[Member] | None = None) -> Household:
    return Household(
        address_line1="Flat 3, 12 Rye Lane",
        town="London",
        postcode="SE15 4QF",
        phone="07700 900123",
        tenure=Tenure.PRIVATE_RENTER,
        savings_pence=123_450,  # £1,234.50
        rent_arrears_pence=40_000,
        mortgage_arrears_pence=0,
        utility_arrears_pence=0,
        council_tax_arrears_pence=None,  # not recorded
        other_debts_pence=150_000,
        benefits=[Benefit.CHILD_BENEFIT],
        members=[m.model_copy(update={"id": uuid.uuid4()}) for m in (members or MEMBERS)],
    )


def visit(
    team: Team,
    officer: User,
    household_id: object,
    day: date,
    note: str = NOTE,
    food: bool = True,
) -> Visit:
    built = visits.build_visit(
        {
            "household_id": str(household_id),
            "visit_date": day.strftime("%d/%m/%Y"),
            "venue": "Peckham Library drop-in",
            "point_of_need": note,
            "need_categories": [NeedCategory.HOUSING_COSTS, NeedCategory.FOOD_OR_FUEL],
            "financial": "3",
            "mental": "2",
            "social": "2",
            "human": "1",
            "family_strain": True,
            "no_money_for_food_or_fuel": food,
        }
    )
    return visits.record_visit(team.store, officer, built, rules=team.rules)


@dataclass
class RichCase:
    household: Household
    first_visit: Visit
    second_visit: Visit
    rejected_package_id: object
    paid_package_id: object


def rich_case(
    team: Team,
    note: str = NOTE,
    members: list[Member] | None = None,
    reject_reason: str = REJECT_REASON,
) -> RichCase:
    """Two visits: the first package (with an exception) rejected; the second (lowered by
    the officer) approved by a manager and paid by bank transfer."""
    officer, boss, other_boss = team.officers[0], team.managers[0], team.managers[1]
    made = households.create_household(team.store, officer, household(members))
    changed = made.model_copy(update={"email": "zoe@example.com"})
    households.update_household(team.store, officer, changed)
    first = visit(team, officer, made.id, FIRST_VISIT, note)
    rejected = packages.propose(
        team.store,
        officer,
        team.rules,
        first.id,
        [Adjustment("5.1", 45_000, EXCEPTION_REASON)],
        TODAY,
    )
    packages.send_to_manager(team.store, officer, rejected.id)
    packages.reject(team.store, boss, rejected.id, reject_reason)
    second = visit(team, officer, made.id, VISIT_DAY, note)
    paid = packages.propose(
        team.store, officer, team.rules, second.id, [Adjustment("5.1", 35_000)], TODAY
    )
    packages.send_to_manager(team.store, officer, paid.id)
    packages.approve(team.store, other_boss, team.rules, paid.id, TODAY)
    packages.record_payment(team.store, officer, paid.id, PaymentMethod.BANK_TRANSFER, PAYMENT_REF)
    return RichCase(made, first, second, rejected.id, paid.id)


def simple_case(team: Team, officer: User, rent_arrears_pence: int = 12_000) -> Household:
    """A typical case: one visit, a package approved on the spot."""
    made = households.create_household(team.store, officer, household())
    recorded = visit(team, officer, made.id, VISIT_DAY, food=False)
    package = packages.propose(
        team.store,
        officer,
        team.rules,
        recorded.id,
        [Adjustment("5.1", rent_arrears_pence)],
        TODAY,
    )
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    return made


def twelve_members() -> list[Member]:
    extra = [
        Member(
            first_name=f"Child{n:02d}",
            surname="Nguyễn-Wójcik",
            date_of_birth=date(2008 + n % 10, 1 + n % 12, 1 + n),
            relationship=Relationship.CHILD,
        )
        for n in range(8)
    ]
    return [*MEMBERS, *extra]


def awaiting_case(team: Team, lead: Member | None = None) -> Household:
    """One visit whose package waits for a team manager."""
    officer = team.officers[0]
    members = [lead] if lead is not None else None
    made = households.create_household(team.store, officer, household(members))
    recorded = visit(team, officer, made.id, VISIT_DAY)
    package = packages.propose(team.store, officer, team.rules, recorded.id, [], TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    return made


def bare_case(team: Team) -> Household:
    """A household with no visit yet, and little recorded."""
    lead = Member(first_name="Ana", surname="Lima", relationship=Relationship.LEAD)
    return households.create_household(
        team.store, team.officers[0], Household(postcode="SE5 8AA", members=[lead])
    )
