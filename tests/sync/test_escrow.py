"""The laptop's side of escrow: it seals its store key before sending it, sends it only
when needed, and a failing escrow never stops a sync."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from caseworker.domain import recovery
from caseworker.store.database import Store
from caseworker.store.encryption import open_encrypted, saved_key
from caseworker.store.errors import ConnectionLost
from caseworker.sync.escrow import escrow, escrow_quietly, forget_escrow, noted_key
from caseworker.sync.wire import RecoveryKeyAnswer


@dataclass
class FakeService:
    team: recovery.PrivateKey = field(default_factory=recovery.new_key)
    sent: list[str] = field(default_factory=list)
    down: bool = False

    def recovery_key(self) -> RecoveryKeyAnswer | None:
        if self.down:
            raise ConnectionLost(shared=True)
        public = recovery.public_hex(self.team)
        kid = recovery.key_id(public)
        mine = bool(self.sent) and recovery.sealed_key_id(self.sent[-1]) == kid
        return RecoveryKeyAnswer(public_key=public, key_id=kid, escrowed=mine)

    def escrow(self, sealed: str) -> None:
        self.sent.append(sealed)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Store]:
    opened = open_encrypted(tmp_path / "caseworker.db")
    yield opened
    opened.dispose()


def test_the_store_key_is_sealed_before_it_leaves_and_sent_only_when_needed(
    local: Store, tmp_path: Path
) -> None:
    key = saved_key(tmp_path / "caseworker.db")
    assert key is not None
    service = FakeService()
    kid = escrow(local, service)
    assert kid == recovery.key_id(recovery.public_hex(service.team))
    assert len(service.sent) == 1 and key not in service.sent[0]
    assert recovery.open_sealed(service.team, service.sent[0]) == key.encode()
    assert noted_key(local) == recovery.public_hex(service.team)
    escrow(local, service)
    assert len(service.sent) == 1  # the same key, escrowed already: nothing sent
    forget_escrow(local)  # a new enrolment
    escrow(local, service)
    assert len(service.sent) == 2
    service.team = recovery.new_key()  # IT replaced the team's key
    escrow(local, service)
    assert len(service.sent) == 3
    assert recovery.open_sealed(service.team, service.sent[-1]) == key.encode()


def test_a_failing_escrow_only_logs(local: Store, caplog: pytest.LogCaptureFixture) -> None:
    service = FakeService(down=True)
    assert escrow_quietly(local, service) is None
    assert "could not escrow the store key this time" in caplog.text
    assert noted_key(local) is None
    service.down = False
    assert escrow_quietly(local, service) is not None  # tried again next time


def test_an_unencrypted_store_has_nothing_to_escrow(tmp_path: Path) -> None:
    plain = Store.open_local(tmp_path / "plain.db")
    try:
        service = FakeService()
        assert escrow(plain, service) is None and service.sent == []
        assert escrow_quietly(plain, object()) is None  # a store remote keeps no escrow
    finally:
        plain.dispose()
