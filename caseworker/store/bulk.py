"""Writing many rows to a local (SQLite) store fast, through the driver.

A new laptop copies hundreds of thousands of rows from the shared store;
SQLAlchemy's per-row parameter processing would be most of that time, so rows
are converted once, here, to the forms SQLAlchemy itself stores in SQLite.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Table,
    TypeDecorator,
    Uuid,
    bindparam,
    insert,
)
from sqlmodel import Session


def insert_raw(
    session: Session, sql: str, columns: Sequence[Column[Any]], rows: list[dict[str, Any]]
) -> None:
    """Execute ``sql`` (with ``?`` for each of ``columns``) once per row (an insert, or
    any statement taking the rows' values in that order)."""
    values = []
    for c in columns:  # column by column: one loop per column, not a generator per row
        column = [r.get(c.name) for r in rows]
        convert = _converter(c.type)
        values.append(column if convert is None else list(map(convert, column)))
    session.connection().exec_driver_sql(sql, list(zip(*values, strict=True)))


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (each with the same keys) in one statement: on SQLite straight
    through the driver, elsewhere with SQLAlchemy's executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    columns = [c for c in table.c if c.name in rows[0]]
    names = ", ".join(f'"{c.name}"' for c in columns)
    insert_raw(
        session,
        f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})',
        columns,
        rows,
    )


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update many rows by ``id`` (each dict has the id and the same columns to set) in
    one statement: on SQLite straight through the driver, elsewhere with executemany."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    if session.get_bind().dialect.name != "sqlite":
        session.execute(
            table.update().where(table.c.id == bindparam("b_id")),
            [{"b_id": r["id"], **{name: r[name] for name in names}} for r in rows],
        )
        return
    settings = ", ".join(f'"{name}" = ?' for name in names)
    insert_raw(
        session,
        f'UPDATE "{table.name}" SET {settings} WHERE "id" = ?',
        [*(table.c[name] for name in names), table.c.id],
        rows,
    )


def _uuid_hex(v: Any) -> Any:
    return v.hex if isinstance(v, uuid.UUID) else v


def _converter(kind: Any) -> Callable[[Any], Any] | None:
    """How a value of this type is stored in SQLite; None when it is stored as it is."""
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString, UTCDateTime...
        kind = kind.impl
    if isinstance(kind, Uuid):
        return _uuid_hex
    if isinstance(kind, DateTime):
        return functools.lru_cache(maxsize=64)(_stored_instant)  # rows often share one
    if isinstance(kind, Date):
        return lambda v: v.isoformat() if isinstance(v, date) else v
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(kind, JSON):
        return json.dumps
    return None


_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite


def _stored_instant(value: Any) -> Any:
    """Instants are stored as UTC wall time, whatever zone the value carries."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(_SQLITE_DATETIME)
