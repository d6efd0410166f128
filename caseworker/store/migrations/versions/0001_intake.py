"""Drop-in intake: users, households, members, visits, drafts, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("officer_code", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_user_account_officer_code", "user_account", ["officer_code"], unique=True)
    op.create_table(
        "household",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("address_line1", sa.String(), nullable=False),
        sa.Column("address_line2", sa.String(), nullable=False),
        sa.Column("town", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("tenure", sa.String(), nullable=True),
        sa.Column("savings_pence", sa.Integer(), nullable=True),
        sa.Column("rent_arrears_pence", sa.Integer(), nullable=True),
        sa.Column("mortgage_arrears_pence", sa.Integer(), nullable=True),
        sa.Column("utility_arrears_pence", sa.Integer(), nullable=True),
        sa.Column("council_tax_arrears_pence", sa.Integer(), nullable=True),
        sa.Column("other_debts_pence", sa.Integer(), nullable=True),
        sa.Column("benefits", sa.JSON(), nullable=True),
        sa.Column("last_visit_date", sa.Date(), nullable=True),
        sa.Column("created_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_household_reference", "household", ["reference"], unique=True)
    op.create_index("ix_household_postcode", "household", ["postcode"])
    op.create_index("ix_household_updated_at", "household", ["updated_at"])
    op.create_table(
        "member",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("relationship", sa.String(), nullable=False),
        sa.Column("work_status", sa.String(), nullable=True),
        sa.Column("reduced_hours", sa.Boolean(), nullable=False),
        sa.Column("earnings_fell_on", sa.Date(), nullable=True),
        sa.Column("earnings_fall_reason", sa.String(), nullable=True),
        sa.Column("in_education_or_training", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_member_household_id", "member", ["household_id"])
    op.create_table(
        "visit",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("officer_id", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(), nullable=False),
        sa.Column("point_of_need", sa.Text(), nullable=False),
        sa.Column("need_categories", sa.JSON(), nullable=True),
        sa.Column("no_money_for_food_or_fuel", sa.Boolean(), nullable=False),
        sa.Column("unfamiliar_with_benefits", sa.Boolean(), nullable=False),
        sa.Column("family_strain", sa.Boolean(), nullable=False),
        sa.Column("substance_use", sa.Boolean(), nullable=False),
        sa.Column("hearing_date", sa.Date(), nullable=True),
        sa.Column("work_event", sa.String(), nullable=True),
        sa.Column("work_event_date", sa.Date(), nullable=True),
        sa.Column("work_member_id", UUID, nullable=True),
        sa.Column("getting_to_work_cost_pence", sa.Integer(), nullable=True),
        sa.Column("tools_cost_pence", sa.Integer(), nullable=True),
        sa.Column("course_fee_pence", sa.Integer(), nullable=True),
        sa.Column("course_member_id", UUID, nullable=True),
        sa.Column("childcare_cost_pence", sa.Integer(), nullable=True),
        sa.Column("financial", sa.Integer(), nullable=True),
        sa.Column("mental", sa.Integer(), nullable=True),
        sa.Column("social", sa.Integer(), nullable=True),
        sa.Column("human", sa.Integer(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_visit_household_id", "visit", ["household_id"])
    op.create_table(
        "draft",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_draft_user_id", "draft", ["user_id"])
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", UUID, nullable=False, unique=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", UUID, nullable=True),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", UUID, nullable=False),
        sa.Column("household_id", UUID, nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_digest", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    op.create_index("ix_audit_event_household_id", "audit_event", ["household_id"])


def downgrade() -> None:
    for table in ("audit_event", "draft", "visit", "member", "household", "user_account"):
        op.drop_table(table)
