"""``caseworker rules evaluate | schema | check | test``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caseworker.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "facts.json"
RULES = ROOT / "resources" / "rules"


def test_evaluate_prints_the_recommendation_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "evaluate", str(EXAMPLE), "--allowance-left", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["policy_version"] == "2026-10"
    assert out["stage"] == 4 and out["stage_name"] == "Depressed and despairing"
    assert out["eligible"] is True and out["failed_clauses"] == []
    assert {"clause", "item", "amount_pence", "explanation"} <= set(out["items"][0])
    assert out["total_pence"] == sum(i["amount_pence"] for i in out["items"])
    assert out["route"] == "manager"
    assert [r["clause"] for r in out["referrals"]] == ["7.1", "7.2", "7.3", "7.5"]
    assert {"missing_facts", "what_if"} <= set(out)


def test_evaluate_refuses_invalid_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"household": {"postcode": "SE15 4QF"}, "visit": {}, "extra": 1}))
    assert main(["rules", "evaluate", str(facts)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{facts}: Visit date (visit_date): missing; "
        "expected a date written as YYYY-MM-DD, such as 2026-06-15",
        f'{facts}: The facts: unknown field "extra"; '
        'expected "household", "visit", "prior_awards", "allowance_left_pence"',
    ]


def test_evaluate_with_a_broken_override_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policy.yaml").write_text("kind: policy\ntitle: x\nstages: []\n")
    code = main(["rules", "evaluate", str(EXAMPLE), "--override", str(tmp_path)])
    assert code == 2
    assert f"{tmp_path / 'policy.yaml'}:3: stages:" in capsys.readouterr().err


def test_schema_prints_the_facts_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Facts"
    assert {"household", "visit", "prior_awards", "allowance_left_pence"} == set(
        schema["properties"]
    )


def test_check_passes_the_shipped_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(RULES)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_check_reports_file_line_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version = tmp_path / "2026-10.yaml"
    text = (RULES / "versions" / "2026-10.yaml").read_text(encoding="utf-8")
    version.write_text(text.replace("  package_max:", "  package_maximum:"), encoding="utf-8")
    line = next(
        n for n, t in enumerate(version.read_text().splitlines(), 1) if "package_maximum" in t
    )
    assert main(["rules", "check", str(version)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{version}:{line}: limits.package_maximum: unknown key 'package_maximum'; "
        "did you mean 'package_max'?"
    ) in out
    assert "2 problem(s)" in out


def test_test_runs_the_policy_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    passed, failed = last.split(", ")
    assert int(passed.split()[0]) >= 60 and failed == "0 failed"


def test_test_reports_a_failing_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(RULES / "tests" / "limits.yaml", tmp_path / "limits.yaml")
    cases = tmp_path / "limits.yaml"
    cases.write_text(
        cases.read_text(encoding="utf-8").replace(
            "expected: {total_pence: 25000, route: officer}",
            "expected: {total_pence: 25000, route: manager}",
        ),
        encoding="utf-8",
    )
    assert main(["rules", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "route: expected 'manager', got 'officer'" in out
    assert out.strip().splitlines()[-1].endswith(", 1 failed")


def test_rules_without_a_subcommand_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 2
    assert "evaluate" in capsys.readouterr().err


def test_the_installed_command_runs_the_tests() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "caseworker", "rules", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith("passed, 0 failed")
