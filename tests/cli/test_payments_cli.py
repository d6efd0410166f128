"""``caseworker payments import FILE`` through the installed entry point, in a fresh process."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseworker.store.encryption import open_encrypted
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import team_on
from tests.services.test_payments import _reconciliation_case


@pytest.fixture
def laptop(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A laptop's data folder with four awards sent to finance, and finance's file."""
    data = tmp_path / "laptop"
    data.mkdir()
    store = open_encrypted(data / "caseworker.db")
    paid, text = _reconciliation_case(team_on(store))
    store.dispose()
    file = tmp_path / "finance-2026-11-30.csv"
    file.write_text(text, "utf-8")
    return data, file, {name: p.reference for name, p in paid.items()}


def test_a_manager_imports_finance_file_and_sees_every_award(
    laptop: tuple[Path, Path, dict[str, str]],
) -> None:
    data, file, ref = laptop
    done = caseworker(
        "payments", "import", str(file), "--as", "TM01", "--password-stdin",
        "--unpaid-after", "1", data=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.splitlines()[0] == (
        "finance-2026-11-30.csv: 5 applied (3 paid, 1 failed, 1 returned), 1 paid twice, "
        "1 unmatched, 1 already imported, 1 malformed."
    )
    assert done.stderr.strip() == (
        "caseworker: Line 9, column amount: expected an amount in pounds, like 120.00, "
        "found 'ten pounds'"
    )
    assert "Paid (2):" in out and "Failed (a task for the officer) (1):" in out
    assert f"{ref['cash']}" in out.split("Failed")[1].split("Returned")[0]
    assert "number not in service" in out
    assert "Returned (money back in the fund; a task for the officer) (1):" in out
    assert "tenancy ended" in out
    assert f"Paid twice (ask finance to recover) (1):\n  {ref['card']}" in out
    assert "CW-NOSUCHREF0" in out and "No payment instruction has this reference." in out
    # Approved today by the fixed clock: none is late yet (the service test ages them).
    assert "Approved but unpaid after 1 days (0):" in out
    assert "Bank transfer, sort code **-**-99, account ****4958" in out
    assert "66374958" not in out

    again = caseworker(
        "payments", "import", str(file), "--as", "TM01", "--password-stdin",
        data=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        "finance-2026-11-30.csv: 0 applied (0 paid, 0 failed, 0 returned), 0 paid twice, "
        "0 unmatched, 8 already imported, 1 malformed."
    )
    assert "Paid (2):" in again.stdout  # the view is the same
    assert "Approved but unpaid after 10 days (0):" in again.stdout  # the setting's default


def test_only_a_manager_imports(laptop: tuple[Path, Path, dict[str, str]]) -> None:
    data, file, _ref = laptop
    done = caseworker(
        "payments", "import", str(file), "--as", "OF01", "--password-stdin",
        data=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "caseworker: Only a team manager can import finance's payment file."
    )
    missing = caseworker(
        "payments", "import", str(file.with_name("nope.csv")), "--as", "TM01",
        "--password-stdin", data=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert missing.returncode == 2
    assert "there is no file" in missing.stderr and "Traceback" not in missing.stderr
