"""The sync service's push inbox (``caseworker.sync.inbox``), without HTTP: batches
kept as received, replayed in order per laptop, by one worker at a time per batch,
and replayed again (nothing twice) after a worker killed or stopped part-way.
On SQLite and PostgreSQL; the two-worker test needs PostgreSQL's row locks."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select, update

from caseworker.domain.users import Role
from caseworker.services import fund, households, users
from caseworker.store.database import Store
from caseworker.store.service_tables import SyncInbox
from caseworker.store.sync_tables import SyncClientState, SyncMutation
from caseworker.store.tables import HouseholdRow
from caseworker.sync import inbox
from caseworker.sync.push import SyncGap
from caseworker.sync.run import Outgoing, outgoing, sync
from caseworker.sync.wire import WireEntry
from tests.cli.entry import ROOT
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import TODAY, rules
from tests.sync.conftest import Databases

TODAY_NOON = datetime.combine(TODAY, time(12), tzinfo=UTC)


def _laptops(shared: Store, folder: Path, count: int) -> list[Store]:
    """``count`` laptops that hold the team (made on the first), each with JS01 signed in
    so that what it makes is signed."""
    made = [Store.open_local(folder / f"laptop{n}.db") for n in range(count)]
    manager = users.create_first_manager(made[0], "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(made[0], manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(made[0], manager, 100_000, TODAY)
    fund.grant_allowance(made[0], manager, officer.id, 20_000, TODAY)
    for laptop in made:
        sync(laptop, shared, rules())
        users.sign_in(laptop, "JS01", PASSWORD)
    return made


def _make(laptop: Store, count: int, start: int = 0) -> Outgoing:
    officer = users.sign_in(laptop, "JS01", PASSWORD)
    for n in range(start, start + count):
        households.create_household(laptop, officer, make_household(phone=f"07700 7{n:05}"))
    return outgoing(laptop)


def _keep(shared: Store, out: Outgoing, first: int, last: int) -> inbox.Stored:
    """Entries ``first`` to ``last`` (positions in the queue) kept as one batch."""
    entries = [WireEntry.of(e).model_dump(mode="json") for e in out.entries[first:last]]
    return inbox.enqueue(shared, out.client_id, None, entries, sorted(out.blocked))


def _drain(shared: Store) -> list[int]:
    replayed = []
    while (done := inbox.replay_next(shared, rules)) is not None:
        replayed.append(done.batch)
    return replayed


def _applied(shared: Store, out: Outgoing) -> list[str]:
    """What the store recorded for each of ``out``'s changes (the team's set-up aside)."""
    with shared.read() as session:
        return list(
            session.exec(
                select(SyncMutation.status).where(
                    SyncMutation.client_id == out.client_id,
                    col(SyncMutation.mutation_id) >= out.entries[0].mutation_id,
                )
            )
        )


def _households(shared: Store) -> int:
    with shared.read() as session:
        return session.exec(select(func.count()).select_from(HouseholdRow)).one()


def test_batches_are_replayed_in_order_per_laptop_and_their_reports_kept(
    shared: Store, tmp_path: Path
) -> None:
    a, b = _laptops(shared, tmp_path, 2)
    out_a, out_b = _make(a, 30), _make(b, 20, start=100)
    kept = [
        _keep(shared, out_a, 0, 10),
        _keep(shared, out_b, 0, 20),
        _keep(shared, out_a, 10, 25),
        _keep(shared, out_a, 25, 30),
    ]
    with shared.read() as session:
        rows = session.exec(select(SyncInbox).order_by(SyncInbox.id)).all()  # type: ignore[arg-type]
    assert [r.state for r in rows] == ["queued"] * 4
    assert (rows[0].first_mutation_id, rows[0].last_mutation_id) == (
        out_a.entries[0].mutation_id,
        out_a.entries[9].mutation_id,
    )
    assert rows[0].changes == 10 and rows[0].client_id == out_a.client_id
    assert _drain(shared) == [k.batch for k in kept]  # oldest first
    with shared.read() as session:  # what was typed is no longer kept twice
        assert set(session.exec(select(SyncInbox.entries))) == {"[]"}
    reports = [inbox.outcome_of(shared, k.batch) for k in kept]
    assert [r.outcome.applied for r in reports if r] == [10, 20, 15, 5]
    assert _applied(shared, out_a) == ["applied"] * 30
    assert _households(shared) == 50


def test_a_batch_out_of_order_is_refused_when_kept_and_nothing_is_stored(
    shared: Store, tmp_path: Path
) -> None:
    (a,) = _laptops(shared, tmp_path, 1)
    out = _make(a, 6)
    first = _keep(shared, out, 0, 3)
    with pytest.raises(SyncGap, match="expected change"):
        _keep(shared, out, 4, 6)  # one change left out after the queued batch
    with pytest.raises(SyncGap, match="expected change"):
        inbox.enqueue(
            shared,
            out.client_id,
            None,
            [WireEntry.of(e).model_dump(mode="json") for e in (out.entries[3], out.entries[5])],
            [],
        )  # a gap inside the batch
    with shared.read() as session:
        assert session.exec(select(func.count()).select_from(SyncInbox)).one() == 1
    again = _keep(shared, out, 0, 6)  # a retried push: what was queued is kept again
    assert _drain(shared) == [first.batch, again.batch]
    second = inbox.outcome_of(shared, again.batch)
    assert second is not None and second.outcome.applied == 3  # the first three: not twice
    assert _applied(shared, out) == ["applied"] * 6


def test_two_workers_on_one_postgresql_store_never_replay_a_batch_twice(
    tmp_path: Path,
) -> None:
    pg = Databases("postgresql", tmp_path)
    try:
        url = pg.new()
        shared = Store.open_shared(url, upgrade=True)
        other = Store.open_shared(url, pool=4)  # a second service instance
        laptops = _laptops(shared, tmp_path, 3)
        outs = [_make(laptop, 24, start=100 * n) for n, laptop in enumerate(laptops)]
        kept: list[tuple[uuid.UUID, int]] = []
        for first in range(0, 24, 4):  # interleaved: a1 b1 c1 a2 b2 c2 ...
            for out in outs:
                kept.append((out.client_id, _keep(shared, out, first, first + 4).batch))
        replayed: list[tuple[str, int]] = []
        lock = threading.Lock()

        def work(name: str, store: Store) -> None:
            idle = 0
            while idle < 3:  # nothing to claim three times running: the other has the rest
                done = inbox.replay_next(store, rules)
                if done is None:
                    idle += 1
                    continue
                idle = 0
                with lock:
                    replayed.append((name, done.batch))

        workers = [
            threading.Thread(target=work, args=("one", shared)),
            threading.Thread(target=work, args=("two", other)),
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=300)
        _drain(shared)  # anything a worker left when it gave up early
        batches = [batch for _name, batch in replayed]
        assert sorted(batches) == sorted(batch for _client, batch in kept)  # each once
        assert {name for name, _batch in replayed} == {"one", "two"}  # both took part
        for client_id, _batch in kept:  # in order for each laptop, or a gap was refused
            mine = [b for b in batches if (client_id, b) in kept]
            assert mine == sorted(mine)
        with shared.read() as session:
            states = set(session.exec(select(SyncInbox.state)))
            counted = session.exec(select(func.count()).select_from(SyncMutation)).one()
        assert states == {"done"}
        for out in outs:
            assert _applied(shared, out) == ["applied"] * (len(out.entries))
        assert _households(shared) == 72
        assert counted >= 72
        other.dispose()
        shared.dispose()
    finally:
        pg.drop_all()


def _state(shared: Store, batch: int) -> str:
    with shared.read() as session:
        row = session.get(SyncInbox, batch)
        assert row is not None
        return row.state


def _last(shared: Store, client_id: uuid.UUID) -> int:
    with shared.read() as session:
        state = session.get(SyncClientState, client_id)
        return state.last_mutation_id if state else 0


def test_a_worker_killed_mid_replay_leaves_the_batch_queued_and_it_is_replayed_once(
    shared: Store, store_url: str, tmp_path: Path
) -> None:
    (a,) = _laptops(shared, tmp_path, 1)
    out = _make(a, 600)  # three store transactions of 250 and one of 100
    kept = _keep(shared, out, 0, 600)
    done = subprocess.run(
        [sys.executable, "-m", "tests.sync.killed_replay", store_url, "300"],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]  # SIGKILL, mid-replay
    assert _state(shared, kept.batch) == "queued"
    part_way = _last(shared, out.client_id)
    assert out.entries[0].mutation_id + 249 <= part_way < out.entries[-1].mutation_id
    assert _drain(shared) == [kept.batch]  # replayed again on restart
    assert _state(shared, kept.batch) == "done"
    assert _applied(shared, out) == ["applied"] * 600  # each change once
    assert _households(shared) == 600


def test_a_worker_stopped_part_way_leaves_the_batch_queued_for_the_next(
    shared: Store, tmp_path: Path
) -> None:
    (a,) = _laptops(shared, tmp_path, 1)
    out = _make(a, 300)
    kept = _keep(shared, out, 0, 300)
    asked = 0

    def stop_after_one_transaction() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1

    assert inbox.replay_next(shared, rules, stop_after_one_transaction) is None
    assert _state(shared, kept.batch) == "queued"
    assert _households(shared) == 250
    assert _drain(shared) == [kept.batch]
    found = inbox.outcome_of(shared, kept.batch)
    assert found is not None and found.outcome.applied == 50  # the rest; none twice
    assert _applied(shared, out) == ["applied"] * 300
    assert _households(shared) == 300


def test_old_reports_are_forgotten_and_a_queued_batch_never(shared: Store, tmp_path: Path) -> None:
    """A replayed batch's report is kept a week for its laptop to ask, then removed;
    a batch still queued stays, however old; the laptop's changes are all in."""
    (a,) = _laptops(shared, tmp_path, 1)
    out = _make(a, 9)
    old, recent = _keep(shared, out, 0, 3), _keep(shared, out, 3, 6)
    assert _drain(shared) == [old.batch, recent.batch]
    waiting = _keep(shared, out, 6, 9)
    done_at = {
        old.batch: TODAY_NOON - inbox.KEPT_FOR - timedelta(minutes=1),
        recent.batch: TODAY_NOON - inbox.KEPT_FOR + timedelta(minutes=1),
    }
    with shared.unit_of_work() as session:
        for batch, at in done_at.items():
            session.execute(update(SyncInbox).where(col(SyncInbox.id) == batch).values(done_at=at))
        session.execute(
            update(SyncInbox)
            .where(col(SyncInbox.id) == waiting.batch)
            .values(received_at=TODAY_NOON - timedelta(days=400))
        )
    assert inbox.prune(shared, TODAY_NOON) == 1
    assert inbox.outcome_of(shared, old.batch) is None
    kept = inbox.outcome_of(shared, recent.batch)
    assert kept is not None and kept.outcome.applied == 3
    still = inbox.outcome_of(shared, waiting.batch)
    assert still is not None and still.outcome.state == inbox.QUEUED
    assert inbox.prune(shared, TODAY_NOON) == 0
    assert _drain(shared) == [waiting.batch]
    assert _applied(shared, out) == ["applied"] * 9
