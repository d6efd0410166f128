"""Drafts: raw form state saved every few seconds so nothing typed is lost.

A draft is keyed by user, kind ("household" or "visit") and subject (the
record id, or "new"). It holds text exactly as typed, valid or not; saving the
real record discards it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from caseworker.domain.users import User
from caseworker.store.database import Store
from caseworker.store.tables import DraftRow, utcnow


def save_draft(store: Store, user: User, kind: str, subject: str, payload: dict[str, Any]) -> None:
    with store.unit_of_work() as session:
        row = _find(session, user, kind, subject)
        if row is None:
            row = DraftRow(user_id=user.id, kind=kind, subject=subject)
        row.payload = payload
        row.updated_at = utcnow()
        session.add(row)


def load_draft(store: Store, user: User, kind: str, subject: str) -> dict[str, Any] | None:
    with store.read() as session:
        row = _find(session, user, kind, subject)
        return dict(row.payload) if row is not None else None


def discard_draft(store: Store, user: User, kind: str, subject: str) -> None:
    with store.unit_of_work() as session:
        drop_draft(session, user, kind, subject)


def drop_draft(session: Session, user: User, kind: str, subject: str) -> None:
    """Remove a draft inside the caller's transaction (the one that saves the record)."""
    row = _find(session, user, kind, subject)
    if row is not None:
        session.delete(row)


def _find(session: Session, user: User, kind: str, subject: str) -> DraftRow | None:
    row: DraftRow | None = session.exec(
        select(DraftRow).where(
            DraftRow.user_id == user.id, DraftRow.kind == kind, DraftRow.subject == subject
        )
    ).first()
    return row
