"""FACTS.json: everything the engine needs to evaluate one visit.

The household and visit are the domain models the rest of the app records, so
a recommendation is made from exactly what the officer entered. Prior awards
and the officer's allowance come from the store; the engine itself never reads
storage.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from caseworker.domain.household import Day, DomainModel, Household, Pence, PenceOrNone
from caseworker.domain.stamps import random_id
from caseworker.domain.visit import Visit


class AwardStatus(StrEnum):
    """Where a prior award is in its life; only approved and paid ones count (6.1)."""

    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


COUNTED_STATUSES = frozenset({AwardStatus.APPROVED, AwardStatus.PAID})


class PriorAward(DomainModel):
    """An earlier package for the same household, dated by its approval."""

    award_date: Day = Field(title="Date approved")
    amount_pence: Pence = Field(title="Amount", ge=0)
    status: AwardStatus = Field(default=AwardStatus.APPROVED, title="Status")


class Facts(DomainModel):
    """The input of one evaluation (the schema printed by ``caseworker rules schema``).

    ``visit.household_id`` may be left out: it is taken from ``household.id``
    (generated when that is also left out), which keeps hand-written fact
    files and test cases short.
    """

    household: Household
    visit: Visit
    prior_awards: list[PriorAward] = Field(default_factory=list, title="Awards in the last year")
    allowance_left_pence: PenceOrNone = Field(
        default=None, title="Officer's offline allowance left", ge=0
    )

    @model_validator(mode="before")
    @classmethod
    def _link_visit(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        household, visit = data.get("household"), data.get("visit")
        if isinstance(household, dict) and isinstance(visit, dict) and "household_id" not in visit:
            household_id = household.get("id") or random_id()  # an id, not its text to parse
            data = {
                **data,
                "household": {**household, "id": household_id},
                "visit": {**visit, "household_id": household_id},
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Facts:
        if self.visit.household_id != self.household.id:
            raise ValueError("visit.household_id is not the id of this household")
        visit = self.visit
        if visit.work_member_id is None and visit.course_member_id is None:
            return self  # the usual case: no member named, no ids to gather
        ids = {m.id for m in self.household.members}
        for field in ("work_member_id", "course_member_id"):
            member_id = getattr(visit, field)
            if member_id is not None and member_id not in ids:
                raise ValueError(f"visit.{field} is not one of the household's members")
        return self
