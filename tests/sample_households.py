"""A sample household, for tests and benches alike: importing it sets nothing up (the
tests' conftest fixes the clock; a bench must not)."""

from __future__ import annotations

from datetime import date

from caseworker.domain.household import Household, Member, Relationship, WorkStatus


def make_household(**overrides: object) -> Household:
    """A two-member household with names in several scripts."""
    members = [
        Member(
            first_name="Zoë",
            surname="O'Brien-Smith",
            date_of_birth=date(1985, 3, 12),
            relationship=Relationship.LEAD,
            work_status=WorkStatus.EMPLOYED,
            reduced_hours=True,
        ),
        Member(
            first_name="민준",
            surname="김",
            date_of_birth=date(2012, 7, 1),
            relationship=Relationship.CHILD,
            in_education_or_training=True,
        ),
    ]
    fields: dict[str, object] = {
        "address_line1": "12 Rye Lane",
        "postcode": "SE15 4QF",
        "savings_pence": 12_000,
        "rent_arrears_pence": 124_000,
        "members": members,
    }
    fields.update(overrides)
    return Household.model_validate(fields)
