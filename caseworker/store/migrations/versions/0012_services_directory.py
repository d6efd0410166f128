"""The borough's services directory (Open Referral UK) and the service chosen per referral.

``directory_service`` holds each service of the last imported feed (withdrawn
ones kept, marked); ``visit.referral_services`` records, per referral clause,
the directory service the officer referred the family to ("" before this).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "directory_service",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("service_id", sa.String(), nullable=False),
        _text("name"),
        _text("organisation"),
        _text("description"),
        _text("status"),
        _text("address"),
        _text("postcode"),
        sa.Column("district", sa.String(), nullable=False, server_default=""),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        _text("phone"),
        _text("email"),
        _text("url"),
        _text("languages"),
        _text("cost"),
        sa.Column("assured_date", sa.Date(), nullable=True),
        _text("terms"),
        _text("term_keys"),
        _text("opening"),
        _text("source"),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("imported_by", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index(
        "ix_directory_service_service_id", "directory_service", ["service_id"], unique=True
    )
    op.create_index("ix_directory_service_district", "directory_service", ["district"])
    op.create_index("ix_directory_service_server_version", "directory_service", ["server_version"])
    with op.batch_alter_table("visit") as batch:
        batch.add_column(_text("referral_services"))


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("referral_services")
    op.drop_index("ix_directory_service_server_version", "directory_service")
    op.drop_index("ix_directory_service_district", "directory_service")
    op.drop_index("ix_directory_service_service_id", "directory_service")
    op.drop_table("directory_service")
