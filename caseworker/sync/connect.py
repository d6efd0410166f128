"""Reaching the shared store: its address from settings, its credentials from the keyring.

The address (``shared_store_url`` in settings, or ``--store``) never holds a
password. ``caseworker store login URL`` saves the user name and password in the
OS keyring under the address; here they are added back when connecting. A path
or ``sqlite:///`` address needs no credentials.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError
from sqlalchemy.engine import make_url

from caseworker import paths
from caseworker.domain.rules import RuleSet
from caseworker.store.database import Store
from caseworker.store.errors import StoreUnavailable
from caseworker.sync.http import HttpRemote, check_address, is_service
from caseworker.sync.remote import Remote, StoreRemote

KEYRING_SERVICE = "Caseworker shared store"
NO_KEYRING = (
    "No keyring is available to keep the shared store's password (on Linux, install and "
    "unlock GNOME Keyring or KWallet, or set PYTHON_KEYRING_BACKEND). The password is never "
    "written to a settings file."
)


def normalise(address: str) -> str:
    """A SQLAlchemy URL for ``address``: a bare path means a shared SQLite file."""
    if "://" in address:
        url = make_url(address)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url.set(password=None).render_as_string(hide_password=False)
    return f"sqlite:///{Path(address).expanduser().resolve()}"


def save_login(address: str, username: str, password: str) -> None:
    try:
        keyring.set_password(KEYRING_SERVICE, normalise(address), json.dumps([username, password]))
    except (NoKeyringError, KeyringError) as exc:
        raise StoreUnavailable(NO_KEYRING) from exc


def forget_login(address: str) -> bool:
    """Remove a saved database login (a laptop moving to the sync service); True if one was
    there."""
    try:
        if keyring.get_password(KEYRING_SERVICE, normalise(address)) is None:
            return False
        keyring.delete_password(KEYRING_SERVICE, normalise(address))
    except (NoKeyringError, KeyringError) as exc:
        raise StoreUnavailable(NO_KEYRING) from exc
    return True


def with_login(address: str) -> str:
    """The URL with the saved user name and password, for the engine only (never logged)."""
    url = make_url(normalise(address))
    if url.drivername.startswith("sqlite"):
        return url.render_as_string(hide_password=False)
    try:
        saved = keyring.get_password(KEYRING_SERVICE, normalise(address))
    except (NoKeyringError, KeyringError) as exc:
        raise StoreUnavailable(NO_KEYRING) from exc
    if saved:
        username, password = json.loads(saved)
        url = url.set(username=username, password=password)
    return url.render_as_string(hide_password=False)


def open_team_store(address: str, upgrade: bool = False, pool: int | None = None) -> Store:
    """The shared store at ``address``; ``StoreUnavailable`` says what to do if not."""
    url = make_url(with_login(address))
    if url.drivername.startswith("postgresql"):
        # A short timeout and UTC times, unless the address already sets them.
        defaults = {"connect_timeout": "5", "options": "-c timezone=UTC"}
        url = url.update_query_dict({**defaults, **url.query})
    return Store.open_shared(url.render_as_string(hide_password=False), upgrade=upgrade, pool=pool)


DEVICE_SERVICE = "Caseworker sync service"


def _device_entry(address: str) -> str:
    """The keyring entry's name: the service and this data folder (two folders on one
    account, such as a trial beside the real one, are two devices)."""
    return f"{check_address(address)} {paths.local_store_path()}"


def save_device(address: str, device_id: uuid.UUID, token: str) -> None:
    """Keep this laptop's device credential in the OS keyring."""
    try:
        keyring.set_password(
            DEVICE_SERVICE, _device_entry(address), json.dumps([device_id.hex, token])
        )
    except (NoKeyringError, KeyringError) as exc:
        raise StoreUnavailable(NO_KEYRING) from exc


def device_credential(address: str) -> tuple[uuid.UUID, str] | None:
    try:
        saved = keyring.get_password(DEVICE_SERVICE, _device_entry(address))
    except (NoKeyringError, KeyringError) as exc:
        raise StoreUnavailable(NO_KEYRING) from exc
    if not saved:
        return None
    device_id, token = json.loads(saved)
    return uuid.UUID(device_id), token


def open_remote(address: str, rules: RuleSet) -> Remote:
    """What a laptop syncs with: the sync service at an ``https://`` address (with this
    laptop's device credential), or, for a trial on one machine, a store file directly."""
    if not is_service(address):
        return StoreRemote(open_team_store(address), rules, owned=True)
    credential = device_credential(address)
    if credential is None:
        raise StoreUnavailable(
            "This laptop is not enrolled with the team's sync service. Ask a team manager "
            f"for an enrolment code, then run: caseworker enrol {check_address(address)} "
            "--code CODE"
        )
    return HttpRemote(address, credential[1])
