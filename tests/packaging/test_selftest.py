"""caseworker --self-test: in process, and as the command IT runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from caseworker import paths
from caseworker.domain.rules import default_rules_dir
from caseworker.selftest import run_self_test
from caseworker.settings import ENV_MACHINE_SETTINGS
from caseworker.store.encryption import KEYRING_SERVICE

ROOT = Path(__file__).resolve().parents[2]


def test_self_test_passes_with_an_encrypted_store(data_dir: Path) -> None:
    passed, summary = run_self_test()
    assert passed, summary
    assert "\n" not in summary
    assert summary.startswith("caseworker ") and "self-test passed" in summary
    assert "policy test cases passed" in summary
    assert "encrypted, key in the TestKeyring keyring" in summary
    assert "main window and About shown" in summary
    assert "case file PDF rendered" in summary
    # Nothing is left behind: the data folder is the user's again, and the key is gone.
    assert paths.data_dir() == data_dir
    assert not (data_dir / "caseworker.db").exists()
    leftover = keyring.get_keyring()._load()  # type: ignore[attr-defined]
    assert not [k for k in leftover if k.startswith(KEYRING_SERVICE) and "selftest" in k]


def test_self_test_without_reports_renders_the_fallback_pdf(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "caseworker.reports", None)  # import fails
    passed, summary = run_self_test()
    assert passed, summary
    assert "one-page PDF in the shipped font (caseworker.reports not installed)" in summary


def test_self_test_reports_a_broken_council_rules_folder(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    council = tmp_path / "council-rules"
    council.mkdir()
    (council / "2027.yaml").write_text("kind: parameters\nversion: [\n", "utf-8")
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"rules_override_dir": str(council)}), "utf-8")
    monkeypatch.setenv(ENV_MACHINE_SETTINGS, str(machine))
    passed, summary = run_self_test()
    assert not passed
    assert "self-test FAILED: rules: SelfTestFailure: council rules:" in summary
    assert "2027.yaml" in summary


def test_self_test_reports_bad_settings(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"idle_lock_minutes": -1}), "utf-8")
    monkeypatch.setenv(ENV_MACHINE_SETTINGS, str(machine))
    passed, summary = run_self_test()
    assert not passed
    assert f"settings: SelfTestFailure: {machine}: idle_lock_minutes:" in summary


def test_self_test_reports_a_failing_policy_case(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    case_file = rules / "tests" / "ages.yaml"
    text = case_file.read_text("utf-8")
    assert "{eligible: true," in text
    case_file.write_text(text.replace("{eligible: true,", "{eligible: false,", 1), "utf-8")
    monkeypatch.setattr("caseworker.domain.rules.loader.default_rules_dir", lambda: rules)
    monkeypatch.setattr("caseworker.domain.rules.default_rules_dir", lambda: rules)
    passed, summary = run_self_test()
    assert not passed
    assert "rules: SelfTestFailure:" in summary and "policy test cases failed" in summary


def test_self_test_command(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "caseworker", "--data-dir", str(tmp_path), "--self-test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "self-test passed" in lines[0]
    assert not (tmp_path / "caseworker.db").exists()


def test_self_test_command_fails_loudly(tmp_path: Path) -> None:
    machine = tmp_path / "machine.json"
    machine.write_text("{not json", "utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{ENV_MACHINE_SETTINGS: str(machine)})
    result = subprocess.run(
        [sys.executable, "-m", "caseworker", "--data-dir", str(tmp_path), "--self-test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 1
    assert "self-test FAILED: settings:" in result.stderr and "not valid JSON" in result.stderr
