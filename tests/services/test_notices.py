"""Screens learn of changes from the services, once they commit (``services/notices``),
not from a listener on every database session in the process (issue 18)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from caseworker.domain.rules import Adjustment
from caseworker.domain.visit import Visit
from caseworker.services import drop_in, households, notices, users, visits
from caseworker.services.packages import DecisionRefused
from caseworker.store.database import Store
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import (
    TODAY,
    VISIT_DAY,
    Team,
    household_with_arrears,
    make_team,
)


def _visit(household_id: uuid.UUID) -> Visit:
    scores = {"financial": "2", "mental": "1", "social": "1", "human": "1"}
    day = VISIT_DAY.strftime("%d/%m/%Y")
    return visits.build_visit({"household_id": str(household_id), "visit_date": day, **scores})


def _told(store: Store) -> tuple[list[int], Callable[[], None]]:
    calls: list[int] = []
    stop = notices.watch(store, lambda: calls.append(1))
    return calls, stop


def test_a_change_is_told_once_committed_and_a_use_case_of_three_changes_once(
    team: Team,
) -> None:
    officer = users.sign_in(team.store, team.officers[0].officer_code, PASSWORD)
    calls, stop = _told(team.store)
    household = households.create_household(team.store, officer, household_with_arrears(12_000))
    assert calls == [1]
    visit = _visit(household.id)
    drop_in.save_visit(team.store, officer, team.rules, visit, [], TODAY, yes_today=True)
    assert calls == [1, 1]  # visit, package and yes: one transaction, told once
    stop()
    households.create_household(team.store, officer, household_with_arrears(0))
    assert calls == [1, 1]  # no longer watching


def test_a_refused_change_is_not_told_and_another_store_is_not_heard(
    team: Team, tmp_path: Path
) -> None:
    officer = users.sign_in(team.store, team.officers[0].officer_code, PASSWORD)
    household = households.create_household(team.store, officer, household_with_arrears(12_000))
    other = make_team(tmp_path / "other.db")
    try:
        calls, _stop = _told(other.store)
        households.create_household(team.store, officer, household_with_arrears(0))
        assert calls == []  # a change to another store
        mine, _ = _told(team.store)
        visit = _visit(household.id)
        too_much = [Adjustment("5.1", 99_999_00, "")]
        with pytest.raises(DecisionRefused):
            drop_in.save_visit(team.store, officer, team.rules, visit, too_much, TODAY)
        assert mine == []  # rolled back: nothing to tell
    finally:
        other.store.dispose()
