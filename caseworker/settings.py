"""Settings: a validated pydantic model, layered from built-in defaults and two files.

Layers, later ones winning:

1. the built-in defaults (the ``Settings`` model below);
2. the user's file, ``settings.json`` in the data folder (``--data-dir``);
3. the machine-wide file that IT deploys (``machine_settings_path()``):

   - Linux: ``/etc/caseworker/settings.json``
   - Windows: ``%ProgramData%\\Caseworker\\settings.json``
   - macOS: ``/Library/Application Support/Caseworker/settings.json``

   or the file named by ``CASEWORKER_MACHINE_SETTINGS`` (set it to an empty value for
   no machine file; tests do).

Every key the machine file sets wins over the user's file. The machine file may also
list ``"locked": ["key", ...]``: a locked key comes from the machine file or, if that
does not set it, the built-in default; a user's value for it is ignored and reported.

A problem never stops the app. Each one is reported with its file and key, and only
the bad key falls back (to the layer below it). A user's file that cannot be read as
JSON, or has bad keys, is backed up beside itself (``settings.json.bad-<time>``) and
rewritten with its good keys. The machine file is IT's: it is never changed, only
reported. Credentials never live here (the store key is in the OS keyring).

Files carry ``schema_version``; ``MIGRATIONS`` turns an older file's keys into the
current ones before validation, and a file from a newer version is read as far as
this version understands it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from caseworker import paths
from caseworker.domain import clock
from caseworker.domain.payments import UNPAID_AFTER_DAYS

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ENV_MACHINE_SETTINGS = "CASEWORKER_MACHINE_SETTINGS"
USER_FILE_NAME = "settings.json"
LOCKED_KEY = "locked"
# schema_version N -> a function turning a version-N file's keys into version N+1's.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Settings(BaseModel):
    """What IT or an officer may configure. Every field has a safe default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = Field(SCHEMA_VERSION, ge=1)
    shared_store_url: str | None = Field(
        None,
        description="the team's shared store: postgresql://host/db, or a SQLite file path",
        min_length=1,
    )
    team: str | None = Field(None, description="the team this laptop belongs to", min_length=1)
    idle_lock_minutes: float = Field(
        5, gt=0, le=240, description="minutes without a key or click before the screen locks"
    )
    rules_override_dir: Path | None = Field(
        None, description="a council's rules folder layered over the shipped rules"
    )
    council_dir: Path | None = Field(
        None, description="a folder with the council's council.yaml and logo.png"
    )
    payment_unpaid_after_days: int = Field(
        UNPAID_AFTER_DAYS,
        ge=1,
        le=120,
        description="days after approval an unpaid award is listed in the reconciliation",
    )


FIELDS = frozenset(Settings.model_fields)
PATH_KEYS = frozenset({"rules_override_dir", "council_dir"})


def user_settings_path() -> Path:
    return paths.data_dir() / USER_FILE_NAME


def machine_settings_path() -> Path | None:
    """The machine-wide file's place on this platform (``None``: no machine file)."""
    if ENV_MACHINE_SETTINGS in os.environ:
        value = os.environ[ENV_MACHINE_SETTINGS]
        return Path(value) if value else None
    if sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData"))
        return base / "Caseworker" / "settings.json"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Caseworker/settings.json")
    return Path("/etc/caseworker/settings.json")


def load_settings() -> tuple[Settings, list[str]]:
    """The settings in force and the problems found, each naming its file and key."""
    problems: list[str] = []
    merged: dict[str, Any] = {}
    machine_path = machine_settings_path()
    machine: dict[str, Any] = {}
    locked: set[str] = set()
    if machine_path is not None and machine_path.exists():
        raw, _ = _read(machine_path, problems)
        if raw is not None:
            locked = _locked_keys(machine_path, raw.pop(LOCKED_KEY, []), problems)
            machine, _ = _valid_keys(machine_path, raw, problems)
    user_path = user_settings_path()
    if user_path.exists():
        raw, newer = _read(user_path, problems)
        if raw is None:
            if _backup(user_path, problems):
                _rewrite(user_path, {"schema_version": SCHEMA_VERSION})
        else:
            user, bad = _valid_keys(user_path, raw, problems)
            # A newer version's file is left for that version.
            if bad and not newer and _backup(user_path, problems):
                _rewrite(user_path, user)
            for key in sorted(locked & user.keys()):
                if key != "schema_version":
                    problems.append(
                        f"{user_path}: {key}: locked by IT in {machine_path}; your value is ignored"
                    )
            merged.update({k: v for k, v in user.items() if k not in locked})
    merged.update(machine)
    merged["schema_version"] = SCHEMA_VERSION
    for problem in problems:
        log.warning("settings: %s", problem)
    return Settings.model_validate(merged), problems


