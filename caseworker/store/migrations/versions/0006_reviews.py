"""Reviews: one follow-up review per approved package, due 84 days after approval.

Packages approved before this revision get their review too (policy part 8:
every approved package has one), so no household drops out of the evidence.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

from caseworker.domain import clock

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid()
REVIEW_AFTER_DAYS = 84  # frozen here: a migration must not change when the domain does
APPROVED = ("approved_on_the_spot", "approved", "paid")


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("package_id", UUID, sa.ForeignKey("package.id"), nullable=False, unique=True),
        sa.Column("household_id", UUID, sa.ForeignKey("household.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("officer_id", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("completed_by", UUID, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("financial", sa.Integer(), nullable=True),
        sa.Column("mental", sa.Integer(), nullable=True),
        sa.Column("social", sa.Integer(), nullable=True),
        sa.Column("human", sa.Integer(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("home_kept", sa.Boolean(), nullable=True),
        sa.Column("job_started", sa.Boolean(), nullable=True),
        sa.Column("hours_restored", sa.Boolean(), nullable=True),
        sa.Column("training_started", sa.Boolean(), nullable=True),
        sa.Column("debt_plan_in_place", sa.Boolean(), nullable=True),
        sa.Column("referrals_taken_up", sa.Text(), nullable=False, server_default=""),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_review_household_id", "review", ["household_id"])
    op.create_index("ix_review_due_on", "review", ["due_on"])
    op.create_index("ix_review_officer_id", "review", ["officer_id"])
    _backfill()


def _backfill() -> None:
    """A review for every package approved (and not withdrawn) before reviews existed."""
    package = sa.table(
        "package",
        sa.column("id", UUID),
        sa.column("household_id", UUID),
        sa.column("created_by", UUID),
        sa.column("status", sa.String()),
        sa.column("approved_on", sa.Date()),
    )
    review = sa.table(
        "review",
        sa.column("id", UUID),
        sa.column("package_id", UUID),
        sa.column("household_id", UUID),
        sa.column("due_on", sa.Date()),
        sa.column("officer_id", UUID),
        sa.column("created_at", sa.DateTime()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(package.c.id, package.c.household_id, package.c.created_by, package.c.approved_on)
        .where(package.c.approved_on.is_not(None))
        .where(package.c.status.in_(APPROVED))
    ).all()
    now = clock.now()
    values = [
        {
            "id": uuid.uuid4(),
            "package_id": row.id,
            "household_id": row.household_id,
            "due_on": _as_date(row.approved_on) + timedelta(days=REVIEW_AFTER_DAYS),
            "officer_id": row.created_by,
            "created_at": now,
        }
        for row in rows
    ]
    if values:
        bind.execute(review.insert(), values)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def downgrade() -> None:
    op.drop_table("review")
