"""Plain-English labels for the choices officers pick (used by screens and documents)."""

from __future__ import annotations

from enum import StrEnum

from caseworker.domain.household import (
    Benefit,
    IncomeDropReason,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.packages import PaymentMethod
from caseworker.domain.visit import NeedCategory, WorkEvent

# Keyed by (enum class, value): members of different enums can share a value ("other").
_LABELS: list[tuple[StrEnum, str]] = [
    (Tenure.OWNER_MORTGAGE, "Owner with a mortgage"),
    (Tenure.OWNER_OUTRIGHT, "Owner outright"),
    (Tenure.PRIVATE_RENTER, "Private renter"),
    (Tenure.SOCIAL_RENTER, "Social renter"),
    (Tenure.HOMELESS, "Homeless"),
    (Tenure.TEMPORARY_ACCOMMODATION, "Temporary accommodation"),
    (Tenure.LIVING_WITH_FAMILY, "Living with family"),
    (Relationship.LEAD, "Lead contact"),
    (Relationship.PARTNER, "Partner"),
    (Relationship.CHILD, "Child"),
    (Relationship.PARENT, "Parent"),
    (Relationship.SIBLING, "Brother or sister"),
    (Relationship.GRANDCHILD, "Grandchild"),
    (Relationship.OTHER_RELATIVE, "Other relative"),
    (Relationship.OTHER, "Other (not related)"),
    (WorkStatus.EMPLOYED, "Employed"),
    (WorkStatus.SELF_EMPLOYED, "Self-employed"),
    (WorkStatus.UNEMPLOYED, "Unemployed"),
    (WorkStatus.NOT_WORKING, "Not working"),
    (IncomeDropReason.JOB_LOSS, "Lost their job"),
    (IncomeDropReason.REDUCED_HOURS, "Hours reduced"),
    (IncomeDropReason.LOST_CONTRACT, "Lost a contract or self-employed work"),
    (Benefit.UNIVERSAL_CREDIT, "Universal Credit"),
    (Benefit.JOBSEEKERS_ALLOWANCE, "Jobseeker's Allowance"),
    (Benefit.EMPLOYMENT_SUPPORT_ALLOWANCE, "Employment and Support Allowance"),
    (Benefit.INCOME_SUPPORT, "Income Support"),
    (Benefit.HOUSING_BENEFIT, "Housing Benefit"),
    (Benefit.CHILD_BENEFIT, "Child Benefit"),
    (Benefit.DISABILITY_BENEFIT, "Disability benefit (PIP, DLA)"),
    (Benefit.CARERS_ALLOWANCE, "Carer's Allowance"),
    (Benefit.PENSION_CREDIT, "Pension Credit"),
    (Benefit.OTHER, "Other benefit"),
    (NeedCategory.INCOME_DROP, "Income dropped"),
    (NeedCategory.HOUSING_COSTS, "Rent or mortgage"),
    (NeedCategory.UTILITY_BILLS, "Utility bills"),
    (NeedCategory.FOOD_OR_FUEL, "Food or fuel"),
    (NeedCategory.DEBT, "Debt"),
    (NeedCategory.EMPLOYMENT, "Work"),
    (NeedCategory.TRAINING, "Training or a course"),
    (NeedCategory.CHILDCARE, "Childcare"),
    (NeedCategory.BENEFITS, "Benefits"),
    (NeedCategory.MENTAL_HEALTH, "Mental health"),
    (NeedCategory.FAMILY, "Family relationships"),
    (NeedCategory.OTHER, "Something else"),
    (WorkEvent.JOB_START, "Starting a job"),
    (WorkEvent.INTERVIEW, "Job interview"),
    (WorkEvent.HOURS_RESTORED, "Hours restored"),
    (PaymentMethod.BANK_TRANSFER, "Bank transfer"),
    (PaymentMethod.VOUCHER, "Voucher"),
    (PaymentMethod.PREPAID_CARD, "Prepaid card"),
]


LABELS = {(type(member), member.value): text for member, text in _LABELS}


def label(value: StrEnum | None) -> str:
    if value is None:
        return "Not recorded"
    return LABELS.get((type(value), value.value), str(value))


def choices(enum: type[StrEnum], none: str | None = None) -> list[tuple[str | None, str]]:
    """(value, label) pairs for a picker; ``none`` adds a first "not recorded" entry."""
    items: list[tuple[str | None, str]] = [(m.value, label(m)) for m in enum]
    return ([(None, none)] if none is not None else []) + items
