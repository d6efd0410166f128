"""Approvals: passwords, conflicts of interest, packages and decisions, the team fund.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()
APPEND_ONLY = ("package_event", "fund_entry", "audit_event")


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(), nullable=True))
        batch.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default="1"))
    op.create_table(
        "conflict_of_interest",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_conflict_of_interest_user_id", "conflict_of_interest", ["user_id"])
    op.create_index(
        "ix_conflict_of_interest_household_id", "conflict_of_interest", ["household_id"]
    )
    op.create_table(
        "package",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("visit_id", UUID, sa.ForeignKey("visit.id"), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("created_by", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("policy_version", sa.String(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_package_household_id", "package", ["household_id"])
    op.create_index("ix_package_status", "package", ["status"])
    op.create_table(
        "package_event",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", UUID, nullable=False, unique=True),
        sa.Column("package_id", UUID, sa.ForeignKey("package.id"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("actor_id", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=True),
        sa.Column("reference", sa.String(), nullable=True),
    )
    op.create_index("ix_package_event_package_id", "package_event", ["package_id"])
    op.create_table(
        "fund",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("financial_year", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("team", "financial_year", name="uq_fund_team_year"),
    )
    op.create_table(
        "fund_entry",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", UUID, nullable=False, unique=True),
        sa.Column("fund_id", UUID, sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("officer_id", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("package_id", UUID, sa.ForeignKey("package.id"), nullable=True),
        sa.Column("actor_id", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_fund_entry_fund_id", "fund_entry", ["fund_id"])
    # Decisions, the ledger and the audit trail are append-only: the store itself
    # refuses to change or delete them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION caseworker_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if op.get_bind().dialect.name == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION caseworker_append_only()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    on = " ON {}" if op.get_bind().dialect.name == "postgresql" else ""
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}" + on.format(table))
    for table in ("fund_entry", "fund", "package_event", "package", "conflict_of_interest"):
        op.drop_table(table)
    with op.batch_alter_table("user_account") as batch:
        for column in ("active", "locked_until", "failed_sign_ins", "password_hash"):
            batch.drop_column(column)
