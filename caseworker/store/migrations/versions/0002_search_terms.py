"""Search as you type: a table of normalised terms per household, filled from existing rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from caseworker.domain.search_terms import household_terms

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search_term = op.create_table(
        "search_term",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.Uuid(), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("term", sa.String(), nullable=False),
    )
    op.create_index("ix_search_term_term_household", "search_term", ["term", "household_id"])
    # (household, term) lets "every other word matches too" read only the index.
    op.create_index("ix_search_term_household_term", "search_term", ["household_id", "term"])

    bind = op.get_bind()
    members: dict[object, list[tuple[str, str, date | None]]] = defaultdict(list)
    member = sa.table(
        "member",
        sa.column("household_id", sa.Uuid()),
        sa.column("first_name", sa.String()),
        sa.column("surname", sa.String()),
        sa.column("date_of_birth", sa.Date()),
    )
    for hid, first, last, dob in bind.execute(
        sa.select(
            member.c.household_id, member.c.first_name, member.c.surname, member.c.date_of_birth
        )
    ):
        members[hid].append((first, last, dob))
    household = sa.table(
        "household",
        sa.column("id", sa.Uuid()),
        sa.column("reference", sa.String()),
        sa.column("postcode", sa.String()),
    )
    rows = [
        {"household_id": hid, "term": term}
        for hid, ref, postcode in bind.execute(
            sa.select(household.c.id, household.c.reference, household.c.postcode)
        )
        for term in household_terms(ref, postcode, members[hid])
    ]
    if rows:
        op.bulk_insert(search_term, rows)


def downgrade() -> None:
    op.drop_table("search_term")
