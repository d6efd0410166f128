"""Follow-up reviews (policy part 8): when one is due, when it is overdue, what it records.

Every approved package has a review due 12 weeks (84 days) after approval.
At the review the officer re-scores the four capitals and records outcomes;
these records are the evidence on which the pilot reports its impact, so they
are plain, typed values rather than free text.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field, field_validator

from caseworker.domain.assessment import Capitals, Stage, stage_of
from caseworker.domain.household import DomainModel
from caseworker.domain.stamps import new_id

DUE_SOON_DAYS = 14  # an officer's "due" list looks two weeks ahead
MAX_REVIEW_NOTE_LENGTH = 4_000
_CLAUSE = re.compile(r"^\d+(\.\d+)*$")


def due_date(approved_on: date, after_days: int) -> date:
    """The review date for a package approved on ``approved_on``: ``after_days`` calendar
    days later, the policy's figure (part 8, ``review_after_days``) in force then."""
    return approved_on + timedelta(days=after_days)


class ReviewState(StrEnum):
    """Where a review stands on a given day, as an officer's list shows it."""

    COMPLETED = "completed"
    OVERDUE = "overdue"  # the due date has passed and it is not recorded
    DUE = "due"  # due today or within the next DUE_SOON_DAYS days
    UPCOMING = "upcoming"  # due later than that

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ReviewState.COMPLETED: "Completed",
    ReviewState.OVERDUE: "Overdue",
    ReviewState.DUE: "Due",
    ReviewState.UPCOMING: "Upcoming",
}


def review_state(due_on: date, completed_on: date | None, today: date) -> ReviewState:
    """A review is overdue from the day after its due date; due on the day itself."""
    if completed_on is not None:
        return ReviewState.COMPLETED
    if today > due_on:
        return ReviewState.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return ReviewState.DUE
    return ReviewState.UPCOMING


def days_overdue(due_on: date, today: date) -> int:
    """Whole days past the due date (0 while not overdue)."""
    return max(0, (today - due_on).days)


class Outcomes(DomainModel):
    """What changed for the household by the review (policy part 8).

    ``home_kept`` is ``None`` when the home was never at risk (nothing to keep
    or lose); the other outcomes are always answered yes or no.
    ``referrals_taken_up`` maps each referral clause (``"7.1"``) to whether
    the household took it up.
    """

    home_kept: bool | None = Field(default=None, title="Home kept")
    job_started: bool = Field(default=False, title="Job started")
    hours_restored: bool = Field(default=False, title="Hours restored")
    training_started: bool = Field(default=False, title="Training started")
    debt_plan_in_place: bool = Field(default=False, title="Debt plan in place")
    referrals_taken_up: dict[str, bool] = Field(default_factory=dict, title="Referrals taken up")

    @field_validator("referrals_taken_up")
    @classmethod
    def _clauses(cls, value: dict[str, bool]) -> dict[str, bool]:
        for clause in value:
            if not _CLAUSE.match(clause):
                raise ValueError(f"'{clause}' is not a clause number like 7.1")
        return dict(sorted(value.items(), key=lambda kv: _clause_key(kv[0])))

    @property
    def work_outcome(self) -> bool:
        """Any of the work outcomes the pilot counts (job, hours, training)."""
        return self.job_started or self.hours_restored or self.training_started


def _clause_key(clause: str) -> tuple[int, ...]:
    return tuple(int(part) for part in clause.split("."))


def sorted_clauses(clauses: list[str] | set[str]) -> list[str]:
    """Clause numbers in policy order (7.2 before 7.10)."""
    return sorted(clauses, key=_clause_key)


class Review(DomainModel):
    """A follow-up review of one approved package."""

    id: uuid.UUID = Field(default_factory=new_id)
    package_id: uuid.UUID
    household_id: uuid.UUID
    due_on: date = Field(title="Review due")
    officer_id: uuid.UUID | None = Field(default=None, title="Officer")
    completed_on: date | None = Field(default=None, title="Review date")
    completed_by: uuid.UUID | None = None
    capitals: Capitals = Field(default_factory=Capitals, title="Four capitals at review")
    outcomes: Outcomes | None = Field(default=None, title="Outcomes")
    notes: str = Field(default="", title="Notes", max_length=MAX_REVIEW_NOTE_LENGTH)

    @property
    def stage(self) -> Stage | None:
        return stage_of(self.capitals)

    def state(self, today: date) -> ReviewState:
        return review_state(self.due_on, self.completed_on, today)
