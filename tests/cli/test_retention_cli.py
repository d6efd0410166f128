"""The retention review from the command line: list, then de-identify one household."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from caseworker import paths
from caseworker.cli import main
from caseworker.domain.rules.loader import default_rules_dir
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


def test_the_period_is_the_policy_files_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A council keeping records nine years sets ``retention_years: 9`` in its override
    folder: a household quiet since January 2018 is not yet due; ``--years 6`` still asks."""
    data = tmp_path / "data"
    paths.set_data_dir(data)
    store = open_encrypted(paths.local_store_path())
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    old = households.create_household(store, manager, make_household())
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE household SET created_at = '2018-01-01 10:00:00' WHERE id = :id"),
            {"id": old.id.hex},
        )
    store.dispose()
    override = tmp_path / "council-rules"
    override.mkdir()
    shipped = (default_rules_dir() / "versions" / "2026-10.yaml").read_text(encoding="utf-8")
    assert "retention_years: 6 " in shipped
    (override / "2026-10.yaml").write_text(
        shipped.replace("retention_years: 6 ", "retention_years: 9 "), encoding="utf-8"
    )
    monkeypatch.setenv("CASEWORKER_RULES_OVERRIDE", str(override))

    def run(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main(
            ["--data-dir", str(data), "retention", *args, "--as", "TM01", "--password-stdin"]
        )

    assert run("list") == 0
    assert old.reference not in capsys.readouterr().out
    assert run("deidentify", old.reference) == 2
    assert "in the last 9 years" in capsys.readouterr().err
    assert run("list", "--years", "6") == 0
    assert old.reference in capsys.readouterr().out
    paths.set_data_dir(None)