_cache: dict[tuple[object, ...], tuple[Settings, list[str]]] = {}


def current_settings() -> Settings:
    """The settings for this process: loaded once, again only when a file changes (or the
    data folder does). Problems are logged by ``load_settings``; show them with it."""
    key = tuple((str(p), _mtime(p)) for p in (user_settings_path(), machine_settings_path()))
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_settings()
    return _cache[key][0]


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


def _read(path: Path, problems: list[str]) -> tuple[dict[str, Any] | None, bool]:
    """The file's object migrated to the current schema (``None`` if unusable), and
    whether a newer version wrote it (then keys this version does not know are skipped)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror}); using the defaults")
        return None, False
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: not valid JSON ({exc}); using the defaults")
        return None, False
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a JSON object {{...}}; using the defaults")
        return None, False
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"{path}: schema_version: expected a whole number from 1; assuming 1")
        version = 1
    newer = version > SCHEMA_VERSION
    if newer:
        log.info("%s was written by a newer version (schema %d)", path, version)
        data = {k: v for k, v in data.items() if k in FIELDS or k == LOCKED_KEY}
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    data["schema_version"] = SCHEMA_VERSION
    for key in PATH_KEYS & data.keys():
        data[key] = _resolve(path, data[key])
    return data, newer


def _resolve(settings_file: Path, value: object) -> object:
    """A folder setting with ``~`` and ``%VAR%``/``$VAR`` expanded; a relative one is taken
    from the settings file's own folder."""
    if not isinstance(value, str) or not value:
        return value
    folder = Path(os.path.expandvars(value)).expanduser()
    return str(folder if folder.is_absolute() else settings_file.parent / folder)


def _locked_keys(path: Path, value: object, problems: list[str]) -> set[str]:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        problems.append(f"{path}: {LOCKED_KEY}: expected a list of setting names; nothing locked")
        return set()
    unknown = sorted(set(value) - FIELDS)
    for key in unknown:
        problems.append(f"{path}: {LOCKED_KEY}: {key!r} is not a setting (known: {_known()})")
    return set(value) & FIELDS


def _valid_keys(
    path: Path, data: dict[str, Any], problems: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """The keys of ``data`` that validate one by one, and the names of those that do not."""
    good: dict[str, Any] = {}
    bad: list[str] = []
    for key, value in data.items():
        if key not in FIELDS:
            problems.append(f"{path}: {key}: not a setting (known: {_known()}); ignored")
            bad.append(key)
            continue
        try:
            Settings.model_validate({key: value})
        except ValidationError as exc:
            message = "; ".join(e["msg"] for e in exc.errors(include_url=False))
            problems.append(f"{path}: {key}: {message}; using the default")
            bad.append(key)
            continue
        good[key] = value
    return good, bad


def _known() -> str:
    return ", ".join(sorted(FIELDS - {"schema_version"}))


def _backup(path: Path, problems: list[str]) -> bool:
    """Copy ``path`` aside; ``False`` (and the file is left alone) if that fails."""
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S-%f")
    backup = path.with_name(f"{path.name}.bad-{stamp}")
    try:
        shutil.copy2(path, backup)
    except OSError as exc:
        problems.append(f"{path}: could not be backed up ({exc.strerror}); left as it is")
        return False
    problems.append(f"{path}: the file with the problems was kept as {backup.name}")
    return True


def _rewrite(path: Path, good: dict[str, Any]) -> None:
    """Keep the user's good settings; the bad ones go (the backup still has them)."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(json.dumps(good, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(fresh, path)


def save_user_settings(values: dict[str, Any]) -> Path:
    """Write ``values`` (validated) as the user's file; returns its path."""
    checked = Settings.model_validate({**values, "schema_version": SCHEMA_VERSION})
    path = user_settings_path()
    data = checked.model_dump(mode="json", include=set(values) | {"schema_version"})
    _rewrite(path, data)
    return path
