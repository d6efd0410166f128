"""Rows written in a block: noted for the outbox, and stamped with the store's version.

A laptop's mutation notes ``(table, id)`` of every row it writes (the outbox keeps
them: if the shared store refuses the change, the laptop takes back exactly those
rows). A push stamps ``server_version`` on every synced row it writes, so pulls
find them. Rows written through the ORM are handled by a flush hook; the hot
paths that write with Core statements call :func:`written` themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlmodel import Session


@dataclass
class Touched:
    keys: set[tuple[str, str]] = field(default_factory=set)


_touched: ContextVar[Touched | None] = ContextVar("touched_rows", default=None)
_stamp: ContextVar[int | None] = ContextVar("server_version_stamp", default=None)


@contextmanager
def collecting_touched() -> Iterator[Touched]:
    """Note ``(table, id)`` of every row written in this block."""
    touched = Touched()
    token = _touched.set(touched)
    try:
        yield touched
    finally:
        _touched.reset(token)


@contextmanager
def stamping(version: int) -> Iterator[None]:
    """Set ``server_version`` on every synced row written in this block (a push)."""
    token = _stamp.set(version)
    try:
        yield
    finally:
        _stamp.reset(token)


def written(table: str, row_id: uuid.UUID) -> dict[str, Any]:
    """Note a row written by a Core statement; the columns to add to its values."""
    touched, stamp = _touched.get(), _stamp.get()
    if touched is not None:
        touched.keys.add((table, row_id.hex))
    return {} if stamp is None else {"server_version": stamp}


def written_all(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`written` for many rows (each with its ``id``) of one Core statement: notes
    them all and adds the columns to each, reading the context once."""
    touched, stamp = _touched.get(), _stamp.get()
    if touched is not None:
        touched.keys.update((table, r["id"].hex) for r in rows)
    if stamp is not None:
        for r in rows:
            r["server_version"] = stamp
    return rows


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched, stamp = _touched.get(), _stamp.get()
    if touched is None and stamp is None:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is None:
            continue
        if touched is not None and hasattr(obj, "id") and isinstance(obj.id, uuid.UUID):
            touched.keys.add((table, obj.id.hex))
        if stamp is not None and hasattr(obj, "server_version") and obj not in session.deleted:
            obj.server_version = stamp
