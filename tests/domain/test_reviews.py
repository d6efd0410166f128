"""Policy part 8: when a review is due and when it is overdue, across months and leap days."""

from datetime import date

import pytest
from pydantic import ValidationError

from caseworker.domain.reviews import (
    DUE_SOON_DAYS,
    Outcomes,
    ReviewState,
    days_overdue,
    due_date,
    review_state,
    sorted_clauses,
)


@pytest.mark.parametrize(
    ("approved", "due"),
    [
        (date(2027, 12, 10), date(2028, 3, 3)),  # across February of a leap year (29 days)
        (date(2026, 12, 10), date(2027, 3, 4)),  # the same dates, February of 28 days
        (date(2026, 11, 27), date(2027, 2, 19)),  # across a year end
        (date(2028, 2, 29), date(2028, 5, 23)),  # approved on the leap day itself
        (date(2027, 1, 31), date(2027, 4, 25)),  # from the last day of a month
    ],
)
def test_due_84_days_after_approval(approved: date, due: date) -> None:
    assert due_date(approved, 84) == due
    assert (due - approved).days == 84


def test_state_around_a_due_date_after_the_leap_day() -> None:
    due = due_date(date(2027, 12, 10), 84)
    assert review_state(due, None, date(2028, 2, 17)) is ReviewState.UPCOMING
    assert review_state(due, None, date(2028, 2, 18)) is ReviewState.DUE  # 14 days ahead
    assert review_state(due, None, date(2028, 2, 29)) is ReviewState.DUE
    assert review_state(due, None, date(2028, 3, 3)) is ReviewState.DUE  # due today
    assert days_overdue(due, date(2028, 3, 3)) == 0
    assert review_state(due, None, date(2028, 3, 4)) is ReviewState.OVERDUE
    assert days_overdue(due, date(2028, 3, 4)) == 1
    assert days_overdue(due, date(2028, 4, 1)) == 29
    assert review_state(due, date(2028, 3, 10), date(2028, 4, 1)) is ReviewState.COMPLETED
    assert DUE_SOON_DAYS == 14


def test_outcomes_keep_clauses_in_policy_order_and_refuse_junk() -> None:
    outcomes = Outcomes(referrals_taken_up={"7.10": True, "7.2": False, "7.1": True})
    assert list(outcomes.referrals_taken_up) == ["7.1", "7.2", "7.10"]
    assert sorted_clauses({"7.10", "7.9"}) == ["7.9", "7.10"]
    assert not outcomes.work_outcome
    assert Outcomes(hours_restored=True).work_outcome
    with pytest.raises(ValidationError, match="not a clause number"):
        Outcomes(referrals_taken_up={"debt advice": True})
