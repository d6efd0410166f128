"""The household, its members and the facts the policy reads from them."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from caseworker.domain import clock
from caseworker.domain.postcode import normalise_postcode
from caseworker.domain.stamps import new_id

EARLIEST_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 100
# Strict per field: `true` is not 1p, "1200" is not 1200 and "yes" is not true.
Pence = Annotated[int, Strict()]
PenceOrNone = Pence | None
Flag = Annotated[bool, Strict()]


def _iso_date_only(value: object) -> object:
    """A date, or text written YYYY-MM-DD; not a number (pydantic would read 0 as 1970)."""
    if value.__class__ is str:  # the usual case first: text, as JSON and forms give
        if len(value) == 10 and value[4] == value[7] == "-":
            return value
    elif isinstance(value, date) or (
        isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-"
    ):
        return value
    if isinstance(value, str):
        raise PydanticCustomError("date_parsing", "expected a date written as YYYY-MM-DD")
    raise PydanticCustomError("date_type", "expected a date written as YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_date_only)]

# Validation context key: the dates are checked against the visit's date by the
# facts reader (caseworker.domain.rules.reader), not against the machine clock.
CHECKED_AGAINST_VISIT = "checked_against_visit"

# What de-identification (retention) writes in place of a personal field's text.
ERASED = "(erased)"


class Tenure(StrEnum):
    OWNER_MORTGAGE = "owner_mortgage"
    OWNER_OUTRIGHT = "owner_outright"
    PRIVATE_RENTER = "private_renter"
    SOCIAL_RENTER = "social_renter"
    HOMELESS = "homeless"
    TEMPORARY_ACCOMMODATION = "temporary_accommodation"
    LIVING_WITH_FAMILY = "living_with_family"


class Relationship(StrEnum):
    LEAD = "lead_contact"
    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class WorkStatus(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    UNEMPLOYED = "unemployed"
    NOT_WORKING = "not_working"


class IncomeDropReason(StrEnum):
    """The causes of a work income drop named in policy part 2."""

    JOB_LOSS = "job_loss"
    REDUCED_HOURS = "reduced_hours"
    LOST_CONTRACT = "lost_contract_or_self_employed_work"


class Benefit(StrEnum):
    UNIVERSAL_CREDIT = "universal_credit"
    JOBSEEKERS_ALLOWANCE = "jobseekers_allowance"
    EMPLOYMENT_SUPPORT_ALLOWANCE = "employment_and_support_allowance"
    INCOME_SUPPORT = "income_support"
    HOUSING_BENEFIT = "housing_benefit"
    CHILD_BENEFIT = "child_benefit"
    DISABILITY_BENEFIT = "disability_benefit"
    CARERS_ALLOWANCE = "carers_allowance"
    PENSION_CREDIT = "pension_credit"
    OTHER = "other"


def _against_clock(info: ValidationInfo | None) -> bool:
    """True when recording (today is the date to check against, the clock the last
    resort); False when the facts of a visit are read, which check its own date."""
    context = info.context if info is not None else None
    return not (isinstance(context, dict) and context.get(CHECKED_AGAINST_VISIT))


def validate_birth_date(value: date | None, info: ValidationInfo | None = None) -> date | None:
    """Refuse dates of birth in the future (when recording) or before 1900."""
    if value is None:
        return None
    if _against_clock(info) and value > clock.today():
        raise ValueError("cannot be in the future; check the year")
    if value.year < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"must be in {EARLIEST_BIRTH_YEAR} or later; check the year")
    return value


class DomainModel(BaseModel):
    """Base for domain records: strict keys, trimmed strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True)


class Member(DomainModel):
    id: uuid.UUID = Field(default_factory=new_id)
    first_name: str = Field(title="First name", min_length=1, max_length=MAX_NAME_LENGTH)
    surname: str = Field(title="Surname", min_length=1, max_length=MAX_NAME_LENGTH)
    date_of_birth: Day | None = Field(default=None, title="Date of birth")
    relationship: Relationship = Field(default=Relationship.LEAD, title="Relationship")
    work_status: WorkStatus | None = Field(default=None, title="Work status")
    reduced_hours: Flag = Field(default=False, title="Reduced hours")
    earnings_fell_on: Day | None = Field(default=None, title="Date earnings fell")
    earnings_fall_reason: IncomeDropReason | None = Field(default=None, title="Why earnings fell")
    in_education_or_training: Flag = Field(default=False, title="In education or training")

    @field_validator("date_of_birth")
    @classmethod
    def _check_dob(cls, value: date | None, info: ValidationInfo) -> date | None:
        return validate_birth_date(value, info)

    @field_validator("earnings_fell_on")
    @classmethod
    def _earnings_not_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and _against_clock(info) and value > clock.today():
            raise ValueError("cannot be in the future")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"


class Household(DomainModel):
    id: uuid.UUID = Field(default_factory=new_id)
    reference: str = Field(default="", title="Case reference")
    address_line1: str = Field(default="", title="Address", max_length=200)
    address_line2: str = Field(default="", title="Address line 2", max_length=200)
    town: str = Field(default="", title="Town", max_length=100)
    postcode: str = Field(title="Postcode")
    phone: str = Field(default="", title="Phone", max_length=40)
    email: str = Field(default="", title="Email", max_length=200)
    tenure: Tenure | None = Field(default=None, title="Tenure")
    savings_pence: PenceOrNone = Field(default=None, title="Savings", ge=0)
    rent_arrears_pence: PenceOrNone = Field(default=None, title="Rent arrears", ge=0)
    mortgage_arrears_pence: PenceOrNone = Field(default=None, title="Mortgage arrears", ge=0)
    utility_arrears_pence: PenceOrNone = Field(default=None, title="Utility arrears", ge=0)
    council_tax_arrears_pence: PenceOrNone = Field(default=None, title="Council tax arrears", ge=0)
    other_debts_pence: PenceOrNone = Field(default=None, title="Other debts", ge=0)
    benefits: list[Benefit] | None = Field(default=None, title="Benefits claimed")
    members: list[Member] = Field(default_factory=list, title="Members")

    @field_validator("postcode")
    @classmethod
    def _valid_postcode(cls, value: str) -> str:
        return normalise_postcode(value)

    @field_validator("members")
    @classmethod
    def _one_lead(cls, members: list[Member]) -> list[Member]:
        leads = [m for m in members if m.relationship == Relationship.LEAD]
        if members and len(leads) != 1:
            raise ValueError("exactly one member must be the lead contact")
        return members

    @property
    def lead(self) -> Member | None:
        return next((m for m in self.members if m.relationship == Relationship.LEAD), None)


MONEY_FIELDS: tuple[str, ...] = tuple(n for n in Household.model_fields if n.endswith("_pence"))
"""The household's amounts, held in pence (forms read and show them as pounds); the one
list the form reader and the facts reader share (issue 19: each once kept its own)."""
