"""A push the service keeps in its inbox and replays after answering (202), as
``caseworker server`` runs (SQLite file and PostgreSQL): the laptop learns the
outcome later and handles it as it handles an answer given at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, func, select

from caseworker.services import households
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow, SyncMutation
from caseworker.store.tables import HouseholdRow
from caseworker.sync.http import HttpRemote
from caseworker.sync.run import outgoing, sync
from caseworker.sync.wire import WireEntry
from tests.conftest import make_household
from tests.server.conftest import Service, ServiceLaptop, running_service
from tests.server.test_service import _team
from tests.services.packages_fixtures import rules


@pytest.fixture
def no_wait(store_url: str, tmp_path: Path) -> Iterator[Service]:
    """A service that answers every push at once: 202 unless already replayed."""
    yield from running_service(store_url, tmp_path, "--push-wait", "0")


@pytest.fixture
def laptop(no_wait: Service, tmp_path: Path) -> Iterator[ServiceLaptop]:
    device_id, token = no_wait.enrol("a")
    made = ServiceLaptop(
        "a", Store.open_local(tmp_path / "a.db"), HttpRemote(no_wait.url, token), device_id,
        rules(), token,
    )  # fmt: skip
    yield made
    made.remote.close()
    made.store.dispose()


def _pending(laptop: ServiceLaptop) -> int:
    with laptop.store.read() as session:
        return session.exec(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "pending")
        ).one()


def test_a_push_answered_202_is_applied_later_with_its_refusal_and_nothing_lost(
    no_wait: Service, laptop: ServiceLaptop
) -> None:
    _manager, officer = _team(laptop)
    assert laptop.sync().pushed.applied == 4  # the team: 202, then asked until replayed
    made = [
        households.create_household(laptop.store, officer, make_household(phone=f"07700 6{n:05}"))
        for n in range(300)
    ]
    forged = made[150]
    with laptop.store.unit_of_work() as session:  # one change no longer signed by its author
        row = session.exec(select(OutboxRow).where(col(OutboxRow.touched).contains(forged.id.hex)))
        entry = row.first()
        assert entry is not None
        entry.signature = "forged"
        session.add(entry)
    impatient = HttpRemote(no_wait.url, laptop.token, patience=0)
    with closing(impatient):
        first = sync(laptop.store, impatient, laptop.rules)
        assert first.pushed.queued == 300 and first.pushed.applied == 0  # answered 202
        for kept in made:  # nothing lost: every change still here, held until answered
            assert households.get_household(laptop.store, kept.id).phone == kept.phone
        impatient.patience = 60
        second = sync(laptop.store, impatient, laptop.rules)  # asks for the batch first
    assert second.pushed.applied == 299 and second.pushed.refused == 1
    assert second.pushed.queued == 0
    assert len(second.refused) == 1 and "sign" in second.refused[0].lower()
    assert _pending(laptop) == 0
    with laptop.store.read() as session:
        parked = session.exec(select(OutboxRow).where(OutboxRow.state != "pending")).all()
    assert len(parked) == 1  # kept for the officer, as a refusal always is
    with no_wait.store.read() as session:
        stored = set(session.exec(select(HouseholdRow.id)))
        answers = session.exec(
            select(SyncMutation.status, func.count()).group_by(SyncMutation.status)
        ).all()
    assert stored == {h.id for h in made} - {forged.id}
    assert dict(answers) == {"applied": 303, "refused": 1}  # each change once


def test_the_outcome_of_a_batch_is_told_only_to_its_laptop(
    no_wait: Service, laptop: ServiceLaptop
) -> None:
    _manager, officer = _team(laptop)
    laptop.sync()
    households.create_household(laptop.store, officer, make_household())
    out = outgoing(laptop.store)
    body = {
        "client_id": str(out.client_id),
        "entries": [WireEntry.of(e).model_dump(mode="json") for e in out.entries],
        "blocked": [],
    }
    mine = {"Authorization": f"Bearer {laptop.token}"}
    pushed = httpx.post(f"{no_wait.url}/v1/push", json=body, headers=mine)
    assert pushed.status_code == 202  # kept; its replay takes longer than no wait at all
    batch = pushed.json()["batch"]
    assert pushed.json()["changes"] == 1
    asked = httpx.get(f"{no_wait.url}/v1/push/{batch}", params={"wait": 10}, headers=mine)
    assert asked.status_code == 200 and asked.json()["applied"] == 1
    _other_id, other_token = no_wait.enrol("b")
    theirs = {"Authorization": f"Bearer {other_token}"}
    refused = httpx.get(f"{no_wait.url}/v1/push/{batch}", headers=theirs)
    assert refused.status_code == 403
    missing = httpx.get(f"{no_wait.url}/v1/push/999999", headers=mine)
    assert missing.status_code == 404
    document = httpx.get(f"{no_wait.url}/openapi.json").json()
    assert "202" in document["paths"]["/v1/push"]["post"]["responses"]
    assert "/v1/push/{batch}" in document["paths"]
