"""What build this is: version, build date, git commit, policy in force, data folder.

For ``caseworker --version`` and Help > About. In a bundle (PyInstaller, "frozen")
the build date and commit come from ``version.json``, which ``packaging/build.py``
writes beside the executable; from a source tree they come from git if it is there;
otherwise they are "unknown".
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from caseworker import __version__, paths
from caseworker.domain import clock

VERSION_FILE = "version.json"
UNKNOWN = "unknown"
SOURCE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildInfo:
    version: str
    build_date: str
    commit: str
    frozen: bool


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def version_file_candidates() -> list[Path]:
    """Where a bundle's ``version.json`` may be: beside the executable, or in the bundle's
    internal folder."""
    found = [Path(sys.executable).resolve().parent / VERSION_FILE]
    internal = getattr(sys, "_MEIPASS", None)
    if internal:
        found.append(Path(internal) / VERSION_FILE)
    return found


def build_info() -> BuildInfo:
    if frozen():
        for path in version_file_candidates():
            data = _read_version_file(path)
            if data is not None:
                return BuildInfo(
                    version=str(data.get("version") or __version__),
                    build_date=str(data.get("build_date") or UNKNOWN),
                    commit=str(data.get("commit") or UNKNOWN),
                    frozen=True,
                )
        return BuildInfo(__version__, UNKNOWN, UNKNOWN, frozen=True)
    commit, committed = _git_commit(SOURCE_ROOT)
    return BuildInfo(__version__, committed, commit, frozen=False)


def _read_version_file(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _git_commit(root: Path) -> tuple[str, str]:
    """(commit, commit date) of the source tree; "-dirty" marks uncommitted changes."""
    if not (root / ".git").exists():
        return UNKNOWN, UNKNOWN
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return UNKNOWN, UNKNOWN
    if _git(root, "status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    when = _git(root, "log", "-1", "--format=%cs", "HEAD") or UNKNOWN
    return commit, when


def policy_in_force(today: date | None = None, override: Path | None = None) -> str:
    """The policy version in force ``today`` (its name and start), or why there is none."""
    from caseworker.domain.rules import NoRulesInForce, RulesUnavailable, load_rules

    day = today or clock.today()
    try:
        ruleset, problems = load_rules(override)
    except RulesUnavailable as exc:
        return f"none: the rules cannot be loaded ({exc.problems[0]})"
    try:
        version = ruleset.segment_for(day).version
    except NoRulesInForce as exc:
        return f"none in force today ({exc})"
    note = " (a rules file has a problem: shipped rules used)" if problems else ""
    return f"{version.name}, in force from {version.in_force_from.isoformat()}{note}"


def describe(today: date | None = None, override: Path | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for ``--version`` and the About dialog. The policy is looked up
    with ``override`` as the council's rules folder, by default the one the app uses."""
    if override is None:
        from caseworker.services.rules_state import override_dir

        override = override_dir()
    info = build_info()
    return [
        ("Version", info.version),
        ("Build date", info.build_date),
        ("Commit", info.commit),
        ("Policy in force today", policy_in_force(today, override)),
        ("Data folder", str(paths.data_dir())),
    ]


def version_text(override: Path | None = None) -> str:
    """What ``caseworker --version`` prints: ``caseworker X.Y.Z`` then one line a fact."""
    rows = describe(override=override)
    lines = [f"caseworker {rows[0][1]}"]
    lines += [f"{label}: {value}" for label, value in rows[1:]]
    return "\n".join(lines)
