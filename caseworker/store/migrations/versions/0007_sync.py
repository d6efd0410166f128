"""Sync: the outbox, the store's version counter, conflicts, and a version on every synced row.

``server_version`` is the store version at which a row last changed; a laptop
pulls the rows above its cursor. Rows made before this revision have none and
are pulled by a new laptop's first sync (cursor 0 takes every row, see
``caseworker.sync.pull``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()
SYNCED = (
    "user_account",
    "household",
    "visit",
    "audit_event",
    "conflict_of_interest",
    "package",
    "package_event",
    "fund",
    "fund_entry",
    "review",
)


def upgrade() -> None:
    for table in SYNCED:
        op.add_column(table, sa.Column("server_version", sa.Integer(), nullable=True))
        op.create_index(f"ix_{table}_server_version", table, ["server_version"])
    op.create_table(
        "sync_client",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", UUID, nullable=False),
        sa.Column("next_mutation_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("mutation_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("client_id", UUID, primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("actor_id", UUID, nullable=True),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("tape", sa.Text(), nullable=False),
        sa.Column("touched", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
    )
    op.create_index("ix_outbox_digest", "outbox", ["digest"])
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_table(
        "sync_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO sync_version (id, version) VALUES (1, 0)")
    op.create_table(
        "sync_client_state",
        sa.Column("client_id", UUID, primary_key=True),
        sa.Column("last_mutation_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "sync_mutation",
        sa.Column("client_id", UUID, primary_key=True),
        sa.Column("mutation_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("actor_id", UUID, nullable=True),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("diverged", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_sync_mutation_digest", "sync_mutation", ["digest"])
    op.create_index("ix_sync_mutation_server_version", "sync_mutation", ["server_version"])
    op.create_table(
        "household_conflict",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("base_value", sa.Text(), nullable=False),
        sa.Column("store_value", sa.Text(), nullable=False),
        sa.Column("their_value", sa.Text(), nullable=False),
        sa.Column("raised_by", UUID, nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", UUID, nullable=True),
        sa.Column("chosen_value", sa.Text(), nullable=True),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_household_conflict_household_id", "household_conflict", ["household_id"])
    op.create_index(
        "ix_household_conflict_server_version", "household_conflict", ["server_version"]
    )


def downgrade() -> None:
    for table in (
        "household_conflict",
        "sync_mutation",
        "sync_client_state",
        "sync_version",
        "outbox",
        "sync_client",
    ):
        op.drop_table(table)
    for table in SYNCED:
        op.drop_index(f"ix_{table}_server_version", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("server_version")
