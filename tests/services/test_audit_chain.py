"""The audit trail is tamper-evident: altering, deleting or reordering rows is detected."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3

from caseworker import paths
from caseworker.cli import main
from caseworker.domain.users import User
from caseworker.services import households, users
from caseworker.services.audit_check import verify_store
from caseworker.store.database import Store
from caseworker.store.encryption import open_encrypted, store_key
from tests.conftest import PASSWORD, make_household


@pytest.fixture
def chained(store: Store, officer: User) -> Store:
    for savings in (1_000, 2_000, 3_000):
        saved = households.create_household(store, officer, make_household())
        households.update_household(
            store, officer, saved.model_copy(update={"savings_pence": savings})
        )
    return store  # 2 users + 6 entries


def _tamper(sql: str) -> Callable[[Path], None]:
    """Edit the file directly, as someone with the file and sqlite3 could: they can
    drop the append-only triggers first, so the chain must catch it."""

    def run(path: Path) -> None:
        with sqlite3.connect(path) as conn:
            conn.executescript(
                "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete;" + sql
            )

    return run


def test_store_refuses_to_change_audit_entries(chained: Store) -> None:
    with sqlite3.connect(paths.local_store_path()) as conn:
        for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)


def test_untouched_chain_verifies(chained: Store) -> None:
    assert verify_store(chained) == (8, None)


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (
            _tamper(
                "UPDATE audit_event SET payload = replace(payload, '2000', '9000') WHERE seq = 5"
            ),
            5,
            "recorded change was altered",
        ),
        (_tamper("UPDATE audit_event SET action = 'viewed' WHERE seq = 3"), 3, "who, when or what"),
        (
            _tamper("UPDATE audit_event SET at = '2020-01-01 00:00:00' WHERE seq = 4"),
            4,
            "who, when or what",
        ),
        (_tamper("DELETE FROM audit_event WHERE seq = 4"), 5, "deleted, inserted or moved"),
        (
            _tamper(
                "UPDATE audit_event SET seq = 100 WHERE seq = 3;"
                "UPDATE audit_event SET seq = 3 WHERE seq = 6;"
                "UPDATE audit_event SET seq = 6 WHERE seq = 100;"
            ),
            3,
            "deleted, inserted or moved",
        ),
        (_tamper("DELETE FROM audit_event WHERE seq = 1"), 2, "deleted, inserted or moved"),
    ],
    ids=["alter-payload", "alter-action", "alter-time", "delete", "reorder", "delete-first"],
)
def test_tampering_is_detected(
    chained: Store, tamper: Callable[[Path], None], seq: int, reason: str
) -> None:
    tamper(paths.local_store_path())
    _checked, broken = verify_store(chained)
    assert broken is not None
    assert broken.seq == seq
    assert reason in broken.reason


def test_cli_reports_first_broken_entry_in_the_encrypted_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "laptop"
    paths.set_data_dir(folder)
    store = open_encrypted(paths.local_store_path())
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    households.create_household(store, manager, make_household())
    store.dispose()
    assert main(["--data-dir", str(folder), "audit", "verify"]) == 0
    assert "2 entries verified" in capsys.readouterr().out
    # A malicious insider with the key edits the file directly.
    key = store_key(paths.local_store_path())
    conn = sqlcipher3.connect(str(paths.local_store_path()))
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    conn.executescript(
        "DROP TRIGGER audit_event_no_update; UPDATE audit_event SET actor_id = NULL WHERE seq = 2;"
    )
    conn.close()
    assert main(["--data-dir", str(folder), "audit", "verify"]) == 1
    assert "BROKEN at entry 2" in capsys.readouterr().out


def test_a_pulled_row_hashes_as_its_entry_does() -> None:
    """``row_hash`` (pulled rows, as dicts) must link exactly as ``entry_hash`` does, or a
    laptop's chain of pulled entries would not verify."""
    import uuid
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from caseworker.services.audit import entry_hash, row_hash

    for household_id, actor_id in ((uuid.uuid4(), uuid.uuid4()), (None, None)):
        row = {
            "id": uuid.uuid4(),
            "at": datetime(2026, 11, 27, 10, 0, 1, 2345, tzinfo=UTC),
            "actor_id": actor_id,
            "entity": "household",
            "entity_id": uuid.uuid4(),
            "household_id": household_id,
            "action": "updated",
            "payload": "{}",
            "payload_digest": "ab" * 32,
        }
        assert row_hash("cd" * 32, row) == entry_hash("cd" * 32, SimpleNamespace(**row))
