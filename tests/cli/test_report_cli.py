"""``caseworker report evaluation`` on the encrypted store, as a team manager runs it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseworker import paths
from caseworker.cli import main
from caseworker.store.encryption import open_encrypted
from tests.conftest import PASSWORD
from tests.reports.pdf_tools import text_of
from tests.services.test_evaluation import Seeded, expected_figures, seed_pilot


@pytest.fixture
def pilot(data_dir: Path) -> Iterator[Seeded]:
    store = open_encrypted(paths.local_store_path())
    seeded = seed_pilot(store)
    yield seeded
    store.dispose()


def run(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, *args: str, password: str = PASSWORD
) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["--data-dir", str(data_dir), "report", "evaluation", *args, "--password-stdin"])


PERIOD = ["--from", "2026-06-01", "--to", "2026-12-31", "--as-at", "2027-01-15"]


def test_a_manager_writes_the_pdf_and_the_csv(
    pilot: Seeded,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf, sheet = tmp_path / "out" / "report.pdf", tmp_path / "out" / "report.csv"
    pdf.parent.mkdir()
    code = run(monkeypatch, data_dir, *PERIOD, "-o", str(pdf), "--csv", str(sheet), "--as", "TM01")
    assert code == 0, capsys.readouterr().err
    assert "01/06/2026 to 31/12/2026" in capsys.readouterr().out
    expected = expected_figures(pilot)
    text = text_of(pdf)
    assert f"Households seen {expected.households_seen}" in text
    assert "Job started fewer than 5" in text
    for value in pilot.personal_strings():
        assert value not in text, value
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = {(r["section"], r["measure"]): r["value"] for r in csv.DictReader(handle)}
    assert rows[("Summary", "Visits")] == str(expected.visits)
    assert rows[("Follow-up reviews (due 12 weeks after approval)", "Recorded in the period")] == (
        str(expected.reviews_done)
    )
    # Written whole: no partial files left beside them.
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["report.csv", "report.pdf"]


def test_an_officer_or_a_wrong_password_is_refused(
    pilot: Seeded,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf = tmp_path / "report.pdf"
    assert run(monkeypatch, data_dir, *PERIOD, "-o", str(pdf), "--as", "JS01") == 2
    assert "Only a team manager" in capsys.readouterr().err
    assert run(monkeypatch, data_dir, *PERIOD, "-o", str(pdf), "--as", "TM01", password="nope") == 2
    assert "password is wrong" in capsys.readouterr().err
    assert not pdf.exists()


def test_bad_periods_and_unit_costs_are_explained(
    pilot: Seeded,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf = tmp_path / "report.pdf"
    backwards = ["--from", "2026-12-31", "--to", "2026-06-01"]
    assert run(monkeypatch, data_dir, *backwards, "-o", str(pdf), "--as", "TM01") == 2
    assert "must not be before its start" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        run(monkeypatch, data_dir, "--from", "1/6/2026", "--to", "2026-12-31", "-o", str(pdf),
            "--as", "TM01")  # fmt: skip
    assert exited.value.code == 2
    assert "is not a date like 2026-04-01" in capsys.readouterr().err
    costs = tmp_path / "costs.toml"
    costs.write_text('label = "Our estimates"\n[[unit_cost]]\noutcome = "home_kept"\n', "utf-8")
    code = run(
        monkeypatch, data_dir, *PERIOD, "-o", str(pdf), "--as", "TM01", "--unit-costs", str(costs)
    )
    assert code == 2
    assert "costs.toml" in capsys.readouterr().err
    assert not pdf.exists()
