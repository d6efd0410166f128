"""Retention: quiet households are listed, then de-identified with the audit chain intact."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from caseworker import paths
from caseworker.domain.packages import PaymentMethod
from caseworker.services import households, packages, retention, visits
from caseworker.services.audit_check import verify_store
from caseworker.services.errors import NotFound, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.tables import PackageRow, VisitRow
from tests.services.packages_fixtures import TODAY, Team, make_team, new_case, rules_with, team_on

SECRETS = ("Ama", "Mensah", "SE15 4QF", "1988-05-04", "Landlord fees for Ama", "BACS-77")


@pytest.fixture
def team(data_dir: Path) -> Team:
    made = make_team(paths.local_store_path())
    yield made
    made.store.dispose()


def _paid_case(team: Team) -> packages.Package:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=12_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    packages.record_payment(team.store, officer, package.id, PaymentMethod.BANK_TRANSFER, "BACS-77")
    return package


def test_only_households_quiet_for_six_years_are_listed(team: Team) -> None:
    package = _paid_case(team)
    boss = team.managers[0]
    assert retention.due_for_retention(team.store, boss, team.rules, TODAY) == []
    later = date(2032, 12, 1)  # six years after the last visit and payment
    [due] = retention.due_for_retention(team.store, boss, team.rules, later)
    assert due.household_id == package.household_id
    assert retention.due_for_retention(team.store, boss, team.rules, date(2032, 11, 1)) == []
    with pytest.raises(PermissionRefused):
        retention.due_for_retention(team.store, team.officers[0], team.rules, later)


def test_deidentify_erases_personal_data_keeps_figures_and_chain(team: Team) -> None:
    package = _paid_case(team)
    officer, boss = team.officers[0], team.managers[0]
    visit = new_case(team, officer, rent_arrears_pence=30_000)  # another household, kept
    withdrawn = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.withdraw(team.store, officer, withdrawn.id, "Landlord fees for Ama", TODAY)
    target = package.household_id
    retention.deidentify(team.store, boss, target)

    with pytest.raises(NotFound, match="de-identified"):
        households.get_household(team.store, target)
    assert households.search(team.store, "Mensah")[0].id != target
    with team.store.read() as session:
        [kept_visit] = session.exec(select(VisitRow).where(VisitRow.household_id == target))
        assert kept_visit.financial == 2 and kept_visit.stage == 3
        [kept_package] = session.exec(select(PackageRow).where(PackageRow.household_id == target))
        assert kept_package.total_pence == 12_000 and kept_package.status == "paid"
    assert verify_store(team.store)[1] is None  # the chain still verifies

    conn = sqlite3.connect(paths.local_store_path())
    dump = "\n".join(conn.iterdump())
    conn.close()
    ids = (target.hex, package.id.hex)  # its rows, and its package's decisions
    rows_of_target = [line for line in dump.splitlines() if any(i in line for i in ids)]
    assert rows_of_target
    for secret in SECRETS:
        leaking = [line for line in rows_of_target if secret in line]
        assert leaking == [], secret
    assert visits.timeline(team.store, visit.household_id)  # the other keeps its history


def test_the_retention_period_comes_from_the_policy_file(
    laptop_or_shared_store: Store, tmp_path: Path
) -> None:
    """Six years is the policy's ``retention_years``, read from the version in force on the
    day of the review: a council that keeps records three years edits its version file."""
    team = team_on(laptop_or_shared_store)
    three_years = rules_with(tmp_path / "rules-3", {"retention_years: 6": "retention_years: 3"})
    package = _paid_case(team)
    boss = team.managers[0]
    later = date(TODAY.year + 3, TODAY.month, TODAY.day) + timedelta(days=1)
    assert retention.due_for_retention(team.store, boss, team.rules, later) == []
    [due] = retention.due_for_retention(team.store, boss, three_years, later)
    assert due.household_id == package.household_id
    # A period the manager gives still wins over the policy's.
    assert retention.due_for_retention(team.store, boss, three_years, later, years=6) == []
