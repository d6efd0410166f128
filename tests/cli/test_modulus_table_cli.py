"""``caseworker payments modulus-table`` through the installed entry point, in a fresh
process, with synthetic tables (the published ones are copyright: docs/payments.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseworker.domain.modulus import SUBSET, CheckResult
from caseworker.services import payments
from caseworker.store.encryption import open_encrypted
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import team_on
from tests.services.test_payments import COUNCIL_SUBSTITUTIONS, COUNCIL_WEIGHTS


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    data = tmp_path / "laptop"
    data.mkdir()
    store = open_encrypted(data / "caseworker.db")
    team_on(store)
    store.dispose()
    (tmp_path / "valacdos.txt").write_text(COUNCIL_WEIGHTS, "ascii")
    (tmp_path / "scsubtab.txt").write_text(COUNCIL_SUBSTITUTIONS, "ascii")
    return data


def _check(data: Path, sort_code: str, account: str) -> CheckResult:
    store = open_encrypted(data / "caseworker.db")
    try:
        return payments.modulus_table(store).check(sort_code, account)
    finally:
        store.dispose()


def test_a_manager_loads_the_tables_and_bank_transfers_are_checked_with_them(
    laptop: Path,
) -> None:
    folder = laptop.parent
    assert _check(laptop, "401234", "00000022") is CheckResult.NOT_CHECKED  # the subset
    done = caseworker(
        "payments", "modulus-table", str(folder / "valacdos.txt"),
        "--substitutions", str(folder / "scsubtab.txt"), "--as", "TM01", "--password-stdin",
        data=laptop, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Loaded 2 weight rows and 1 sort code substitutions from valacdos.txt and scsubtab.txt."
    )
    # 401234 is checked as 400009 (the substitution): see tests/services/test_payments.py.
    assert _check(laptop, "401234", "00000021") is CheckResult.VALID
    assert _check(laptop, "401234", "00000022") is CheckResult.INVALID


def test_a_malformed_table_is_named_by_line_and_column_and_nothing_is_loaded(
    laptop: Path,
) -> None:
    bad = laptop.parent / "valacdos-bad.txt"
    bad.write_text(COUNCIL_WEIGHTS + "410000 419999 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 0 x\n")
    done = caseworker(
        "payments", "modulus-table", str(bad), "--as", "TM01", "--password-stdin",
        data=laptop, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "caseworker: Weight table: Line 3, column 17 (weight h): expected a whole number, "
        "found 'x'",
        "caseworker: nothing was loaded; the tables in use are unchanged",
    ]
    store = open_encrypted(laptop / "caseworker.db")
    try:
        assert payments.modulus_table(store) is SUBSET
    finally:
        store.dispose()


def test_only_a_manager_loads_the_tables(laptop: Path) -> None:
    done = caseworker(
        "payments", "modulus-table", str(laptop.parent / "valacdos.txt"), "--as", "OF01",
        "--password-stdin", data=laptop, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "caseworker: Only a team manager can load the bank modulus check's tables."
    )
    missing = caseworker(
        "payments", "modulus-table", str(laptop.parent / "nope.txt"), "--as", "TM01",
        "--password-stdin", data=laptop, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert missing.returncode == 2
    assert "there is no file" in missing.stderr and "Traceback" not in missing.stderr
