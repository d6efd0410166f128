"""The laptop's side of key escrow: its store key, sealed to the team's recovery key,
is kept by the sync service, so a lost keyring entry loses no unsynced work.

The laptop escrows after enrolling and at any sync where the team's recovery key
changed or the service has no escrow from this device sealed to it. Escrow never
fails a sync: a failure is logged and tried again at the next one. The store key is
sealed here, before it leaves the laptop, and never logged.

Which recovery key this laptop last escrowed to is noted in its own encrypted
store (its ``team_key`` table, which laptops otherwise leave empty and never
sync), not in settings: the note belongs to this data folder and its key, travels
with them, and settings are the person's preferences, which a machine-wide file
may lock. The service's answer (``escrowed``) is checked as well, so a re-enrolled
laptop, or an escrow lost from the store, is escrowed again.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Protocol, runtime_checkable

from caseworker.domain import recovery
from caseworker.domain.clock import now
from caseworker.store.database import Store
from caseworker.store.encryption import local_path, saved_key
from caseworker.store.service_tables import TeamKey
from caseworker.sync.wire import RecoveryKeyAnswer

log = logging.getLogger(__name__)


@runtime_checkable
class Escrowing(Protocol):
    """A remote that keeps escrows: the sync service (``HttpRemote``)."""

    def recovery_key(self) -> RecoveryKeyAnswer | None: ...

    def escrow(self, sealed: str) -> None: ...


def noted_key(local: Store) -> str | None:
    """The recovery key (hex) this laptop last escrowed its store key to."""
    with local.read() as session:
        row = session.get(TeamKey, recovery.RECOVERY_KEY_NAME)
        return row.public_key if row else None


def _note(local: Store, public: str | None) -> None:
    with local.unit_of_work() as session:
        row = session.get(TeamKey, recovery.RECOVERY_KEY_NAME)
        if public is None:
            if row is not None:
                session.delete(row)
            return
        row = row or TeamKey(name=recovery.RECOVERY_KEY_NAME, public_key=public)
        row.public_key, row.made_at = public, now().astimezone(UTC)
        session.add(row)


def forget_escrow(local: Store) -> None:
    """A new enrolment has no escrow yet: escrow again at the next chance."""
    _note(local, None)


def escrow(local: Store, remote: Escrowing) -> str | None:
    """Escrow this laptop's store key if needed; the recovery key id it is escrowed to,
    or None when there is nothing to escrow (an unencrypted store) or no team key."""
    path = local_path(local)
    key = saved_key(path) if path is not None else None
    if key is None:
        return None
    team = remote.recovery_key()
    if team is None:
        log.info("the team has no recovery key yet: store key not escrowed")
        return None
    if team.escrowed and noted_key(local) == team.public_key:
        return team.key_id
    remote.escrow(recovery.seal_to(team.public_key, key.encode("utf-8")))
    _note(local, team.public_key)
    log.info("store key escrowed to the team's recovery key %s", team.key_id)
    return team.key_id


def escrow_quietly(local: Store, remote: object) -> str | None:
    """:func:`escrow`, for the end of a sync: a failure only logs (the next sync tries
    again), because nothing about escrow should stop a laptop syncing its work."""
    if not isinstance(remote, Escrowing):
        return None
    try:
        return escrow(local, remote)
    except Exception as exc:  # any failure: log it, sync on, try again next time
        log.warning("could not escrow the store key this time (%s: %s)", type(exc).__name__, exc)
        return None
