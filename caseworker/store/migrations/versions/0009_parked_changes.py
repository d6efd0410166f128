"""Parked changes: a change the team store refused stays on the laptop, parked.

Before this version a refused change was taken back from the laptop and its
outbox row kept only as the record of why ("refused"). Such rows are now
"parked": they can be resent (the arguments are all still there) or discarded.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE outbox SET state = 'parked' WHERE state = 'refused'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET state = 'refused' WHERE state IN ('parked', 'waiting')")
