"""Policy part 6 through the services: nothing a screen or script does can get round it."""

from pathlib import Path

import pytest
from sqlmodel import select

from caseworker.domain.packages import PackageStatus, PaymentMethod
from caseworker.domain.rules import Adjustment
from caseworker.services import fund, households, packages
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.services.fund import FundRefused
from caseworker.services.packages import DecisionRefused
from caseworker.store.tables import FundEntryRow, PackageEventRow
from tests.services.packages_fixtures import TODAY, Team, add_visit, make_team, new_case


@pytest.fixture
def team(tmp_path: Path) -> Team:
    made = make_team(tmp_path / "store.db")
    yield made
    made.store.dispose()


def _counts(team: Team) -> tuple[int, int]:
    with team.store.read() as session:
        return (
            len(session.exec(select(PackageEventRow)).all()),
            len(session.exec(select(FundEntryRow)).all()),
        )


def test_todays_yes_spends_the_officers_allowance(team: Team) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=12_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    assert package.route == "officer" and package.total_pence == 12_000
    assert package.items[0].clause == "5.1"
    approved = packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    assert approved.status is PackageStatus.APPROVED_ON_SPOT
    assert fund.allowance_left(team.store, officer, TODAY) == 50_000 - 12_000
    view = fund.fund_view(team.store, team.managers[0], TODAY)
    assert view.balances.approved_pence == 12_000
    assert view.balances.unallocated_pence == 200_000 - 2 * 50_000


def test_above_250_goes_to_a_manager(team: Team) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=25_001)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    assert package.route == "manager"
    with pytest.raises(DecisionRefused, match=r"6\.2"):
        packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    assert packages.get_package(team.store, package.id).status is PackageStatus.RECOMMENDED
    assert fund.allowance_left(team.store, officer, TODAY) == 50_000


def test_exactly_250_and_within_allowance_is_todays_yes(team: Team) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=25_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    visit = new_case(team, officer, rent_arrears_pence=25_000)  # allowance left: exactly £250
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    assert fund.allowance_left(team.store, officer, TODAY) == 0
    visit = new_case(team, officer, rent_arrears_pence=100)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    assert package.route == "manager"
    with pytest.raises(DecisionRefused, match="allowance"):
        packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)


def test_exception_needs_reason_and_a_manager(team: Team) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=10_000)
    with pytest.raises(DecisionRefused, match="written reason"):
        packages.propose(
            team.store, officer, team.rules, visit.id, [Adjustment("5.1", 15_000)], TODAY
        )
    package = packages.propose(
        team.store,
        officer,
        team.rules,
        visit.id,
        [Adjustment("5.1", 15_000, "Landlord's fees on top")],
        TODAY,
    )
    assert package.route == "manager" and package.has_exception
    with pytest.raises(DecisionRefused, match=r"6\.5"):
        packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)


