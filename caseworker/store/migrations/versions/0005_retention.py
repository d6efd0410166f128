"""Retention: the append-only tables may have their personal text erased, nothing else.

De-identification (after the retention period) erases an audit entry's
payload and a decision's free-text reason and reference. The hash chain
covers the payload's digest, not the payload, so it stays verifiable; every
other column still cannot change, and rows still cannot be deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (erasable columns, every other column)
_ERASABLE = {
    "audit_event": (
        ("payload",),
        (
            "seq",
            "id",
            "at",
            "actor_id",
            "entity",
            "entity_id",
            "household_id",
            "action",
            "payload_digest",
            "prev_hash",
            "hash",
        ),
    ),
    "package_event": (
        ("reason", "reference"),
        ("seq", "id", "package_id", "status", "actor_id", "at", "amount_pence", "method"),
    ),
}


def _sqlite_trigger(table: str, erasable: tuple[str, ...], fixed: tuple[str, ...]) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in fixed)
    not_erased = " OR ".join(f"COALESCE(NEW.{c}, '') <> ''" for c in erasable)
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"WHEN {changed} OR {not_erased} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: only its personal text "
        "may be erased'); END"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (erasable, fixed) in _ERASABLE.items():
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            keep = " - ".join(f"'{c}'" for c in erasable)
            blank = " AND ".join(f"COALESCE(NEW.{c}, '') = ''" for c in erasable)
            op.execute(
                f"CREATE OR REPLACE FUNCTION {table}_erase_only() RETURNS trigger AS $$ "
                f"BEGIN IF (to_jsonb(NEW) - {keep}) <> (to_jsonb(OLD) - {keep}) "
                f"OR NOT ({blank}) THEN RAISE EXCEPTION '{table} is append-only'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_erase_only()"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(_sqlite_trigger(table, erasable, fixed))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _ERASABLE:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION caseworker_append_only()"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
