"""Writing many rows fast, through the driver.

A new laptop copies hundreds of thousands of rows from the shared store;
SQLAlchemy's per-row parameter processing would be most of that time, so rows
are converted once, here, to the forms SQLAlchemy itself stores in SQLite.

A sync push writes tens of thousands of rows to a PostgreSQL store; executemany
has the server run the insert once per row, so :func:`insert_many` sends them
with ``COPY … FROM STDIN`` instead (one statement, the rows streamed).
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
    Connection,
    Date,
    DateTime,
    Table,
    TypeDecorator,
    Uuid,
    bindparam,
    insert,
)
from sqlalchemy.exc import DBAPIError
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


COPY_FROM = 20  # fewer rows go by executemany: a COPY costs a round trip more


def insert_many(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``connection.execute(insert(table), rows)`` (each row with the same keys), sent on
    PostgreSQL with ``COPY … FROM STDIN`` when there are many. The values go through
    the columns' own bind processors (JSON as text, as the insert sends it); a column
    the rows leave out must have no default made in Python (else executemany, which
    makes it). A failure is raised as the insert's would be (``IntegrityError``…)."""
    if not rows:
        return
    names = list(rows[0])
    if (
        connection.dialect.name != "postgresql"
        or len(rows) < COPY_FROM
        or not _copyable(table, tuple(names))
    ):
        connection.execute(insert(table), rows)
        return
    dialect = connection.dialect
    processors = [table.c[n].type._cached_bind_processor(dialect) for n in names]
    columns = [
        [r[n] for r in rows] if f is None else [f(r[n]) for r in rows]
        for n, f in zip(names, processors, strict=True)
    ]
    sql = 'COPY "{}" ({}) FROM STDIN'.format(table.name, ", ".join(f'"{n}"' for n in names))
    driver: Any = connection.connection.driver_connection  # psycopg's
    failure = dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
    except failure as exc:  # raised as SQLAlchemy raises the insert's (IntegrityError…)
        raise DBAPIError.instance(sql, None, exc, failure) from exc


@functools.cache
def _copyable(table: Table, names: tuple[str, ...]) -> bool:
    given = set(names)
    return given <= set(table.c.keys()) and all(
        c.default is None for c in table.c if c.name not in given
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