def test_manager_approval_rules(team: Team) -> None:
    officer, (boss, other_boss) = team.officers[0], team.managers
    visit = new_case(team, officer, rent_arrears_pence=40_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    with pytest.raises(PermissionRefused, match="Only a team manager"):
        packages.approve(team.store, officer, team.rules, package.id, TODAY)
    packages.declare_conflict(team.store, boss, package.household_id, "My neighbour")
    with pytest.raises(DecisionRefused, match="conflict of interest"):
        packages.approve(team.store, boss, team.rules, package.id, TODAY)
    with pytest.raises(InvalidInput, match="lower this"):
        packages.approve(team.store, other_boss, team.rules, package.id, TODAY, {"5.1": 45_000})
    approved = packages.approve(
        team.store, other_boss, team.rules, package.id, TODAY, {"5.1": 35_000}
    )
    assert approved.status is PackageStatus.APPROVED and approved.total_pence == 35_000
    view = fund.fund_view(team.store, boss, TODAY)
    assert view.balances.unallocated_pence == 100_000 - 35_000
    events, entries = _counts(team)
    with pytest.raises(DecisionRefused, match="cannot now be approved"):
        packages.approve(team.store, other_boss, team.rules, package.id, TODAY)  # double-click
    assert _counts(team) == (events, entries)


def test_manager_cannot_approve_own_package(team: Team) -> None:
    boss = team.managers[0]
    visit = new_case(team, boss, rent_arrears_pence=40_000)
    package = packages.propose(team.store, boss, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, boss, package.id)
    with pytest.raises(DecisionRefused, match=r"6\.4"):
        packages.approve(team.store, boss, team.rules, package.id, TODAY)


def test_reject_withdraw_pay(team: Team) -> None:
    officer, boss = team.officers[0], team.managers[0]
    visit = new_case(team, officer, rent_arrears_pence=30_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    with pytest.raises(InvalidInput, match="say why"):
        packages.reject(team.store, boss, package.id, "  ")
    rejected = packages.reject(team.store, boss, package.id, "Landlord already paid")
    assert rejected.status is PackageStatus.REJECTED
    with pytest.raises(DecisionRefused, match="cannot now be"):
        packages.withdraw(team.store, officer, package.id, "changed mind", TODAY)

    visit = new_case(team, officer, rent_arrears_pence=20_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    packages.withdraw(team.store, officer, package.id, "Family moved away", TODAY)
    assert fund.allowance_left(team.store, officer, TODAY) == 50_000  # the money came back
    with pytest.raises(DecisionRefused, match="Only an approved package can be paid"):
        packages.record_payment(team.store, officer, package.id, PaymentMethod.VOUCHER, "V1")

    visit = new_case(team, officer, rent_arrears_pence=20_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    with pytest.raises(InvalidInput, match="Reference"):
        packages.record_payment(team.store, officer, package.id, PaymentMethod.BANK_TRANSFER, "")
    paid = packages.record_payment(
        team.store, officer, package.id, PaymentMethod.BANK_TRANSFER, "BACS-0042"
    )
    assert paid.status is PackageStatus.PAID
    assert fund.fund_view(team.store, boss, TODAY).balances.paid_pence == 20_000
    with pytest.raises(DecisionRefused):
        packages.withdraw(team.store, officer, package.id, "too late", TODAY)


def test_household_cap_counts_awards_of_the_last_365_days(team: Team) -> None:
    officer, boss = team.officers[0], team.managers[1]
    visit = new_case(team, officer, rent_arrears_pence=50_000)
    first = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, first.id)
    packages.approve(team.store, boss, team.rules, first.id, TODAY)
    # A later visit for the same household: £800 cap (2026-10) less £500 already awarded.
    household = households.get_household(team.store, first.household_id)
    second_visit = add_visit(team.store, officer, household, food=True, day=TODAY)
    recommendation = packages.recommend(team.store, officer, team.rules, second_visit.id, TODAY)
    assert recommendation.total_pence == 30_000
    assert recommendation.cap_reduction is not None


def test_fund_movements_refused_when_they_do_not_add_up(team: Team) -> None:
    officer, boss = team.officers[0], team.managers[0]
    with pytest.raises(InvalidInput, match=r"more than £0\.00"):
        fund.grant_allowance(team.store, boss, officer.id, 0, TODAY)
    with pytest.raises(InvalidInput):
        fund.grant_allowance(team.store, boss, officer.id, -500, TODAY)
    with pytest.raises(FundRefused, match="unallocated"):
        fund.grant_allowance(team.store, boss, officer.id, 100_001, TODAY)
    with pytest.raises(PermissionRefused):
        fund.grant_allowance(team.store, officer, officer.id, 1_000, TODAY)
    with pytest.raises(FundRefused, match="allowance has only"):
        fund.return_allowance(team.store, officer, 50_001, TODAY)
    fund.move_allowance(team.store, boss, officer, team.officers[1].id, 20_000, TODAY)
    assert fund.allowance_left(team.store, officer, TODAY) == 30_000
    assert fund.allowance_left(team.store, team.officers[1], TODAY) == 70_000


def test_a_withdrawn_package_cannot_be_approved(team: Team) -> None:
    officer, boss = team.officers[0], team.managers[1]
    visit = new_case(team, officer, rent_arrears_pence=40_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    packages.withdraw(team.store, officer, package.id, "Family found the money", TODAY)
    before = _counts(team)
    with pytest.raises(DecisionRefused, match="withdrawn; it cannot now be approved"):
        packages.approve(team.store, boss, team.rules, package.id, TODAY)
    assert _counts(team) == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [(-100, "must not be negative"), (30_001, "item's cap"), (100_000, "item's cap")],
)
def test_officer_amounts_outside_the_rules_are_refused(
    team: Team, amount: int, message: str
) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=10_000)
    with pytest.raises(DecisionRefused, match=message):
        packages.propose(
            team.store,
            officer,
            team.rules,
            visit.id,
            [Adjustment("5.2", amount, "Arrears found later")],
            TODAY,
        )
    assert packages.packages_of(team.store, visit.household_id) == []
