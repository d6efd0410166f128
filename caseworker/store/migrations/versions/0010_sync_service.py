"""The sync service: enrolled devices, people's signing keys, signed changes, a keyed
audit chain with signed heads, and the team's recovery key.

Every store gets the tables; laptops leave the service's ones empty.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()


def _text(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def _string(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("user_account") as table:
        table.add_column(_string("public_key"))
        table.add_column(_text("sealed_key"))
    with op.batch_alter_table("outbox") as table:
        table.add_column(_string("signature"))
    with op.batch_alter_table("sync_client") as table:
        table.add_column(sa.Column("device_id", UUID, nullable=True))
    with op.batch_alter_table("sync_client_state") as table:
        table.add_column(sa.Column("device_id", UUID, nullable=True))
    with op.batch_alter_table("sync_mutation") as table:
        table.add_column(_string("signature"))
        table.add_column(sa.Column("device_id", UUID, nullable=True))
    op.create_table(
        "device",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("enrolled_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("replaces", UUID, nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        _text("escrow"),
    )
    op.create_index("ix_device_token_hash", "device", ["token_hash"], unique=True)
    op.create_table(
        "enrolment_code",
        sa.Column("code_hash", sa.String(), primary_key=True),
        sa.Column("made_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("replaces", UUID, nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", UUID, nullable=True),
    )
    op.create_table(
        "audit_mac",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("mac", sa.String(), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ledger", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("signature", sa.String(), nullable=False),
    )
    op.create_table(
        "team_key",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("made_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for name in ("team_key", "audit_head", "audit_mac", "enrolment_code", "device"):
        op.drop_table(name)
    with op.batch_alter_table("sync_mutation") as table:
        table.drop_column("device_id")
        table.drop_column("signature")
    with op.batch_alter_table("sync_client_state") as table:
        table.drop_column("device_id")
    with op.batch_alter_table("sync_client") as table:
        table.drop_column("device_id")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("signature")
    with op.batch_alter_table("user_account") as table:
        table.drop_column("sealed_key")
        table.drop_column("public_key")
