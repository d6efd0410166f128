import json
import subprocess
from pathlib import Path

import caseworker
from tests.cli.entry import caseworker as caseworker_command

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``caseworker`` command in a fresh process."""
    return caseworker_command(*args)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"caseworker {caseworker.__version__}"
    assert "Policy in force today: " in result.stdout


def test_demo_then_search_as_json(tmp_path: Path) -> None:
    made = run("--data-dir", str(tmp_path), "demo", "--households", "40", "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "Added 40 demo households" in made.stdout
    listed = run("--data-dir", str(tmp_path), "households", "--json", "--limit", "100")
    rows = json.loads(listed.stdout)
    assert len(rows) == 40
    assert set(rows[0]) == {"reference", "lead_contact", "postcode", "last_visit", "not_accepted"}
    target = rows[7]
    surname = target["lead_contact"].split()[-1]
    found = json.loads(
        run(
            "--data-dir",
            str(tmp_path),
            "households",
            "--json",
            "--search",
            f"{surname} {target['postcode']}",
        ).stdout
    )
    assert target in found
    assert (tmp_path / "caseworker.db").exists()


def test_demo_is_repeatable_with_a_seed(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        assert (
            run(
                "--data-dir", str(tmp_path / folder), "demo", "--households", "5", "--seed", "9"
            ).returncode
            == 0
        )
    names = [
        sorted(
            r["lead_contact"]
            for r in json.loads(run("--data-dir", str(tmp_path / f), "households", "--json").stdout)
        )
        for f in ("a", "b")
    ]
    assert names[0] == names[1]


def test_bad_arguments_get_a_clear_message(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "demo", "--households", "-3")
    assert result.returncode == 2
    assert "must be 1 or more" in result.stderr


def test_unreadable_store_gives_message_not_traceback(tmp_path: Path) -> None:
    (tmp_path / "caseworker.db").write_bytes(b"garbage" * 500)
    result = run("--data-dir", str(tmp_path), "households")
    assert result.returncode == 3  # the store is the problem, not the request
    assert "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_users_add_first_manager_then_officer(tmp_path: Path) -> None:
    def add(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return caseworker_command(
            "users", "add", *args, "--password-stdin", data=tmp_path, stdin=stdin
        )

    first = add("Morgan Lee", "TM01", stdin="correct horse battery\n")
    assert first.returncode == 0, first.stderr
    assert "as manager" in first.stdout
    refused = add("Jo Smith", "JS01", stdin="another good password\n")
    assert refused.returncode == 2 and "--as MANAGER_CODE" in refused.stderr
    wrong = add("Jo Smith", "JS01", "--as", "TM01", stdin="another good password\nnope\n")
    assert wrong.returncode == 2 and "password is wrong" in wrong.stderr
    ok = add(
        "Jo Smith", "JS01", "--as", "TM01", stdin="another good password\ncorrect horse battery\n"
    )
    assert ok.returncode == 0, ok.stderr
    listed = run("--data-dir", str(tmp_path), "users", "list").stdout
    assert "JS01" in listed and "TM01" in listed and "manager" in listed


def test_subject_access_export_from_the_command_line(tmp_path: Path) -> None:
    assert run("--data-dir", str(tmp_path), "demo", "--households", "3").returncode == 0
    [first, *_] = json.loads(run("--data-dir", str(tmp_path), "households", "--json").stdout)
    out = tmp_path / "sar"
    done = run("--data-dir", str(tmp_path), "sar", first["reference"], "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads((out / f"{first['reference']}-subject-access.json").read_text("utf-8"))
    lead = data["household"]["members"][0]
    assert f"{lead['first_name']} {lead['surname']}" == first["lead_contact"]
    assert (out / f"{first['reference']}-subject-access.pdf").exists()
    missing = run("--data-dir", str(tmp_path), "sar", "NOPE-1", "-o", str(out))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
