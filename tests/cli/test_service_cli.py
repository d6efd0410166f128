"""The sync service end to end through the installed command, in fresh processes:
IT makes an enrolment code where the service runs, the laptop enrols and syncs
with no database credentials, and a revoked laptop is refused and keeps its work."""

from __future__ import annotations

import json
import re
from pathlib import Path

import keyring

from caseworker.services import households, users
from caseworker.store.tables import HouseholdRow
from caseworker.sync.connect import KEYRING_SERVICE as STORE_LOGINS
from caseworker.sync.connect import normalise, save_login
from tests.cli.entry import caseworker
from tests.cli.test_sync_cli import laptop, listed, team
from tests.conftest import PASSWORD, make_household
from tests.server.conftest import Service
from tests.server.conftest import service as service


def signed_in(data: Path) -> None:
    """The officer signs in on the laptop: their changes are signed from then on."""
    with laptop(data) as store:
        users.sign_in(store, "JS01", PASSWORD)


def _code(service: Service) -> str:
    made = caseworker("devices", "code", "--store", service.store_url)
    assert made.returncode == 0, made.stderr
    found = re.search(r"Enrolment code: (\S+)", made.stdout)
    assert found is not None, made.stdout
    return found.group(1)


def test_a_laptop_enrols_syncs_and_is_revoked_without_database_credentials(
    service: Service, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for data, name in ((a, "Jo's laptop"), (b, "Sam's laptop")):
        done = caseworker("enrol", service.url, "--code", _code(service), "--name", name, data=data)
        assert done.returncode == 0, done.stderr
        assert "Enrolled with" in done.stdout
    _manager, officer = team(a)
    signed_in(a)
    with laptop(a) as store:
        made = households.create_household(store, officer, make_household())
    synced = caseworker("sync", data=a)  # the service's address was saved by enrol
    assert synced.returncode == 0, synced.stderr
    assert "Pushed 5 changes" in synced.stdout
    assert caseworker("sync", data=b).returncode == 0
    assert [row["reference"] for row in listed(b)] == [made.reference]
    # The laptops hold a device credential, never the store's.
    assert keyring.get_password(STORE_LOGINS, service.store_url) is None

    devices = caseworker("devices", "list", "--store", service.store_url)
    assert "Jo's laptop  active" in devices.stdout and "Sam's laptop  active" in devices.stdout
    jo = next(line.split()[0] for line in devices.stdout.splitlines() if "Jo's laptop" in line)
    revoked = caseworker("devices", "revoke", jo, "--store", service.store_url)
    assert revoked.returncode == 0, revoked.stderr
    with laptop(a) as store:
        households.create_household(store, officer, make_household(phone="07700 900444"))
    refused = caseworker("sync", data=a)
    assert refused.returncode == 3
    assert "revoked this laptop" in refused.stderr and "Traceback" not in refused.stderr
    assert len(listed(a)) == 2  # the new household is kept on the laptop
    problems = caseworker("sync", "--problems", data=a)
    assert problems.returncode == 0


def test_the_service_refuses_plain_http_beyond_this_machine(tmp_path: Path) -> None:
    done = caseworker("server", "--store", str(tmp_path / "s.db"), "--listen", "0.0.0.0:8443")
    assert done.returncode == 2
    assert "plain HTTP is only for this machine" in done.stderr
    enrol = caseworker("enrol", "http://10.0.0.5:8443", "--code", "X", data=tmp_path / "a")
    assert enrol.returncode == 3 and "https://" in enrol.stderr


def test_a_laptop_syncing_directly_moves_to_the_service_keeping_every_waiting_change(
    service: Service, tmp_path: Path
) -> None:
    a = tmp_path / "a"
    _manager, officer = team(a)
    signed_in(a)
    first = caseworker("sync", "--store", service.store_url, data=a)  # the old, direct way
    assert first.returncode == 0, first.stderr
    (a / "settings.json").write_text(json.dumps({"shared_store_url": service.store_url}))
    code = _code(service)  # where the service runs (one keyring here for both machines)
    save_login(service.store_url, "caseworker_app", "not-a-real-password")
    with laptop(a) as store:
        waiting = households.create_household(store, officer, make_household())
    moved = caseworker("enrol", service.url, "--code", code, data=a)
    assert moved.returncode == 0, moved.stderr
    assert "1 changes waiting are kept" in moved.stdout
    assert "saved login was removed" in moved.stdout
    assert keyring.get_password(STORE_LOGINS, normalise(service.store_url)) is None
    assert json.loads((a / "settings.json").read_text())["shared_store_url"] == service.url
    synced = caseworker("sync", data=a)
    assert synced.returncode == 0, synced.stderr
    assert "Pushed 1 changes" in synced.stdout
    with service.store.read() as session:
        assert session.get(HouseholdRow, waiting.id) is not None


def test_a_manager_enrols_and_revokes_laptops_from_their_own_laptop(
    service: Service, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert caseworker("enrol", service.url, "--code", _code(service), data=a).returncode == 0
    team(a)
    assert caseworker("sync", data=a).returncode == 0  # the manager's key reaches the store

    officer = caseworker(
        "devices", "code", "--as", "JS01", "--password-stdin", data=a, stdin=PASSWORD + "\n"
    )
    assert officer.returncode == 2 and "not signed by a team manager" in officer.stderr
    made = caseworker(
        "devices", "code", "--as", "TM01", "--password-stdin", data=a, stdin=PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stderr
    found = re.search(r"Enrolment code: (\S+)", made.stdout)
    assert found is not None
    enrolled = caseworker("enrol", service.url, "--code", found.group(1), data=b)
    assert enrolled.returncode == 0, enrolled.stderr
    device = re.search(r"as device (\S+)\.", enrolled.stdout)
    assert device is not None
    assert caseworker("sync", data=b).returncode == 0

    revoked = caseworker(
        "devices",
        "revoke",
        device.group(1),
        "--as",
        "TM01",
        "--password-stdin",
        data=a,
        stdin=PASSWORD + "\n",
    )
    assert revoked.returncode == 0, revoked.stderr
    refused = caseworker("sync", data=b)
    assert refused.returncode == 3 and "revoked this laptop" in refused.stderr
