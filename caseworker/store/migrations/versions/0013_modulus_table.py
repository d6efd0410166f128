"""The bank modulus check's tables as the council loaded them from Pay.UK (issue 20).

``modulus_table`` holds one row: the weight table (valacdos.txt) and the sort code
substitution table (scsubtab.txt) as text, checked when a team manager loaded them
with ``caseworker payments modulus-table``; the sync copies it to every laptop.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "modulus_table",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _text("weights"),
        _text("substitutions"),
        _text("source"),
        sa.Column("row_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("loaded_by", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("server_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_modulus_table_server_version", "modulus_table", ["server_version"])


def downgrade() -> None:
    op.drop_index("ix_modulus_table_server_version", "modulus_table")
    op.drop_table("modulus_table")
