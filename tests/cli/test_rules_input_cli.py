"""``caseworker rules evaluate`` in a fresh process: bad files, JSON lines, folders, pipes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.entry import ENTRY_POINT, caseworker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "facts.json"
ONE_LINE = json.dumps(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def test_a_bad_file_exits_2_with_plain_lines_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "facts.json"
    bad.write_text(ONE_LINE.replace('"savings_pence": 120000', '"savings_pence": "1200"'))
    done = caseworker("rules", "evaluate", str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"{bad}: Savings (savings_pence): expected a whole number of pence (no quotes), "
        'such as 120000 for £1,200.00; got "1200" (text in quotes)'
    ]


def test_a_file_with_a_byte_order_mark_is_evaluated(tmp_path: Path) -> None:
    facts = tmp_path / "notepad.json"
    facts.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    done = caseworker("rules", "evaluate", str(facts))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["policy_version"] == "2026-10"


def test_json_lines_print_one_result_a_line_and_name_bad_lines(tmp_path: Path) -> None:
    lines = tmp_path / "households.jsonl"
    bad = ONE_LINE.replace(
        '"no_money_for_food_or_fuel": true', '"no_money_for_food_or_fuel": "yes"'
    )
    lines.write_text(f"{ONE_LINE}\n{bad}\n\n{ONE_LINE}\n", encoding="utf-8")
    done = caseworker("rules", "evaluate", str(lines), "--allowance-left", "0")
    assert done.returncode == 2
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["line"] for r in results] == [1, 2, 4]
    assert results[1] == {"line": 2, "refused": True}
    assert results[0]["route"] == "manager" and results[2]["stage"] == 4
    assert done.stderr.splitlines() == [
        f"{lines}:2: No money for food or fuel (no_money_for_food_or_fuel): expected true or "
        'false (without quotes); got "yes" (text in quotes)'
    ]


def test_a_folder_prints_one_result_a_file(tmp_path: Path) -> None:
    for name in ("b.json", "a.json"):
        (tmp_path / name).write_text(ONE_LINE, encoding="utf-8")
    done = caseworker("rules", "evaluate", str(tmp_path))
    assert done.returncode == 0, done.stderr
    files = [Path(json.loads(line)["file"]).name for line in done.stdout.splitlines()]
    assert files == ["a.json", "b.json"]


def test_allowance_left_negative_or_huge_is_refused() -> None:
    negative = caseworker("rules", "evaluate", str(EXAMPLE), "--allowance-left", "-1")
    assert negative.returncode == 2
    assert negative.stderr.splitlines()[-1] == (
        "caseworker rules evaluate: error: argument --allowance-left: "
        "must be 0 or more pence; got -1"
    )
    huge = caseworker("rules", "evaluate", str(EXAMPLE), "--allowance-left", str(10**30))
    assert huge.returncode == 2
    assert huge.stderr == (
        f"--allowance-left: {10**30} pence is more than the most accepted, £1,000,000.00 "
        "(100000000 pence); check for extra zeros\n"
    )


def test_rules_help_documents_the_exit_codes() -> None:
    done = caseworker("rules", "--help")
    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    assert "  2  bad input:" in done.stdout and "  3  the environment:" in done.stdout


def test_piping_into_head_ends_quietly(tmp_path: Path) -> None:
    """Far more output than a pipe holds, read by ``head -1``: no BrokenPipeError traceback."""
    lines = tmp_path / "many.jsonl"
    lines.write_text((ONE_LINE + "\n") * 400, encoding="utf-8")
    _evaluate_into_head(lines)


def _evaluate_into_head(lines: Path) -> None:
    """``caseworker rules evaluate LINES | head -1``: the first result, then a quiet end
    (no BrokenPipeError traceback, exit status 0). The entry.py helper cannot pipe, so
    bash runs the installed command."""
    piped = subprocess.run(
        [
            "bash",
            "-c",
            'set +o pipefail; "$0" rules evaluate "$1" | head -1; '
            'echo "status ${PIPESTATUS[0]}" >&2',
            str(ENTRY_POINT),
            str(lines),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert json.loads(piped.stdout)["line"] == 1
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr
    assert piped.stderr.splitlines()[-1] == "status 0"


def _large_file(path: Path) -> list[int]:
    """Above the threshold for worker processes: varied households, a few refused
    (each for a different reason) at the start, inside chunks, on a chunk's edge and at
    the end. Returns the refused line numbers."""
    from caseworker.cli.rules import CHUNK, PARALLEL_FROM

    count = PARALLEL_FROM + CHUNK + 123
    refused = {
        2: ('"savings_pence": 120000', '"savings_pence": "1200"'),
        CHUNK: ('"no_money_for_food_or_fuel": true', '"no_money_for_food_or_fuel": "yes"'),
        CHUNK + 1: ('"savings_pence": 120000', '"savings_pence": -5'),
        PARALLEL_FROM + 7: ('"no_money_for_food_or_fuel": true', '"no_money_for_food": true'),
        count: ('"savings_pence": 120000', '"savings_pence": 1.5'),
    }
    lines = []
    for number in range(1, count + 1):
        line = ONE_LINE.replace('"savings_pence": 120000', f'"savings_pence": {number * 37}')
        if number in refused:
            line = ONE_LINE.replace(*refused[number])
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sorted(refused)


def test_a_large_file_shared_between_processes_gives_the_one_process_output(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "many.jsonl"
    refused = _large_file(lines)
    alone = caseworker("rules", "evaluate", str(lines), "--workers", "1")
    shared = caseworker("rules", "evaluate", str(lines))  # one per core, where it can fork
    two = caseworker("rules", "evaluate", str(lines), "--workers", "2")
    assert alone.returncode == shared.returncode == two.returncode == 2
    assert shared.stdout == alone.stdout and two.stdout == alone.stdout
    assert shared.stderr == alone.stderr and two.stderr == alone.stderr
    results = [json.loads(line) for line in alone.stdout.splitlines()]
    assert [r["line"] for r in results] == list(range(1, len(results) + 1))
    assert [r["line"] for r in results if r.get("refused")] == refused
    assert [int(p.split(":")[1]) for p in alone.stderr.splitlines()] == refused
    assert all("Traceback" not in p for p in alone.stderr.splitlines())


def test_a_large_file_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """With worker processes running, the reader going away still ends quietly."""
    lines = tmp_path / "many.jsonl"
    _large_file(lines)
    _evaluate_into_head(lines)
