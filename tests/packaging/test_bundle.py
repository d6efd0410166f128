"""The bundle: build it with packaging/build.py, run its --self-test, check its manifest.

Slow (about a minute: PyInstaller plus the self-test) but part of every CI run, so a
module the bundle misses is caught here, not on a laptop.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "caseworker"
SIZE_LIMIT = 250_000_000


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cw_build", ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bundle_env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CASEWORKER_MACHINE_SETTINGS="")
    # The tests' keyring lives in tests/, which the bundle does not have.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def test_manifest_catches_a_changed_missing_or_extra_file(tmp_path: Path) -> None:
    build = load_build()
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("a", "utf-8")
    (tmp_path / "sub" / "b.bin").write_bytes(b"\x00b")
    assert build.write_manifest(tmp_path) == 2
    assert build.verify_manifest(tmp_path) == []
    (tmp_path / "a.txt").write_text("A", "utf-8")
    (tmp_path / "sub" / "b.bin").unlink()
    (tmp_path / "c.txt").write_text("c", "utf-8")
    assert build.verify_manifest(tmp_path) == [
        "missing: sub/b.bin",
        "not in the manifest: c.txt",
        "changed: a.txt",
    ]


@pytest.mark.slow
def test_built_bundle_passes_its_self_test_and_matches_its_manifest(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--no-self-test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "bundle: " in result.stdout
    build = load_build()
    program = build.executable(BUNDLE)
    assert program.exists()

    ran = subprocess.run(
        [str(program), "--data-dir", str(tmp_path / "data"), "--self-test"],
        capture_output=True,
        text=True,
        timeout=180,
        env=bundle_env(),
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "self-test passed" in ran.stdout
    assert "SQLCipher checked" in ran.stdout and "case file PDF rendered" in ran.stdout

    version = json.loads((BUNDLE / "version.json").read_text("utf-8"))
    assert set(version) >= {"version", "build_date", "commit"}
    shown = subprocess.run(
        [str(program), "--data-dir", str(tmp_path / "data"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=bundle_env(),
    )
    assert f"Commit: {version['commit']}" in shown.stdout
    assert f"Build date: {version['build_date']}" in shown.stdout

    listed = {
        line.split("  ", 1)[1]
        for line in (BUNDLE / "MANIFEST.sha256").read_text("utf-8").splitlines()
    }
    for needed in (
        program.relative_to(BUNDLE).as_posix(),
        "version.json",
        "_internal/resources/rules/policy.yaml",
        "_internal/resources/style.qss",
        "_internal/resources/referrals.yaml",
        "_internal/caseworker/store/migrations/script.py.mako",
        "_internal/caseworker/store/migrations/env.py",
    ):
        assert needed in listed, needed
    assert any(n.startswith("_internal/sqlcipher3/_sqlite3") for n in listed)
    assert not any("QtQml" in n or "QtNetwork" in n or "/translations/" in n for n in listed)
    assert build.verify_manifest(BUNDLE) == []
    assert build.size_bytes(BUNDLE) <= SIZE_LIMIT
