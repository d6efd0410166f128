"""Every command of ``caseworker`` run once through the installed entry point in a fresh
process, on a laptop's data folder with a team and a case in it.

The other CLI tests check each command's behaviour in depth; this file makes sure
none of them works only inside the test process (imports, registries, settings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseworker.store.encryption import open_encrypted
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.reports.case_fixtures import simple_case
from tests.services.packages_fixtures import team_on

SIGNED = ("--as", "TM01", "--password-stdin")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A laptop's data folder: a team, and one case with a yes today."""
    data = tmp_path_factory.mktemp("laptop")
    store = open_encrypted(data / "caseworker.db")
    team = team_on(store)
    reference = simple_case(team, team.officers[0]).reference
    store.dispose()
    return data, reference


def test_users_list(folder: tuple[Path, str]) -> None:
    done = caseworker("users", "list", data=folder[0])
    assert done.returncode == 0, done.stderr
    assert "Morgan Lee" in done.stdout and "OF01" in done.stdout


def test_households_and_audit_verify(folder: tuple[Path, str]) -> None:
    data, reference = folder
    listed = caseworker("households", "--json", data=data)
    assert [r["reference"] for r in json.loads(listed.stdout)] == [reference]
    verified = caseworker("audit", "verify", data=data)
    assert verified.returncode == 0, verified.stderr


def test_export_family_copy(folder: tuple[Path, str], tmp_path: Path) -> None:
    data, reference = folder
    out = tmp_path / "copy.pdf"
    done = caseworker("export", reference, "--copy", "family", "-o", str(out), data=data)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_sar(folder: tuple[Path, str], tmp_path: Path) -> None:
    data, reference = folder
    done = caseworker("sar", reference, "-o", str(tmp_path / "sar"), data=data)
    assert done.returncode == 0, done.stderr
    written = sorted(p.suffix for p in (tmp_path / "sar").iterdir())
    assert ".json" in written and ".pdf" in written


def test_retention_list(folder: tuple[Path, str]) -> None:
    done = caseworker("retention", "list", *SIGNED, data=folder[0], stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def test_report_evaluation(folder: tuple[Path, str], tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    period = ("--from", "2026-06-01", "--to", "2026-12-31", "--as-at", "2026-12-31")
    done = caseworker(
        "report", "evaluation", *period, "-o", str(out), *SIGNED,
        data=folder[0], stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_rules_check(folder: tuple[Path, str]) -> None:
    done = caseworker("rules", "test", data=folder[0])
    assert done.returncode == 0, done.stderr


def test_store_login_then_sync_problems(folder: tuple[Path, str], tmp_path: Path) -> None:
    data = folder[0]
    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert caseworker("store", "init", url).returncode == 0
    login = caseworker("store", "login", url, "--user", "sync", data=data, stdin="secret\n")
    assert login.returncode == 0, login.stderr
    assert "Saved in the keyring" in login.stdout
    assert "secret" not in login.stdout + login.stderr
    problems = caseworker("sync", "--problems", data=data)
    assert problems.returncode == 0 and "Every change" in problems.stdout


def test_demo(tmp_path: Path) -> None:
    done = caseworker("demo", "--households", "2", "--seed", "1", data=tmp_path, demo=True)
    assert done.returncode == 0, done.stderr
    assert "Added 2 demo households" in done.stdout
