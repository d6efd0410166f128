"""Signing in. Passwords arrive with the approvals work; until then an officer
signs in with their name and officer code, and a first sign-in registers them."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlmodel import select

from caseworker.domain.errors import describe
from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.store.database import Store
from caseworker.store.tables import UserAccount

log = logging.getLogger(__name__)


def sign_in(store: Store, name: str, officer_code: str) -> User:
    """Return the user with this code, registering them on first sign-in."""
    try:
        candidate = User(name=name, officer_code=officer_code)
    except ValidationError as exc:
        raise InvalidInput(describe(exc, User)) from exc
    with store.unit_of_work() as session:
        row = session.exec(
            select(UserAccount).where(UserAccount.officer_code == candidate.officer_code)
        ).first()
        if row is None:
            row = UserAccount(
                id=candidate.id,
                name=candidate.name,
                officer_code=candidate.officer_code,
                role=Role.OFFICER.value,
            )
            session.add(row)
            AuditTrail(session, row.id).record(
                "user", row.id, "registered", {"officer_code": row.officer_code}
            )
            log.info("registered user %s", row.id)
        elif row.name.casefold() != candidate.name.casefold():
            raise ServiceError(
                f"Officer code {candidate.officer_code} belongs to someone else. "
                "Check your code, or ask your team manager for yours."
            )
        log.info("user %s signed in", row.id)
        return User(id=row.id, name=row.name, officer_code=row.officer_code, role=Role(row.role))
