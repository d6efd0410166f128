"""Laptops known to the team store: enrolment with a one-time code, revocation.

A manager makes a one-time code; a laptop enrols with it and receives a device
credential (a random token it keeps in its keyring). The store keeps only the
token's SHA-256: a 256-bit random token needs no slow hash, and a stolen copy of
the table cannot be replayed. Every request to the sync service is checked here,
so a revoked laptop is refused from its next request.

A laptop whose keyring entry was lost is re-enrolled with a code that names the
old device: the new device takes over the old one's changes (they were signed
there) and the old device is revoked in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from caseworker.domain import signing
from caseworker.domain.clock import now
from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import NotFound, PermissionRefused, ServiceError
from caseworker.services.users import require_manager, to_user
from caseworker.store.database import Store
from caseworker.store.service_tables import Device, EnrolmentCode
from caseworker.store.sync_tables import SyncClientState
from caseworker.store.tables import UserAccount

CODE_HOURS = 24
NO_SUCH_DEVICE = "There is no enrolled laptop with that id: see `caseworker devices list`."
_NO_DEVICE = uuid.UUID(int=0)  # what an audit entry about a code for a new laptop is about
# No 0/O, 1/I/L: the code is read aloud or copied from a screen.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class NotEnrolled(ServiceError):
    """A request without a valid device credential (the service answers 401)."""


@dataclass(frozen=True)
class DeviceView:
    id: uuid.UUID
    name: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    replaces: uuid.UUID | None


def _code_digest(code: str) -> str:
    """A code as typed or read aloud: case, spaces and dashes do not matter."""
    plain = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(plain.encode()).hexdigest()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return now().astimezone(UTC)


def make_code(store: Store, manager: User | None, replaces: uuid.UUID | None = None) -> str:
    """A one-time enrolment code, valid for ``CODE_HOURS`` hours. ``manager`` is None
    only for the service's own administrator (``caseworker devices code`` where the
    service runs, before any manager has a laptop)."""
    if manager is not None:
        require_manager(manager, "enrol laptops")
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    at = _now()
    with store.unit_of_work() as session:
        if replaces is not None and session.get(Device, replaces) is None:
            raise NotFound(
                "There is no enrolled laptop with that id: see `caseworker devices list`."
            )
        session.add(
            EnrolmentCode(
                code_hash=_code_digest(code),
                made_by=manager.id if manager else None,
                made_at=at,
                expires_at=at + timedelta(hours=CODE_HOURS),
                replaces=replaces,
            )
        )
        AuditTrail(session, manager.id if manager else None).record(
            "device",
            replaces or uuid.UUID(int=0),
            "enrolment code made",
            {"replaces": bool(replaces)},
        )
    return code


def enrol(store: Store, code: str, name: str) -> tuple[uuid.UUID, str]:
    """Use a code: a new device and its credential (shown once, to the laptop)."""
    name = " ".join(name.split())[:80] or "laptop"
    at = _now()
    with store.unit_of_work() as session:
        row = session.get(EnrolmentCode, _code_digest(code))
        if row is None or row.used_at is not None or row.expires_at < at:
            raise NotEnrolled(
                "That enrolment code is not valid: it is wrong, used already or more than "
                f"{CODE_HOURS} hours old. Ask a team manager for a new one."
            )
        token = secrets.token_urlsafe(32)
        device = Device(
            name=name,
            token_hash=_token_digest(token),
            enrolled_by=row.made_by,
            enrolled_at=at,
            replaces=row.replaces,
        )
        session.add(device)
        device_id = device.id
        row.used_at, row.device_id = at, device_id
        session.add(row)
        if row.replaces is not None:
            old = session.get(Device, row.replaces)
            if old is not None and old.revoked_at is None:
                old.revoked_at, old.revoked_by = at, row.made_by
                session.add(old)
        AuditTrail(session, row.made_by).record(
            "device", device_id, "enrolled", {"name": name, "replaces": str(row.replaces or "")}
        )
    return device_id, token


def authenticate(store: Store, token: str | None) -> uuid.UUID:
    """The device a request comes from, or ``NotEnrolled`` saying why not."""
    if not token:
        raise NotEnrolled("This request has no device credential: enrol the laptop first.")
    with store.read() as session:
        device = session.exec(
            select(Device).where(Device.token_hash == _token_digest(token))
        ).first()
    if device is None:
        raise NotEnrolled(
            "This laptop is not enrolled with the team's sync service (or its credential is "
            "wrong). Ask a team manager for an enrolment code."
        )
    if device.revoked_at is not None:
        raise NotEnrolled(
            "A team manager revoked this laptop's access to the team store. Its changes are "
            "kept on the laptop; ask a manager to re-enrol it."
        )
    return device.id


def lineage(store: Store, device_id: uuid.UUID) -> set[uuid.UUID]:
    """A device and those it replaced (a re-enrolled laptop keeps its old changes)."""
    found: set[uuid.UUID] = set()
    current: uuid.UUID | None = device_id
    with store.read() as session:
        while current is not None and current not in found:
            found.add(current)
            row = session.get(Device, current)
            current = row.replaces if row else None
    return found


def seen(store: Store, device_id: uuid.UUID) -> None:
    with store.unit_of_work() as session:
        device = session.get(Device, device_id)
        if device is not None:
            device.last_seen_at = _now()
            session.add(device)


def revoke(store: Store, manager: User | None, device_id: uuid.UUID) -> None:
    """Refuse the device from its next request; its past changes stand."""
    if manager is not None:
        require_manager(manager, "revoke laptops")
    with store.unit_of_work() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise NotFound(
                "There is no enrolled laptop with that id: see `caseworker devices list`."
            )
        if device.revoked_at is not None:
            raise PermissionRefused("That laptop was revoked already.")
        device.revoked_at, device.revoked_by = _now(), manager.id if manager else None
        session.add(device)
        AuditTrail(session, manager.id if manager else None).record(
            "device", device.id, "revoked", {"name": device.name}
        )


def list_devices(store: Store) -> list[DeviceView]:
    with store.read() as session:
        rows = session.exec(select(Device).order_by(col(Device.enrolled_at))).all()
        return [
            DeviceView(r.id, r.name, r.enrolled_at, r.revoked_at, r.last_seen_at, r.replaces)
            for r in rows
        ]


class AnotherLaptop(ServiceError):
    """A client id that belongs to another enrolled laptop (the service answers 403)."""


def claim_client(store: Store, client_id: uuid.UUID, device_id: uuid.UUID) -> None:
    """Tie a laptop's sync identity to the device that first sends it; refuse it from any
    other device, so changes cannot be replayed from another laptop. A re-enrolled
    laptop keeps the identities of the device it replaced."""
    with store.read() as session:  # the common case, every request: no write
        known = session.get(SyncClientState, client_id)
        if known is not None and known.device_id == device_id:
            return
    family = lineage(store, device_id)
    with store.unit_of_work() as session:
        state = session.get(SyncClientState, client_id, with_for_update=True)
        if state is None:
            session.add(SyncClientState(client_id=client_id, device_id=device_id))
        elif state.device_id is None or state.device_id in family - {device_id}:
            state.device_id = device_id  # made before enrolment, or by the replaced device
            session.add(state)
        elif state.device_id != device_id:
            raise AnotherLaptop(
                "These changes belong to another laptop's sync identity; they were not "
                "accepted. If this laptop replaced another, ask a manager to re-enrol it "
                "as a replacement."
            )


REQUEST_MINUTES = 10  # a signed request older (or newer) than this is refused


def signed_by_manager(
    store: Store, manager_id: uuid.UUID, action: str, fields: dict[str, str], signature: str
) -> User:
    """The manager whose signature ``signature`` is, over ``action`` and ``fields`` (which
    hold ``at``, an ISO instant), or a refusal: the store's account decides the role.

    A request is good for ``REQUEST_MINUTES`` either side of now, so one overheard
    cannot be used later; within that window a repeat makes a second code or finds
    the laptop revoked already."""
    with store.read() as session:
        row = session.get(UserAccount, manager_id)
    refused = PermissionRefused(
        "This request is not signed by a team manager of this store: sign in as a "
        "manager on the laptop and try again."
    )
    if row is None or not row.public_key or not row.active or row.role != Role.MANAGER:
        raise refused
    message = signing.request_message(action, fields)
    if not signing.verify(row.public_key, message, signature):
        raise refused
    try:
        at = datetime.fromisoformat(fields["at"])
    except (KeyError, ValueError) as exc:
        raise refused from exc
    if at.tzinfo is None or abs(at - _now()) > timedelta(minutes=REQUEST_MINUTES):
        raise PermissionRefused(
            "This signed request is too old (or the laptop's clock is wrong): check the "
            "laptop's date and time, then try again."
        )
    return to_user(row)
