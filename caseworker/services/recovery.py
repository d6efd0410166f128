"""Key escrow on the team store: the team's recovery key and each laptop's escrow.

The store holds the recovery key's *public* half (``team_key`` row "recovery") and,
on each enrolled device, that laptop's store key sealed to it (``device.escrow``).
Neither opens anything: the private half is kept offline
(:mod:`caseworker.domain.recovery`). Every change here is audited, never with the
sealed value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC

from caseworker.domain import recovery
from caseworker.domain.clock import now
from caseworker.domain.users import User
from caseworker.services.audit import AuditTrail
from caseworker.services.devices import NO_SUCH_DEVICE
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused
from caseworker.services.users import require_manager
from caseworker.store.database import Store
from caseworker.store.service_tables import Device, TeamKey

NO_RECOVERY_KEY = (
    "The team has no recovery key yet: IT or a manager makes one where the sync service "
    "runs with `caseworker recovery init`. Laptops escrow their store key at the next sync."
)
_KEY_ENTITY = uuid.UUID(int=0)  # what an audit entry about the team's recovery key is about


@dataclass(frozen=True)
class RecoveryKey:
    public_key: str  # hex
    key_id: str


def current_key(store: Store) -> RecoveryKey | None:
    with store.read() as session:
        row = session.get(TeamKey, recovery.RECOVERY_KEY_NAME)
        return RecoveryKey(row.public_key, recovery.key_id(row.public_key)) if row else None


def publish_key(store: Store, manager: User | None, public: str, replace: bool = False) -> None:
    """Make ``public`` the team's recovery key. An existing one is kept unless
    ``replace``: laptops then escrow again at their next sync. ``manager`` is None for
    the service's own administrator."""
    if manager is not None:
        require_manager(manager, "set the team's recovery key")
    with store.unit_of_work() as session:
        row = session.get(TeamKey, recovery.RECOVERY_KEY_NAME)
        if row is not None and not replace:
            raise PermissionRefused(
                f"The team already has a recovery key ({recovery.key_id(row.public_key)}). "
                "Replacing it makes every laptop escrow again, and escrows not yet redone "
                "still need the old key's file: give --replace if that is what you want."
            )
        old = recovery.key_id(row.public_key) if row else ""
        if row is None:
            row = TeamKey(name=recovery.RECOVERY_KEY_NAME, public_key=public)
        row.public_key, row.made_at = public, now().astimezone(UTC)
        row.made_by = manager.id if manager else None
        session.add(row)
        AuditTrail(session, manager.id if manager else None).record(
            "team_key",
            _KEY_ENTITY,
            "recovery key replaced" if old else "recovery key made",
            {"key_id": recovery.key_id(public), "replaces": old},
        )


def save_escrow(store: Store, device_id: uuid.UUID, sealed: str) -> str:
    """Keep the calling laptop's sealed store key; its recovery key id. Only text sealed
    to the team's current recovery key is taken (a clear key is not sealed text)."""
    try:
        kid = recovery.sealed_key_id(sealed)
    except recovery.Unreadable as exc:
        raise InvalidInput({"escrow": "The escrow is not a sealed store key."}) from exc
    with store.unit_of_work() as session:
        team = session.get(TeamKey, recovery.RECOVERY_KEY_NAME)
        if team is None:
            raise NotFound(NO_RECOVERY_KEY)
        if kid != recovery.key_id(team.public_key):
            raise PermissionRefused(
                "That escrow is sealed to a recovery key the team no longer uses; sync again "
                "to escrow to the current one."
            )
        device = session.get(Device, device_id)
        if device is None:
            raise NotFound(NO_SUCH_DEVICE)
        device.escrow = sealed
        session.add(device)
        AuditTrail(session, None).record("device", device_id, "store key escrowed", {"key_id": kid})
    return kid


def escrowed_to(store: Store, device_id: uuid.UUID) -> str:
    """The recovery key id this device's escrow is sealed to ("" if none)."""
    with store.read() as session:
        device = session.get(Device, device_id)
        escrow = device.escrow if device else ""
    try:
        return recovery.sealed_key_id(escrow) if escrow else ""
    except recovery.Unreadable:
        return ""


def take_escrow(store: Store, manager: User | None, device_id: uuid.UUID) -> str:
    """A device's sealed store key, for IT to open offline; audited (never the value)."""
    if manager is not None:
        require_manager(manager, "recover a laptop's store key")
    with store.unit_of_work() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise NotFound(NO_SUCH_DEVICE)
        if not device.escrow:
            raise NotFound(
                "That laptop has not escrowed its store key (it has not synced since the "
                "team's recovery key was made), so it cannot be recovered from the escrow. "
                "Its synced work is in the team store; its unsynced work cannot be read."
            )
        AuditTrail(session, manager.id if manager else None).record(
            "device", device_id, "escrow taken for recovery", {"name": device.name}
        )
        return device.escrow
