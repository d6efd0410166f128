"""Follow-up reviews through the services: scheduled at approval, listed, recorded, compared."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from caseworker.domain.assessment import Capitals, Stage
from caseworker.domain.packages import Package
from caseworker.domain.reviews import Outcomes, ReviewState
from caseworker.domain.users import User
from caseworker.services import fund, households, packages, retention, reviews, visits
from caseworker.services.audit import iter_chain, verify
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.services.reviews import ReviewRefused
from caseworker.store.database import Store, _sqlite_engine
from caseworker.store.review_tables import ReviewRow
from caseworker.store.tables import AuditEventRow, PackageRow
from tests.services.packages_fixtures import (
    TODAY,
    VISIT_DAY,
    Team,
    household_with_arrears,
    new_case,
    rules_with,
)


def _review_rows(team: Team) -> list[ReviewRow]:
    with team.store.read() as session:
        return list(session.exec(select(ReviewRow)).all())


def _on_the_spot(team: Team, officer: User, arrears: int, day: date = TODAY) -> Package:
    visit = new_case(team, officer, rent_arrears_pence=arrears)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], day)
    return packages.approve_on_the_spot(team.store, officer, team.rules, package.id, day)


def test_a_review_is_due_84_days_after_each_approval(team: Team) -> None:
    officer, manager = team.officers[0], team.managers[1]
    spot = _on_the_spot(team, officer, 12_000)
    visit = new_case(team, officer, rent_arrears_pence=40_000)
    big = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, big.id)
    assert len(_review_rows(team)) == 1  # proposing or sending is not an approval
    approved = packages.approve(team.store, manager, team.rules, big.id, date(2026, 12, 1))

    rows = {r.package_id: r for r in _review_rows(team)}
    assert set(rows) == {spot.id, approved.id}
    assert rows[spot.id].due_on == date(2027, 2, 19)  # 27/11/2026 + 84 days, over a year end
    assert rows[approved.id].due_on == date(2027, 2, 23)  # 01/12/2026 + 84 days
    # Assigned to the officer who met the household, whoever approved it.
    assert {r.officer_id for r in rows.values()} == {officer.id}
    assert all(r.completed_on is None and r.financial is None for r in rows.values())
    with team.store.read() as session:
        # Scheduling is part of the approval, whose audit entry is the record.
        assert (
            session.exec(select(AuditEventRow).where(AuditEventRow.entity == "review")).all() == []
        )


def test_a_rejected_package_gets_no_review(team: Team) -> None:
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=40_000)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    packages.reject(team.store, team.managers[1], package.id, "Not enough evidence")
    assert _review_rows(team) == []


def test_schedule_review_is_idempotent_and_needs_an_approval(team: Team) -> None:
    package = _on_the_spot(team, team.officers[0], 5_000)
    with team.store.unit_of_work() as session:
        row = session.get(PackageRow, package.id)
        assert row is not None
        first = reviews.schedule_review(session, row, 84)
        assert first.package_id == package.id
        row.approved_on = None
        with pytest.raises(ValueError, match="approved"):
            reviews.schedule_review(session, row, 84)
        session.rollback()
    assert len(_review_rows(team)) == 1


def test_due_and_overdue_across_the_leap_day(team: Team) -> None:
    """Approved 10/12/2027: due 03/03/2028, with 29 February 2028 in between."""
    officer, other = team.officers
    day = date(2027, 12, 10)
    fund.open_fund(team.store, team.managers[0], 200_000, day)
    fund.grant_allowance(team.store, team.managers[0], officer.id, 50_000, day)
    package = _on_the_spot(team, officer, 9_000, day)

    def lists(today: date) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        found = reviews.reviews_for(team.store, officer, today)
        return [e.review.package_id for e in found.due], [
            e.review.package_id for e in found.overdue
        ]

    assert lists(date(2028, 2, 17)) == ([], [])  # 15 days ahead: not yet on the list
    assert lists(date(2028, 2, 18)) == ([package.id], [])
    assert lists(date(2028, 2, 29)) == ([package.id], [])
    assert lists(date(2028, 3, 3)) == ([package.id], [])  # due today is not overdue
    assert lists(date(2028, 3, 4)) == ([], [package.id])
    entry = reviews.reviews_for(team.store, officer, date(2028, 4, 1)).overdue[0]
    assert entry.state is ReviewState.OVERDUE and entry.days_overdue == 29
    assert entry.review.due_on == date(2028, 3, 3)
    assert entry.approved_on == day and entry.package_total_pence == 9_000
    assert entry.household_reference.startswith("OF01-")
    assert entry.lead_name == "Ama Mensah"
    # Another officer does not see it; a manager sees the team's.
    assert reviews.reviews_for(team.store, other, date(2028, 4, 1)).overdue == []
    team_view = reviews.reviews_for(team.store, team.managers[0], date(2028, 4, 1), everyone=True)
    assert [e.review.package_id for e in team_view.overdue] == [package.id]
    with pytest.raises(PermissionRefused):
        reviews.reviews_for(team.store, officer, date(2028, 4, 1), everyone=True)


def test_overdue_across_a_month_boundary(team: Team) -> None:
    officer = team.officers[0]
    package = _on_the_spot(team, officer, 5_000)  # 27/11/2026: due 19/02/2027
    assert reviews.reviews_for(team.store, officer, date(2027, 2, 19)).due[0].review.package_id == (
        package.id
    )
    march = reviews.reviews_for(team.store, officer, date(2027, 3, 1))
    assert march.due == [] and march.overdue[0].days_overdue == 10


def _visit_with_referrals(team: Team, officer: User) -> uuid.UUID:
    """A visit saved with the rules, so its referrals (7.1, 7.2, 7.3, 7.5) are stored with it."""
    household = households.create_household(
        team.store, officer, household_with_arrears(rent_arrears_pence=20_000)
    )
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": VISIT_DAY.strftime("%d/%m/%Y"),
            "financial": "3",
            "mental": "2",
            "social": "1",
            "human": "1",
        }
    )
    visits.record_visit(team.store, officer, visit, rules=team.rules)
    return visit.id


def test_recording_a_review_stores_scores_outcomes_and_audit(team: Team) -> None:
    officer = team.officers[0]
    visit_id = _visit_with_referrals(team, officer)
    package = packages.propose(team.store, officer, team.rules, visit_id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    entry = reviews.reviews_for(team.store, officer, date(2027, 2, 19)).due[0]
    made = [r.clause for r in entry.referrals_at_visit]
    assert made == ["7.1", "7.2", "7.3", "7.5"]
    review_id = entry.review.id
    after = Capitals(financial=1, mental=1, social=0, human=1)
    outcomes = Outcomes(
        home_kept=True,
        hours_restored=True,
        debt_plan_in_place=True,
        referrals_taken_up={"7.1": True, "7.2": True, "7.3": False, "7.5": True},
    )

    with pytest.raises(InvalidInput) as unanswered:
        reviews.record_review(
            team.store,
            officer,
            review_id,
            after,
            Outcomes(referrals_taken_up={"7.1": True}),
            date(2027, 2, 19),
        )
    assert "(7.2, 7.3, 7.5)" in unanswered.value.fields["referrals_taken_up"]
    with pytest.raises(InvalidInput) as unscored:
        reviews.record_review(
            team.store, officer, review_id, Capitals(financial=1), outcomes, date(2027, 2, 19)
        )
    assert set(unscored.value.fields) == {"mental", "social", "human"}
    with pytest.raises(PermissionRefused):
        reviews.record_review(
            team.store, team.officers[1], review_id, after, outcomes, date(2027, 2, 19)
        )

    recorded = reviews.record_review(
        team.store, officer, review_id, after, outcomes, date(2027, 2, 25), notes=" Back at work "
    )
    assert recorded.completed_on == date(2027, 2, 25) and recorded.completed_by == officer.id
    assert recorded.stage is Stage.COPING
    with team.store.read() as session:
        row = session.get(ReviewRow, review_id)
        assert row is not None
        assert (row.financial, row.mental, row.social, row.human, row.stage) == (1, 1, 0, 1, 1)
        assert (row.home_kept, row.job_started, row.hours_restored) == (True, False, True)
        assert (row.training_started, row.debt_plan_in_place) == (False, True)
        assert json.loads(row.referrals_taken_up) == {
            "7.1": True,
            "7.2": True,
            "7.3": False,
            "7.5": True,
        }
        assert row.notes == "Back at work"
        audit = session.exec(
            select(AuditEventRow).where(
                AuditEventRow.entity_id == review_id, AuditEventRow.action == "recorded"
            )
        ).one()
        assert audit.actor_id == officer.id and audit.household_id == row.household_id
        payload = json.loads(audit.payload)
        assert payload["outcomes"]["referrals_taken_up"] == {
            "7.1": True,
            "7.2": True,
            "7.3": False,
            "7.5": True,
        }
        assert payload["capitals"] == {"financial": 1, "mental": 1, "social": 0, "human": 1}
        assert verify(iter_chain(session))[1] is None

    # Recorded once: it leaves the lists and cannot be changed.
    assert reviews.reviews_for(team.store, officer, date(2027, 3, 30)).overdue == []
    with pytest.raises(ReviewRefused, match="25/02/2027"):
        reviews.record_review(team.store, officer, review_id, after, outcomes, date(2027, 3, 1))

    (compared,) = reviews.before_after(team.store, entry.review.household_id)
    assert compared.before == Capitals(financial=3, mental=2, social=1, human=1)
    assert compared.after == after
    assert compared.stage_before is Stage.DEPRESSED_AND_DESPAIRING
    assert compared.stage_after is Stage.COPING
    assert compared.change("financial") == -2 and compared.change("social") == -1
    assert compared.visit_date == VISIT_DAY and compared.reviewed_on == date(2027, 2, 25)
    assert compared.outcomes == recorded.outcomes


def test_a_manager_may_record_and_a_withdrawn_package_has_no_review(team: Team) -> None:
    officer, manager = team.officers[0], team.managers[0]
    kept = _on_the_spot(team, officer, 5_000)
    dropped = _on_the_spot(team, officer, 6_000)
    packages.withdraw(team.store, officer, dropped.id, "Paid by the landlord", TODAY)
    listed = reviews.reviews_for(team.store, officer, date(2027, 2, 19)).due
    assert [e.review.package_id for e in listed] == [kept.id]
    dropped_review = next(r for r in _review_rows(team) if r.package_id == dropped.id)
    scores = Capitals(financial=2, mental=1, social=1, human=1)
    with pytest.raises(ReviewRefused, match="withdrawn"):
        reviews.record_review(
            team.store, manager, dropped_review.id, scores, Outcomes(), date(2027, 2, 19)
        )
    review = reviews.record_review(
        team.store, manager, listed[0].review.id, scores, Outcomes(), date(2027, 2, 19)
    )
    assert review.completed_by == manager.id and review.stage is Stage.UNDER_PRESSURE
    assert [r.package_id for r in reviews.reviews_of(team.store, kept.household_id)] == [kept.id]


def test_migration_gives_already_approved_packages_their_review(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Store(_sqlite_engine(path))
    old.upgrade("0005")
    user_id, household_id = uuid.uuid4(), uuid.uuid4()
    approved, rejected = uuid.uuid4(), uuid.uuid4()
    # Written as that release wrote them: the tables of revision 0005, in plain SQL.
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO user_account (id, name, officer_code, role, created_at,"
            " failed_sign_ins, active) VALUES (?, 'Jo Smith', 'JS01', 'officer',"
            " '2027-12-01', 0, 1)",
            (user_id.hex,),
        )
        conn.exec_driver_sql(
            "INSERT INTO household (id, reference, address_line1, address_line2, town,"
            " postcode, phone, email, created_at, updated_at, version, archived)"
            " VALUES (?, 'JS01-00001', '', '', '', 'SE15 4QF', '', '', '2027-12-01',"
            " '2027-12-01', 1, 0)",
            (household_id.hex,),
        )
        for package_id, status, on in (
            (approved, "paid", "2027-12-10"),
            (rejected, "rejected", None),
        ):
            conn.exec_driver_sql(
                "INSERT INTO package (id, household_id, visit_date, created_by, created_at,"
                " policy_version, items, explanation, total_pence, route, status, approved_on)"
                " VALUES (?, ?, '2027-12-01', ?, '2027-12-01', '2026-10', '[]', '', 10000,"
                " 'officer', ?, ?)",
                (package_id.hex, household_id.hex, user_id.hex, status, on),
            )
    old.dispose()

    store = Store.open_local(path)
    with store.read() as session:
        rows = session.exec(select(ReviewRow)).all()
        assert [(r.package_id, r.due_on, r.officer_id) for r in rows] == [
            (approved, date(2028, 3, 3), user_id)
        ]
    store.dispose()


def test_retention_erases_review_notes_only(team: Team) -> None:
    officer = team.officers[0]
    package = _on_the_spot(team, officer, 5_000)
    entry = reviews.reviews_for(team.store, officer, date(2027, 2, 19)).due[0]
    scores = Capitals(financial=1, mental=0, social=0, human=0)
    reviews.record_review(
        team.store, officer, entry.review.id, scores, Outcomes(), date(2027, 2, 19), "Sam's note"
    )
    with team.store.unit_of_work() as session:
        retention.erase_personal_data(session, package.household_id)
    (row,) = _review_rows(team)
    assert row.notes == "" and row.financial == 1 and row.completed_on == date(2027, 2, 19)


def test_the_review_window_comes_from_the_policy_file(team: Team, tmp_path: Path) -> None:
    """Part 8's 12 weeks is the policy's ``review_after_days``: a council that reviews at
    8 weeks edits its version file, not the code; the case file shows the stored date."""
    from caseworker.services.case_file import case_file

    eight_weeks = rules_with(
        tmp_path / "rules-56", {"review_after_days: 84": "review_after_days: 56"}
    )
    officer = team.officers[0]
    visit = new_case(team, officer, rent_arrears_pence=12_000)
    package = packages.propose(team.store, officer, eight_weeks, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, eight_weeks, package.id, TODAY)
    [row] = _review_rows(team)
    assert (row.due_on - TODAY).days == 56
    [record] = case_file(team.store, visit.household_id).packages
    assert record.review_due == row.due_on
