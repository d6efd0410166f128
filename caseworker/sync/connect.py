"""Reaching the shared store: its address from settings, its credentials from the keyring.

The address (``shared_store_url`` in settings, or ``--store``) never holds a
password. ``caseworker store login URL`` saves the user name and password in the
OS keyring under the address; here they are added back when connecting. A path
or ``sqlite:///`` address needs no credentials.
"""

from __future__ import annotations

import json
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError
from sqlalchemy.engine import make_url

from caseworker.store.database import Store
from caseworker.store.errors import StoreUnavailable

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


def open_team_store(address: str, upgrade: bool = False) -> Store:
    """The shared store at ``address``; ``StoreUnavailable`` says what to do if not."""
    url = make_url(with_login(address))
    if url.drivername.startswith("postgresql"):
        # A short timeout and UTC times, unless the address already sets them.
        defaults = {"connect_timeout": "5", "options": "-c timezone=UTC"}
        url = url.update_query_dict({**defaults, **url.query})
    return Store.open_shared(url.render_as_string(hide_password=False), upgrade=upgrade)
