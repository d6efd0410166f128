"""The retention review from the command line: list, then de-identify one household."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from caseworker import paths
from caseworker.cli import main
from caseworker.services import households, users
from caseworker.store.encryption import open_encrypted
from tests.conftest import PASSWORD, make_household


def test_list_and_deidentify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.set_data_dir(tmp_path)
    store = open_encrypted(paths.local_store_path())
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    old = households.create_household(store, manager, make_household())
    recent = households.create_household(store, manager, make_household())
    with store.engine.begin() as conn:  # as if registered in 2018 and not seen since
        conn.execute(
            text("UPDATE household SET created_at = '2018-01-01 10:00:00' WHERE id = :id"),
            {"id": old.id.hex},
        )
    store.dispose()

    def run(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main(
            ["--data-dir", str(tmp_path), "retention", *args, "--as", "TM01", "--password-stdin"]
        )

    assert run("list") == 0
    listed = capsys.readouterr().out
    assert old.reference in listed and recent.reference not in listed
    assert run("deidentify", recent.reference) == 2
    assert "is not due" in capsys.readouterr().err
    assert run("deidentify", old.reference) == 0
    assert f"{old.reference} de-identified" in capsys.readouterr().out
    assert run("list") == 0
    assert old.reference not in capsys.readouterr().out
    store = open_encrypted(paths.local_store_path())
    assert [h.reference for h in households.search(store, "obrien")] == [recent.reference]
    store.dispose()
    paths.set_data_dir(None)
