"""New ids: random version-4 ids as uuid4 makes, never repeated, not even across a fork."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from caseworker.domain import stamps
from caseworker.domain.stamps import Tape, new_id, on_tape, random_id


def test_random_ids_are_version_4_uuids_and_never_repeat() -> None:
    ids = [random_id() for _ in range(3 * stamps._IDS_AT_ONCE + 1)]  # several refills
    assert len(set(ids)) == len(ids)
    for value in ids:
        assert value.version == 4 and value.variant == uuid.RFC_4122
        assert uuid.UUID(str(value)) == value and hash(uuid.UUID(str(value))) == hash(value)
        assert value.is_safe is uuid.SafeUUID.unknown


def test_new_ids_are_recorded_on_a_tape_and_replayed() -> None:
    with on_tape(Tape()) as tape:
        made = [new_id(), new_id()]
    with on_tape(Tape(tape.values)) as replay:
        assert [new_id(), new_id()] == made
    assert replay.finished


def test_a_forked_child_does_not_reuse_its_parents_unused_ids() -> None:
    random_id()  # the parent has ids in hand
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.write(write, b"".join(random_id().bytes for _ in range(8)))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    data = os.read(read, 16 * 8)
    os.close(read)
    child = {uuid.UUID(bytes=data[i : i + 16]) for i in range(0, len(data), 16)}
    parent = {random_id() for _ in range(8)}
    assert len(child) == 8 and not child & parent


def test_random_ids_from_many_threads_at_once_are_all_different() -> None:
    """The sync service replays pushes on several threads: a refill racing a take must
    neither fail nor give one id twice."""

    def many(_: int) -> list[uuid.UUID]:
        return [random_id() for _ in range(5_000)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = [i for ids in pool.map(many, range(8)) for i in ids]
    assert len(set(made)) == len(made) == 40_000
    assert all(i.version == 4 for i in made)
