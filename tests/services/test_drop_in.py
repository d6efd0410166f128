"""The drop-in's two-change use cases: one call, one transaction, each change signed by
its own author (``services/drop_in.py``)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from caseworker.domain.packages import PackageStatus
from caseworker.domain.rules import Adjustment
from caseworker.services import drafts, drop_in, fund, households, keys, packages, users, visits
from caseworker.services.errors import PermissionRefused, ServiceError
from caseworker.services.packages import DecisionRefused
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import VisitRow
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import (
    TODAY,
    VISIT_DAY,
    Team,
    household_with_arrears,
    new_case,
)


def _outbox(team: Team) -> list[tuple[str, object]]:
    with team.store.read() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.mutation_id))).all()
        return [(r.name, r.actor_id) for r in rows if r.name.startswith(("packages.", "visits."))]


def _visit_form(household_id: object) -> dict[str, object]:
    return {
        "household_id": str(household_id),
        "visit_date": VISIT_DAY.strftime("%d/%m/%Y"),
        "financial": "2",
        "mental": "1",
        "social": "1",
        "human": "1",
    }


def _signed_in_officer(team: Team) -> users.User:
    return users.sign_in(team.store, team.officers[0].officer_code, PASSWORD)


def test_a_manager_approves_in_person_in_one_go_each_change_signed_by_its_author(
    team: Team,
) -> None:
    officer = _signed_in_officer(team)
    visit = new_case(team, officer, rent_arrears_pence=30_000)  # above the officer limit
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    before = _outbox(team)
    approved = drop_in.approve_in_person(
        team.store, officer, team.rules, package.id, "TM01", PASSWORD, TODAY
    )
    assert approved.status is PackageStatus.APPROVED
    manager = team.managers[0]
    assert _outbox(team)[len(before) :] == [
        ("packages.send_to_manager", officer.id),
        ("packages.approve", manager.id),
    ]
    assert keys.key_for(manager.id) is None  # put away: nothing here signs for them
    assert keys.key_for(officer.id) is not None  # the officer is still signed in


@pytest.mark.parametrize(
    ("code", "password", "refusal"),
    [
        ("OF02", PASSWORD, PermissionRefused),  # another officer is not a manager
        ("TM01", "not the password", ServiceError),  # a wrong password
    ],
)
def test_a_refused_approval_in_person_changes_nothing_at_all(
    team: Team, code: str, password: str, refusal: type[Exception]
) -> None:
    """Once the package was sent to the manager's queue before the refusal, while the
    screen said "Nothing changed" (issue 18)."""
    officer = _signed_in_officer(team)
    visit = new_case(team, officer, rent_arrears_pence=30_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    before = _outbox(team)
    with pytest.raises(refusal):
        drop_in.approve_in_person(
            team.store, officer, team.rules, package.id, code, password, TODAY
        )
    assert packages.get_package(team.store, package.id).status is PackageStatus.RECOMMENDED
    assert _outbox(team) == before


def test_saving_a_visit_proposes_its_package_in_the_same_transaction(team: Team) -> None:
    officer = _signed_in_officer(team)
    household = households.create_household(team.store, officer, household_with_arrears(12_000))
    visit = visits.build_visit(_visit_form(household.id))
    saved = drop_in.save_visit(team.store, officer, team.rules, visit, [], TODAY)
    assert saved.package is not None and saved.package.total_pence == 12_000
    assert saved.package.visit_id == visit.id
    assert [name for name, _ in _outbox(team)] == ["visits.record", "packages.propose"]


def test_a_visit_without_a_cash_award_is_saved_without_a_package(team: Team) -> None:
    officer = _signed_in_officer(team)
    household = households.create_household(team.store, officer, household_with_arrears(0))
    visit = visits.build_visit(_visit_form(household.id))
    saved = drop_in.save_visit(team.store, officer, team.rules, visit, [], TODAY)
    assert saved.package is None
    assert packages.packages_of(team.store, household.id) == []
    assert [name for name, _ in _outbox(team)] == ["visits.record"]


def test_a_refused_package_leaves_no_half_saved_visit_and_keeps_the_draft(team: Team) -> None:
    officer = _signed_in_officer(team)
    household = households.create_household(team.store, officer, household_with_arrears(12_000))
    form = _visit_form(household.id)
    subject = str(household.id)
    drafts.save_draft(team.store, officer, "visit", subject, form)
    visit = visits.build_visit(form)
    too_much = [Adjustment("5.1", 99_999_00, "")]  # above the clause's limit, no reason
    with pytest.raises(DecisionRefused):
        drop_in.save_visit(team.store, officer, team.rules, visit, too_much, TODAY, subject)
    with team.store.read() as session:
        assert session.exec(select(VisitRow).where(VisitRow.id == visit.id)).first() is None
    assert drafts.load_draft(team.store, officer, "visit", subject) == form
    assert _outbox(team) == []


def test_ctrl_y_saves_the_visit_and_says_yes_in_one_call(team: Team) -> None:
    officer = _signed_in_officer(team)
    household = households.create_household(team.store, officer, household_with_arrears(12_000))
    visit = visits.build_visit(_visit_form(household.id))
    saved = drop_in.save_visit(team.store, officer, team.rules, visit, [], TODAY, yes_today=True)
    assert saved.yes_refused is None
    assert saved.package is not None and saved.package.status is PackageStatus.APPROVED_ON_SPOT
    [stored] = packages.packages_of(team.store, household.id)
    assert (stored.status, stored.total_pence) == (PackageStatus.APPROVED_ON_SPOT, 12_000)
    assert [name for name, _ in _outbox(team)] == [
        "visits.record",
        "packages.propose",
        "packages.approve_on_the_spot",
    ]


def test_a_refused_yes_keeps_the_saved_visit_and_its_package_and_says_why(team: Team) -> None:
    """Above the officer's limit: the yes is refused, but what the officer asked to save
    is saved (the package waits, recommended, for a manager) and nothing of the yes is."""
    officer = _signed_in_officer(team)
    household = households.create_household(team.store, officer, household_with_arrears(30_000))
    visit = visits.build_visit(_visit_form(household.id))
    saved = drop_in.save_visit(team.store, officer, team.rules, visit, [], TODAY, yes_today=True)
    assert saved.yes_refused is not None
    assert saved.yes_refused.startswith("This package cannot be approved on the spot.")
    assert saved.package is not None and saved.package.status is PackageStatus.RECOMMENDED
    with team.store.read() as session:
        assert session.exec(select(VisitRow).where(VisitRow.id == visit.id)).first() is not None
    [stored] = packages.packages_of(team.store, household.id)
    assert stored.status is PackageStatus.RECOMMENDED
    assert [name for name, _ in _outbox(team)] == ["visits.record", "packages.propose"]
    # Nothing was spent: the whole allowance is still there for the next yes.
    assert fund.allowance_left(team.store, officer, TODAY) == 50_000  # make_team's grant
