"""``caseworker rules check``: validate rule files the way the app will load them.

A single file or folder is checked as an override on top of the shipped rules
(that is how a council's files are used), so a parameter a council's version
forgets, or a clause its policy mistypes, is reported with its file and line.
Policy test case files are checked too, including each case's facts.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from caseworker.domain.rules.loader import (
    default_rules_dir,
    load_groups,
    read_rule_file,
    rule_files,
)
from caseworker.domain.rules.model import TestFile
from caseworker.domain.rules.testcases import case_facts, case_files, load_cases
from caseworker.domain.rules.yamlsource import Problem


def check_path(path: Path) -> tuple[int, list[Problem]]:
    """Check ``path`` (a file or a folder); return how many files were read and the problems."""
    if not path.exists():
        return 0, [Problem(str(path), None, "no such file or folder")]
    if path.is_file():
        loaded, problems = read_rule_file(path)
        if loaded is None:
            return 1, problems
        if isinstance(loaded.model, TestFile):
            return 1, _check_cases(path)
        return 1, _check_rules([path])
    files = rule_files(path)
    problems = _check_rules(files, replaces_shipped=path.resolve() == default_rules_dir().resolve())
    tests = path / "tests"
    count = len(files)
    if tests.is_dir():
        count += len(case_files(tests))
        problems += _check_cases(tests)
    return count, problems


def _check_rules(files: list[Path], replaces_shipped: bool = False) -> list[Problem]:
    groups = [files] if replaces_shipped else [rule_files(default_rules_dir()), files]
    _, problems = load_groups(groups, [])
    return problems


def _check_cases(path: Path) -> list[Problem]:
    loaded_files, problems = load_cases(path)
    for loaded in loaded_files:
        for index in range(len(loaded.model.cases)):
            try:
                case_facts(loaded, index)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    loc = ["cases", index, "facts", *error["loc"]]
                    where = ".".join(str(p) for p in error["loc"])
                    problems.append(
                        loaded.problem(loc, f"case {index + 1} facts: {where}: {error['msg']}")
                    )
    return problems
