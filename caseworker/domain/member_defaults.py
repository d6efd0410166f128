"""What a new member's form can assume from what was already typed (issue 18: fewer keys).

Form defaults only: each is on screen for the officer to see and change, nothing is
saved that the officer did not see, and no policy decision rests on them (the policy's
own definitions, such as who is an adult, live in its rules file).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from caseworker.domain.dates import age_on
from caseworker.domain.household import IncomeDropReason, Member, Relationship, WorkStatus

#: The age of majority in England: the form's guess at a partner, not the policy's "adult".
AGE_OF_MAJORITY = 18


def likely_relationship(
    date_of_birth: date, today: date, members: Sequence[Member]
) -> Relationship:
    """A new member's likeliest relationship to the lead contact: the first member is the
    lead; an adult joining a household with no partner yet is the lead's partner; anyone
    else the lead's child (the form's long-standing default)."""
    if not members:
        return Relationship.LEAD
    has_partner = any(m.relationship is Relationship.PARTNER for m in members)
    if not has_partner and age_on(date_of_birth, today) >= AGE_OF_MAJORITY:
        return Relationship.PARTNER
    return Relationship.CHILD


def implied_by_reduced_hours(
    work_status: WorkStatus | None, reason: IncomeDropReason | None
) -> tuple[WorkStatus, IncomeDropReason]:
    """Ticking "Hours reduced" says why earnings fell, and that the person still has work:
    fill those two in when they are not recorded yet; never change what was chosen."""
    return (work_status or WorkStatus.EMPLOYED, reason or IncomeDropReason.REDUCED_HOURS)
