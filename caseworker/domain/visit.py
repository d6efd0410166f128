"""A drop-in visit: the point of need, policy flags, stated costs, assessment."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import Field

from caseworker.domain.assessment import Capitals
from caseworker.domain.household import Day, DomainModel, Flag, PenceOrNone
from caseworker.domain.stamps import new_id

MAX_NOTE_LENGTH = 100_000


class NeedCategory(StrEnum):
    INCOME_DROP = "income_drop"
    HOUSING_COSTS = "housing_costs"
    UTILITY_BILLS = "utility_bills"
    FOOD_OR_FUEL = "food_or_fuel"
    DEBT = "debt"
    EMPLOYMENT = "employment"
    TRAINING = "training"
    CHILDCARE = "childcare"
    BENEFITS = "benefits"
    MENTAL_HEALTH = "mental_health"
    FAMILY = "family"
    OTHER = "other"


class WorkEvent(StrEnum):
    """What clause 5.4 calls getting to work."""

    JOB_START = "job_start"
    INTERVIEW = "job_interview"
    HOURS_RESTORED = "hours_restored"


class Visit(DomainModel):
    id: uuid.UUID = Field(default_factory=new_id)
    household_id: uuid.UUID
    visit_date: Day = Field(title="Visit date")
    venue: str = Field(default="", title="Venue", max_length=200)
    point_of_need: str = Field(default="", title="Point of need", max_length=MAX_NOTE_LENGTH)
    need_categories: list[NeedCategory] = Field(default_factory=list, title="Need categories")
    no_money_for_food_or_fuel: Flag = Field(default=False, title="No money for food or fuel")
    unfamiliar_with_benefits: Flag = Field(
        default=False, title="Unfamiliar with the benefit system"
    )
    family_strain: Flag = Field(default=False, title="Family strain")
    substance_use: Flag = Field(default=False, title="Substance use")
    hearing_date: Day | None = Field(default=None, title="Possession or eviction hearing")
    work_event: WorkEvent | None = Field(default=None, title="Getting to work")
    work_event_date: Day | None = Field(default=None, title="Date of job, interview or hours")
    work_member_id: uuid.UUID | None = Field(default=None, title="Who is getting to work")
    getting_to_work_cost_pence: PenceOrNone = Field(
        default=None, title="Cost of getting to work", ge=0
    )
    tools_cost_pence: PenceOrNone = Field(default=None, title="Tools or equipment cost", ge=0)
    course_fee_pence: PenceOrNone = Field(default=None, title="Course fee", ge=0)
    course_member_id: uuid.UUID | None = Field(default=None, title="Who has the course place")
    childcare_cost_pence: PenceOrNone = Field(default=None, title="Childcare cost", ge=0)
    capitals: Capitals = Field(default_factory=Capitals, title="Four capitals")
