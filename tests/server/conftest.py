"""The sync service, run as IT runs it: ``caseworker server`` in its own process, on
a SQLite file and on PostgreSQL, with laptops that enrol and sync over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from caseworker.domain.rules import RuleSet
from caseworker.services import devices
from caseworker.store.database import Store
from caseworker.sync.http import HttpRemote, enrol
from caseworker.sync.run import SyncReport, sync
from tests.cli.entry import ENTRY_POINT, ROOT
from tests.services.packages_fixtures import rules
from tests.sync.conftest import databases, store_url  # noqa: F401 (fixtures)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """A running ``caseworker server`` and the store it serves."""

    url: str
    store_url: str
    store: Store
    process: subprocess.Popen[str] | None = None
    log: Path | None = None
    keys: Path | None = None
    extra: list[str] = field(default_factory=list)

    def start(self) -> None:
        port = int(self.url.rsplit(":", 1)[1])
        current = os.environ.get("PYTHONPATH", "")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), current])))
        assert self.log is not None
        with self.log.open("a") as out:
            self.process = self._spawn(port, out, env)
        self._wait()

    def _spawn(self, port: int, out: object, env: dict[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                str(ENTRY_POINT),
                "server",
                "--store",
                self.store_url,
                "--listen",
                f"127.0.0.1:{port}",
                "--keys",
                str(self.keys),
                *self.extra,
            ],
            stdout=out,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )

    def _wait(self) -> None:
        assert self.process is not None and self.log is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the service stopped: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the service did not start: {self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self.process = None

    def enrol(self, name: str = "laptop") -> tuple[str, str]:
        """A new device: its id (hex) and credential."""
        code = devices.make_code(self.store, None)
        enrolled = enrol(self.url, code, name)
        return enrolled.device_id.hex, enrolled.token


def running_service(url: str, tmp_path: Path, *extra: str) -> Iterator[Service]:
    """``caseworker server`` over ``url`` (with ``extra`` options), for a fixture."""
    store = Store.open_shared(url, upgrade=True)
    running = Service(
        f"http://127.0.0.1:{free_port()}",
        url,
        store,
        log=tmp_path / "service.log",
        keys=tmp_path / "service-keys",
        extra=list(extra),
    )
    running.start()
    yield running
    running.stop()
    store.dispose()


@pytest.fixture
def service(store_url: str, tmp_path: Path) -> Iterator[Service]:  # noqa: F811
    yield from running_service(store_url, tmp_path)


@dataclass
class ServiceLaptop:
    """A laptop enrolled with the service."""

    name: str
    store: Store
    remote: HttpRemote
    device_id: str
    rules: RuleSet
    token: str

    def sync(self) -> SyncReport:
        return sync(self.store, self.remote, self.rules)


@pytest.fixture
def service_laptops(tmp_path: Path, service: Service) -> Iterator[list[ServiceLaptop]]:
    made = []
    for name in ("a", "b"):
        device_id, token = service.enrol(name)
        made.append(
            ServiceLaptop(
                name,
                Store.open_local(tmp_path / f"{name}.db"),
                HttpRemote(service.url, token),
                device_id,
                rules(),
                token,
            )
        )
    yield made
    for laptop in made:
        laptop.remote.close()
        laptop.store.dispose()
