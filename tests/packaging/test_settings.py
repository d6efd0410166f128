"""Settings: defaults < the user's file < the machine-wide file, locked keys, bad files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseworker import settings as cs
from caseworker.settings import (
    ENV_MACHINE_SETTINGS,
    SCHEMA_VERSION,
    Settings,
    current_settings,
    load_settings,
    machine_settings_path,
    save_user_settings,
)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "machine" / "settings.json"
    path.parent.mkdir()
    monkeypatch.setenv(ENV_MACHINE_SETTINGS, str(path))
    return path


@pytest.fixture
def user(data_dir: Path) -> Iterator[Path]:
    path = cs.user_settings_path()  # makes the data folder
    assert path == data_dir / "settings.json"
    yield path


def write(path: Path, data: object) -> None:
    path.write_text(json.dumps(data), "utf-8")


def test_no_files_give_the_defaults(machine: Path, user: Path) -> None:
    settings, problems = load_settings()
    assert problems == []
    assert settings == Settings()
    assert settings.idle_lock_minutes == 5 and settings.schema_version == SCHEMA_VERSION


def test_user_file_over_defaults_and_machine_file_over_user(machine: Path, user: Path) -> None:
    write(user, {"idle_lock_minutes": 10, "team": "Peckham", "shared_store_url": "/srv/a.db"})
    write(machine, {"team": "Camberwell", "rules_override_dir": "/srv/rules"})
    settings, problems = load_settings()
    assert problems == []
    assert settings.idle_lock_minutes == 10  # only the user set it
    assert settings.team == "Camberwell"  # the machine file wins
    assert settings.shared_store_url == "/srv/a.db"
    assert settings.rules_override_dir == Path("/srv/rules")


def test_locked_key_keeps_the_default_and_reports_the_users_value(
    machine: Path, user: Path
) -> None:
    write(machine, {"locked": ["idle_lock_minutes", "team"], "team": "Camberwell"})
    write(user, {"idle_lock_minutes": 60, "team": "Mine", "shared_store_url": "/srv/b.db"})
    settings, problems = load_settings()
    assert settings.idle_lock_minutes == 5  # locked at the built-in default
    assert settings.team == "Camberwell"
    assert settings.shared_store_url == "/srv/b.db"  # not locked: the user's value
    assert len(problems) == 2
    assert all(str(user) in p and "locked by IT" in p for p in problems)
    assert any(": idle_lock_minutes:" in p for p in problems)
    assert json.loads(user.read_text("utf-8"))["idle_lock_minutes"] == 60  # not rewritten


def test_bad_key_in_user_file_resets_only_that_key_and_backs_the_file_up(
    machine: Path, user: Path
) -> None:
    original = {"idle_lock_minutes": -3, "team": "Peckham", "colour": "red"}
    write(user, original)
    settings, problems = load_settings()
    assert settings.idle_lock_minutes == 5 and settings.team == "Peckham"
    assert any(f"{user}: idle_lock_minutes:" in p and "greater than 0" in p for p in problems)
    assert any(f"{user}: colour: not a setting" in p for p in problems)
    backups = list(user.parent.glob("settings.json.bad-*"))
    assert len(backups) == 1 and json.loads(backups[0].read_text("utf-8")) == original
    assert any(backups[0].name in p for p in problems)
    assert json.loads(user.read_text("utf-8")) == {"team": "Peckham", "schema_version": 1}
    # The next start is clean: the bad keys are gone, the good one stays.
    again, problems = load_settings()
    assert problems == [] and again.team == "Peckham"


def test_unreadable_user_file_is_backed_up_and_defaults_used(machine: Path, user: Path) -> None:
    user.write_text('{"idle_lock_minutes": 7,', "utf-8")
    settings, problems = load_settings()
    assert settings == Settings()
    assert problems[0].startswith(f"{user}: not valid JSON")
    backups = list(user.parent.glob("settings.json.bad-*"))
    assert [b.read_text("utf-8") for b in backups] == ['{"idle_lock_minutes": 7,']
    assert load_settings()[1] == []  # reset, so the next start does not complain again


def test_bad_key_in_machine_file_falls_back_to_the_users_value_and_file_is_untouched(
    machine: Path, user: Path
) -> None:
    write(machine, {"idle_lock_minutes": "soon", "locked": ["team", "nonsense"]})
    before = machine.read_bytes()
    write(user, {"idle_lock_minutes": 8})
    settings, problems = load_settings()
    assert settings.idle_lock_minutes == 8
    assert any(f"{machine}: idle_lock_minutes:" in p for p in problems)
    assert any(f"{machine}: locked: 'nonsense' is not a setting" in p for p in problems)
    assert machine.read_bytes() == before
    assert not list(machine.parent.glob("*.bad-*"))


def test_machine_file_that_is_not_an_object_is_reported(machine: Path, user: Path) -> None:
    write(machine, ["team"])
    settings, problems = load_settings()
    assert settings == Settings()
    assert problems == [f"{machine}: expected a JSON object {{...}}; using the defaults"]


def test_relative_folders_are_taken_from_the_settings_files_folder(
    machine: Path, user: Path
) -> None:
    write(machine, {"rules_override_dir": "council-rules", "council_dir": "council"})
    settings, _ = load_settings()
    assert settings.rules_override_dir == machine.parent / "council-rules"
    assert settings.council_dir == machine.parent / "council"


def test_a_newer_versions_file_is_read_as_far_as_understood_and_kept(
    machine: Path, user: Path
) -> None:
    write(user, {"schema_version": SCHEMA_VERSION + 1, "team": "Peckham", "theme": "dark"})
    before = user.read_bytes()
    settings, problems = load_settings()
    assert problems == [] and settings.team == "Peckham"
    assert user.read_bytes() == before


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", Path("/etc/caseworker/settings.json")),
        ("darwin", Path("/Library/Application Support/Caseworker/settings.json")),
        ("win32", Path("D:/PD") / "Caseworker" / "settings.json"),
    ],
)
def test_machine_file_location_per_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str, expected: Path
) -> None:
    monkeypatch.delenv(ENV_MACHINE_SETTINGS, raising=False)
    monkeypatch.setenv("PROGRAMDATA", "D:/PD")
    monkeypatch.setattr(sys, "platform", platform)
    assert machine_settings_path() == expected


def test_empty_env_means_no_machine_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MACHINE_SETTINGS, "")
    assert machine_settings_path() is None


def test_current_settings_follow_a_changed_file(machine: Path, user: Path) -> None:
    assert current_settings().idle_lock_minutes == 5
    save_user_settings({"idle_lock_minutes": 2.5})
    assert json.loads(user.read_text("utf-8")) == {"idle_lock_minutes": 2.5, "schema_version": 1}
    assert current_settings().idle_lock_minutes == 2.5
    with pytest.raises(ValueError, match="idle_lock_minutes"):
        save_user_settings({"idle_lock_minutes": 0})


def test_migrations_run_for_older_files(
    machine: Path, user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend this build is schema 2, which renamed "lock_after" to "idle_lock_minutes".
    monkeypatch.setattr(cs, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(
        cs,
        "MIGRATIONS",
        {1: lambda d: {("idle_lock_minutes" if k == "lock_after" else k): v for k, v in d.items()}},
    )
    write(user, {"schema_version": 1, "lock_after": 3})
    settings, problems = load_settings()
    assert problems == [] and settings.idle_lock_minutes == 3
