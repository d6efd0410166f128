"""Rules engine: the recommendation and the policy version stored with each visit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("policy_version", sa.String(), nullable=True))
        batch.add_column(sa.Column("recommendation", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("recommendation")
        batch.drop_column("policy_version")
