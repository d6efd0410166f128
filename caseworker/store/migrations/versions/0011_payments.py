"""Payments: an instruction per approved package by one route, and finance's file lines.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()


def _text(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("package_id", UUID, sa.ForeignKey("package.id"), nullable=False),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        _text("details"),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("instructed_by", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("instructed_at", sa.DateTime(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        _text("outcome_reason"),
        sa.Column("task_closed_on", sa.Date(), nullable=True),
        _text("task_note"),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_payment_package_id", "payment", ["package_id"])
    op.create_index("ix_payment_household_id", "payment", ["household_id"])
    op.create_index("ix_payment_reference", "payment", ["reference"], unique=True)
    op.create_index("ix_payment_status", "payment", ["status"])
    op.create_index("ix_payment_server_version", "payment", ["server_version"])
    op.create_table(
        "finance_line",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("line_id", sa.String(), nullable=False),
        sa.Column("payment_reference", sa.String(), nullable=False),
        sa.Column("payment_id", UUID, sa.ForeignKey("payment.id"), nullable=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=True),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
        _text("reason"),
        sa.Column("result", sa.String(), nullable=False),
        _text("note"),
        sa.Column("imported_by", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_finance_line_line_id", "finance_line", ["line_id"], unique=True)
    op.create_index("ix_finance_line_payment_reference", "finance_line", ["payment_reference"])
    op.create_index("ix_finance_line_payment_id", "finance_line", ["payment_id"])
    op.create_index("ix_finance_line_household_id", "finance_line", ["household_id"])
    op.create_index("ix_finance_line_server_version", "finance_line", ["server_version"])


def downgrade() -> None:
    op.drop_table("finance_line")
    op.drop_table("payment")
