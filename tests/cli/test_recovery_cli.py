"""Key escrow and recovery end to end, through the installed command in fresh
processes, on SQLite and PostgreSQL: IT makes the team's recovery key, laptops
escrow their store key when they enrol and sync, and a laptop whose keyring
entries were lost gets its key back, re-enrols and loses none of its unsynced work."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import keyring
import pytest
from sqlmodel import col, func, select

from caseworker.domain import recovery
from caseworker.services import households
from caseworker.store.encryption import KEYRING_SERVICE as STORE_KEYS
from caseworker.store.service_tables import Device
from caseworker.store.tables import HouseholdRow
from caseworker.sync.connect import DEVICE_SERVICE
from caseworker.sync.http import HttpRemote, ServiceRefused, check_address
from tests.cli.entry import caseworker
from tests.cli.test_service_cli import _code, signed_in
from tests.cli.test_sync_cli import laptop, team
from tests.conftest import make_household
from tests.server.conftest import Service
from tests.server.conftest import service as service

PASSPHRASE = "river lantern quietly orbit"


def _init(service: Service, out: Path, *extra: str, passphrase: str = PASSPHRASE) -> str:
    done = caseworker(
        "recovery",
        "init",
        "--store",
        service.store_url,
        "--out",
        str(out),
        "--passphrase-stdin",
        *extra,
        stdin=passphrase + "\n",
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"Team recovery key (\w+) made", done.stdout)
    assert found is not None, done.stdout
    return found.group(1)


def _enrol(service: Service, data: Path, code: str | None = None) -> tuple[str, str]:
    """Enrol the laptop; its device id and what enrol said about escrow."""
    done = caseworker("enrol", service.url, "--code", code or _code(service), data=data)
    assert done.returncode == 0, done.stderr
    found = re.search(r"as device (\S+)\. ", done.stdout)
    assert found is not None, done.stdout
    return found.group(1), done.stdout


def _escrow(service: Service, device_id: str) -> str:
    with service.store.read() as session:
        device = session.get(Device, uuid.UUID(device_id))
        assert device is not None
        return device.escrow


def _store_key(data: Path) -> str | None:
    return keyring.get_password(STORE_KEYS, str((data / "caseworker.db").resolve()))


def _device_entry(service: Service, data: Path) -> str:
    return f"{check_address(service.url)} {(data / 'caseworker.db').resolve()}"


def _export(
    service: Service, device_id: str, key: Path, out: Path, passphrase: str
) -> subprocess.CompletedProcess[str]:
    return caseworker(
        "recovery",
        "export",
        "--store",
        service.store_url,
        "--device",
        device_id,
        "--key",
        str(key),
        "--out",
        str(out),
        "--passphrase-stdin",
        stdin=passphrase + "\n",
    )


def test_a_laptop_that_lost_its_keyring_entries_is_recovered_with_its_unsynced_work(
    service: Service, tmp_path: Path
) -> None:
    key_file, a = tmp_path / "recovery.key", tmp_path / "a"
    kid = _init(service, key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    old_id, said = _enrol(service, a)
    assert f"escrowed to the team's recovery key {kid}" in said
    store_key = _store_key(a)
    assert store_key is not None
    escrow = _escrow(service, old_id)
    assert escrow and store_key not in escrow and recovery.sealed_key_id(escrow) == kid
    _manager, officer = team(a)
    signed_in(a)
    assert "Pushed 4 changes" in caseworker("sync", data=a).stdout  # the team
    with laptop(a) as store:  # made offline: not yet in the team store
        unsynced = [
            households.create_household(store, officer, make_household(phone=phone)).id
            for phone in ("07700 900111", "07700 900222")
        ]
    old_token = keyring.get_password(DEVICE_SERVICE, _device_entry(service, a))
    assert old_token is not None

    # The OS account's keyring loses both entries: the store key and the device credential.
    keyring.delete_password(STORE_KEYS, str((a / "caseworker.db").resolve()))
    keyring.delete_password(DEVICE_SERVICE, _device_entry(service, a))
    lost = caseworker("sync", data=a)
    assert lost.returncode == 3 and "not in this computer's keyring" in lost.stderr

    # Where the service runs: open the escrow with the recovery key, for this laptop only.
    wrong = _export(service, old_id, key_file, tmp_path / "x.recovery", "not the passphrase")
    assert wrong.returncode == 2
    assert "passphrase does not open this recovery key file" in wrong.stderr
    assert not (tmp_path / "x.recovery").exists()
    out = tmp_path / "laptop.recovery"
    exported = _export(service, old_id, key_file, out, PASSPHRASE)
    assert exported.returncode == 0, exported.stderr
    found = re.search(r"One-time passphrase: (\S+)", exported.stdout)
    assert found is not None
    assert store_key not in out.read_text() and out.stat().st_mode & 0o777 == 0o600

    # On the laptop: a wrong passphrase changes nothing; the right one restores the key.
    refused = caseworker(
        "recovery", "restore", str(out), "--passphrase-stdin", stdin="ABCD-EFGH\n", data=a
    )
    assert refused.returncode == 2 and "passphrase does not open" in refused.stderr
    assert "Traceback" not in refused.stderr and _store_key(a) is None
    restored = caseworker(
        "recovery", "restore", str(out), "--passphrase-stdin", stdin=found.group(1) + "\n", data=a
    )
    assert restored.returncode == 0, restored.stderr
    assert _store_key(a) == store_key
    assert f"caseworker devices code --store URL --replaces {old_id}" in restored.stdout

    # Re-enrol as a replacement: the old device is revoked, the new one takes over.
    replaces = caseworker("devices", "code", "--store", service.store_url, "--replaces", old_id)
    assert replaces.returncode == 0, replaces.stderr
    code = re.search(r"Enrolment code: (\S+)", replaces.stdout)
    assert code is not None
    new_id, said = _enrol(service, a, code.group(1))
    assert new_id != old_id and f"recovery key {kid}" in said
    assert recovery.sealed_key_id(_escrow(service, new_id)) == kid
    synced = caseworker("sync", data=a)
    assert synced.returncode == 0, synced.stderr
    assert "Pushed 2 changes (0 not accepted" in synced.stdout
    again = caseworker("sync", data=a)
    assert "Pushed 0 changes" in again.stdout
    with service.store.read() as session:
        count = session.exec(
            select(func.count()).select_from(HouseholdRow).where(col(HouseholdRow.id).in_(unsynced))
        ).one()
    assert count == 2  # each applied once, none lost
    old = HttpRemote(service.url, json.loads(old_token)[1])
    try:
        with pytest.raises(ServiceRefused, match="revoked"):
            old.version()
    finally:
        old.close()


def test_escrow_waits_for_the_recovery_key_and_follows_a_replaced_one(
    service: Service, tmp_path: Path
) -> None:
    a = tmp_path / "a"
    device_id, said = _enrol(service, a)  # before IT made a recovery key
    assert "not escrowed yet" in said
    assert caseworker("sync", data=a).returncode == 0  # escrow failing never fails a sync
    assert _escrow(service, device_id) == ""
    first, second = tmp_path / "first.key", tmp_path / "second.key"
    kid = _init(service, first)
    assert caseworker("sync", data=a).returncode == 0
    assert recovery.sealed_key_id(_escrow(service, device_id)) == kid

    kept = caseworker(
        "recovery", "init", "--store", service.store_url, "--out", str(second),
        "--passphrase-stdin", stdin=PASSPHRASE + "\n",
    )  # fmt: skip
    assert kept.returncode == 2 and "--replace" in kept.stderr and not second.exists()
    new_kid = _init(service, second, "--replace")
    assert new_kid != kid
    assert caseworker("sync", data=a).returncode == 0  # the laptop escrows again
    assert recovery.sealed_key_id(_escrow(service, device_id)) == new_kid
    stale = _export(service, device_id, first, tmp_path / "l.recovery", PASSPHRASE)
    assert stale.returncode == 2 and "use the earlier" in stale.stderr

    # The service takes only sealed text, and only from an enrolled laptop.
    token = keyring.get_password(DEVICE_SERVICE, _device_entry(service, a))
    assert token is not None
    remote = HttpRemote(service.url, json.loads(token)[1])
    try:
        with pytest.raises(ServiceRefused, match="not a sealed store key"):
            remote.escrow(_store_key(a) or "")
    finally:
        remote.close()
    assert recovery.sealed_key_id(_escrow(service, device_id)) == new_kid
