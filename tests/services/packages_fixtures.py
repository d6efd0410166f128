"""A store with users, an open fund and households whose visits recommend known packages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from caseworker.domain.household import (
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.rules import RuleSet, load_rules
from caseworker.domain.users import Role, User
from caseworker.domain.visit import Visit
from caseworker.services import fund, households, users, visits
from caseworker.store.database import Store
from tests.conftest import FIXED_TODAY, PASSWORD

TODAY = FIXED_TODAY  # the fixed clock's date: records made "now" fall on it
VISIT_DAY = date(2026, 11, 20)
BUDGET = 200_000  # £2,000: small, so the tests reach the fund's limits


@dataclass
class Team:
    store: Store
    rules: RuleSet
    managers: list[User]
    officers: list[User]


def rules() -> RuleSet:
    ruleset, problems = load_rules(None)
    assert not problems
    return ruleset


def rules_with(folder: Path, edits: dict[str, str]) -> RuleSet:
    """The shipped rules copied into ``folder`` with lines of every version edited
    (shipped line → edited line): a council that changes a window or figure edits its
    version files, not the code."""
    import shutil

    from caseworker.domain.rules.loader import default_rules_dir, load_folders

    shutil.copytree(default_rules_dir(), folder)
    for version in (folder / "versions").glob("*.yaml"):
        text = version.read_text(encoding="utf-8")
        for shipped, edited in edits.items():
            assert shipped in text, (version, shipped)
            text = text.replace(shipped, edited)
        version.write_text(text, "utf-8")
    edited_rules, problems = load_folders([folder])
    assert edited_rules is not None and not problems, problems
    return edited_rules


def household_with_arrears(rent_arrears_pence: int, food: bool = False) -> Household:
    """Eligible (SE15, stage 3, hours cut last month, little savings): 5.1 = the arrears."""
    lead = Member(
        first_name="Ama",
        surname="Mensah",
        date_of_birth=date(1988, 5, 4),
        relationship=Relationship.LEAD,
        work_status=WorkStatus.EMPLOYED,
        reduced_hours=True,
        earnings_fell_on=date(2026, 10, 1),
        earnings_fall_reason=IncomeDropReason.REDUCED_HOURS,
    )
    return Household(
        postcode="SE15 4QF",
        tenure=Tenure.PRIVATE_RENTER,
        savings_pence=20_000,
        rent_arrears_pence=rent_arrears_pence,
        mortgage_arrears_pence=0,
        utility_arrears_pence=0,
        council_tax_arrears_pence=0,
        other_debts_pence=0,
        benefits=[],
        members=[lead],
    )


def add_visit(
    store: Store,
    officer: User,
    household: Household,
    food: bool = False,
    day: date = VISIT_DAY,
    rules: RuleSet | None = None,
) -> Visit:
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": day.strftime("%d/%m/%Y"),
            "financial": "2",
            "mental": "1",
            "social": "1",
            "human": "1",
            "no_money_for_food_or_fuel": food,
        }
    )
    return visits.record_visit(store, officer, visit, rules=rules)


def make_team(
    path: Path,
    officers: int = 2,
    managers: int = 2,
    allowance: int = 50_000,
    budget: int = BUDGET,
) -> Team:
    return team_on(Store.open_local(path), officers, managers, allowance, budget)


def team_on(
    store: Store,
    officers: int = 2,
    managers: int = 2,
    allowance: int = 50_000,
    budget: int = BUDGET,
) -> Team:
    """A team on a store already open (a laptop's, or a shared store on PostgreSQL)."""
    first = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    team_managers = [first] + [
        users.add_user(store, first, f"Manager {i}", f"TM0{i + 1}", Role.MANAGER, PASSWORD)
        for i in range(1, managers)
    ]
    team_officers = [
        users.add_user(store, first, f"Officer {i}", f"OF0{i + 1}", Role.OFFICER, PASSWORD)
        for i in range(officers)
    ]
    fund.open_fund(store, first, budget, TODAY)
    for officer in team_officers:
        fund.grant_allowance(store, first, officer.id, allowance, TODAY)
    return Team(store, rules(), team_managers, team_officers)


def new_case(team: Team, officer: User, rent_arrears_pence: int, food: bool = False) -> Visit:
    household = households.create_household(
        team.store, officer, household_with_arrears(rent_arrears_pence)
    )
    return add_visit(team.store, officer, household, food)
