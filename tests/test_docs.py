"""The shipped docs stand on their own: the policy the rules cite is in the repository,
no link leaves it, and no file names a path on someone's machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "docs" / "policy.md"

# A clause number as the rules files write it: "4.3", never part of an amount ("£6,000.00").
CLAUSE = re.compile(r"(?<![\w.,£-])([1-9]\.[0-9]{1,2})(?![\w.%])")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")  # [text](target)
AUTOLINK = re.compile(r"<(https?://[^>]+)>")
# A home folder or a build machine's tree. Windows' own folders (Program Files,
# ProgramData, Windows) and an install folder named for the app are where it goes on
# every council PC, so the deploy notes and the installer name them.
HOMES = ("home", "work", "Users")  # written apart, so this file does not name them itself
MACHINE_PATH = re.compile(
    "|".join(f"/{d}/" for d in HOMES)
    + r"|(?<![\w\\])[A-Za-z]:\\(?!Program Files\b|ProgramData\b|Windows\b|Apps\\Caseworker\b)"
)


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines() if line]


def _markdown() -> list[Path]:
    return [p for p in _tracked() if p.suffix == ".md"]


def cited_clauses() -> set[str]:
    """Every clause number the rules data cites: clause keys, lists and comments alike."""
    files = [
        *sorted((ROOT / "resources" / "rules").rglob("*.yaml")),
        ROOT / "resources" / "referrals.yaml",
    ]
    return {m.group(1) for f in files for m in CLAUSE.finditer(f.read_text("utf-8"))}


def test_every_clause_the_rules_cite_is_a_line_of_the_policy() -> None:
    cited = cited_clauses()
    assert {"4.1", "5.7", "6.1", "7.9"} <= cited  # the scan finds what it should
    lines = POLICY.read_text("utf-8").splitlines()
    starts = {line.split(" ", 1)[0] for line in lines if CLAUSE.match(line)}
    assert sorted(cited - starts) == []


def test_the_policy_numbers_each_clause_once() -> None:
    numbers = [line.split(" ", 1)[0] for line in POLICY.read_text("utf-8").splitlines()]
    clauses = [n for n in numbers if re.fullmatch(r"[1-9]\.[0-9]{1,2}", n)]
    assert clauses and len(clauses) == len(set(clauses))


def test_no_markdown_link_leaves_the_repository() -> None:
    leaving: list[str] = []
    for doc in _markdown():
        text = doc.read_text("utf-8")
        for target in LINK.findall(text) + AUTOLINK.findall(text):
            where = f"{doc.relative_to(ROOT)}: {target}"
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("/"):
                leaving.append(where)  # http(s), file:, mailto: or an absolute path
                continue
            path = target.split("#", 1)[0]
            if not path:
                continue  # a link within the page
            resolved = (doc.parent / path).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                leaving.append(where)
        for span in re.findall(r"`(\.\./[^`\s]*)`", text):  # a path quoted, not linked
            if not (doc.parent / span).resolve().is_relative_to(ROOT):
                leaving.append(f"{doc.relative_to(ROOT)}: {span}")
    assert leaving == []


def test_readme_points_at_the_policy_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "](docs/policy.md)" in readme


def test_no_tracked_file_names_a_path_of_a_machine() -> None:
    found: list[str] = []
    for path in _tracked():
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # fonts, images; a file deleted but not yet committed
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_the_machine_path_check_catches_what_it_is_for() -> None:
    drives = ("C" + r":\Users\ann", "D" + r":\build\cw")  # apart, as HOMES
    for bad in (*(f"/{d}/ann/x" for d in HOMES), *drives):
        assert MACHINE_PATH.search(bad), bad
    for fine in (r"C:\Program Files\Caseworker", r"D:\Apps\Caseworker", r"\d:\d\d", "£1.00"):
        assert not MACHINE_PATH.search(fine), fine
