"""The sync service's push inbox: a laptop's signed push is stored as received and
answered, then replayed by the service's worker, oldest first, in order per laptop.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_inbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("first_mutation_id", sa.Integer(), nullable=False),
        sa.Column("last_mutation_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("blocked", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_sync_inbox_client_id", "sync_inbox", ["client_id"])
    op.create_index("ix_sync_inbox_state", "sync_inbox", ["state"])


def downgrade() -> None:
    op.drop_index("ix_sync_inbox_state", "sync_inbox")
    op.drop_index("ix_sync_inbox_client_id", "sync_inbox")
    op.drop_table("sync_inbox")
