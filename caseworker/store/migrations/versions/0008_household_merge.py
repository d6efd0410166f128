"""Household merges: a manager's record that two households are one family.

A merge moves nothing: every visit, package, decision, payment, review and
audit entry keeps its household. The row says which household was kept and
which was merged (and archived); an undo is stamped on the same row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()


def upgrade() -> None:
    op.create_table(
        "household_merge",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("kept_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("merged_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("merged_by", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_household_merge_kept_id", "household_merge", ["kept_id"])
    op.create_index("ix_household_merge_merged_id", "household_merge", ["merged_id"])
    op.create_index("ix_household_merge_server_version", "household_merge", ["server_version"])


def downgrade() -> None:
    op.drop_table("household_merge")
