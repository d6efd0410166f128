"""``caseworker export``: one case, or a batch across worker processes."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from caseworker import paths
from caseworker.cli import export
from tests.conftest import FIXED_TODAY
from tests.reports.case_fixtures import rich_case, simple_case
from tests.reports.pdf_tools import text_of
from tests.services.packages_fixtures import make_team


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="caseworker")
    export.register(parser.add_subparsers())
    args = parser.parse_args(["export", *argv])
    code: int = args.func(args)
    return code


@pytest.fixture
def cases(data_dir: Path) -> list[str]:
    """Three cases in the data folder's store: OF01-00001 (rich), -00002, -00003."""
    team = make_team(paths.local_store_path(), allowance=5_000_000, budget=20_000_000)
    refs = [rich_case(team).household.reference]
    refs += [simple_case(team, team.officers[0], 5_000 + n).reference for n in range(2)]
    team.store.dispose()
    return refs


def test_one_case_family_copy(
    cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "family.pdf"
    assert run(cases[0].lower(), "--copy", "family", "-o", str(out)) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    text = text_of(out)
    assert "Dear Zoë O'Brien-Smith," in text and "OFFICIAL-SENSITIVE" not in text


def test_one_case_file(cases: list[str], tmp_path: Path) -> None:
    out = tmp_path / "file.pdf"
    assert run(cases[1], "--copy", "file", "-o", str(out)) == 0
    assert f"Case file: {cases[1]}" in text_of(out)


def test_unknown_case(cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.pdf"
    assert run("ZZ99-00001", "--copy", "file", "-o", str(out)) == 1
    assert "There is no case ZZ99-00001 in this store." in capsys.readouterr().err
    assert not out.exists()


def test_batch_reports_a_failing_case_and_exports_the_rest(
    cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    blocked = folder / export.file_name(cases[1], "file")
    blocked.mkdir(parents=True)  # a folder where the PDF should go: that case cannot be written
    assert run("--all", "--copy", "file", "-o", str(folder), "--workers", "2") == 1
    captured = capsys.readouterr()
    assert f"case {cases[1]} failed (IsADirectoryError" in captured.err
    assert "3/3 cases" in captured.err
    assert f"1 failed: {cases[1]}" in captured.err
    assert f"Exported 2 of 3 cases to {folder}" in captured.out
    for ref in (cases[0], cases[2]):
        pdf = folder / export.file_name(ref, "file")
        assert f"Case file: {ref}" in text_of(pdf)
        assert len(PdfReader(pdf).pages) >= 2
    # Messages name cases by reference only, never a person.
    for name in ("Zoë", "O'Brien", "Łukasz", "Wójcik"):
        assert name not in captured.err + captured.out


def test_batch_goes_on_past_damaged_case_data(
    cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(paths.local_store_path()) as db:  # still unencrypted here
        db.execute(
            "UPDATE visit SET recommendation = '{not json' WHERE household_id = "
            "(SELECT id FROM household WHERE reference = ?)",
            (cases[2],),
        )
    folder = tmp_path / "out"
    assert run("--all", "--copy", "family", "-o", str(folder)) == 1
    captured = capsys.readouterr()
    assert f"case {cases[2]} failed (JSONDecodeError)" in captured.err
    assert sorted(p.name for p in folder.iterdir()) == [
        export.file_name(cases[0], "family"),
        export.file_name(cases[1], "family"),
    ]


def test_batch_since_a_date(
    cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tomorrow = (FIXED_TODAY + timedelta(days=1)).isoformat()
    assert run("--all", "--since", tomorrow, "--copy", "file", "-o", str(tmp_path / "a")) == 0
    assert "Exported 0 of 0 cases" in capsys.readouterr().out
    today = FIXED_TODAY.strftime("%d/%m/%Y")
    assert run("--all", "--since", today, "--copy", "file", "-o", str(tmp_path / "b")) == 0
    assert "Exported 3 of 3 cases" in capsys.readouterr().out
    assert len(list((tmp_path / "b").glob("*.pdf"))) == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["--copy", "file", "-o", "x.pdf"],
        ["OF01-00001", "--all", "--copy", "file", "-o", "x"],
        ["OF01-00001", "--since", "2026-01-01", "--copy", "file", "-o", "x.pdf"],
    ],
)
def test_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*argv) == 2
    assert "caseworker export:" in capsys.readouterr().err


def test_bad_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("--all", "--since", "31/02/2026", "--copy", "file", "-o", "x")
    assert exited.value.code == 2
    assert "is not a date like 2026-11-20" in capsys.readouterr().err
