"""Load the rules: the shipped folder, then a council's override folder on top.

Override semantics are by content, not file name: a ``kind: policy`` file
replaces the shipped policy, a ``kind: parameters`` file replaces the shipped
version with the same ``version`` or adds a new one. Files under a ``tests``
folder are policy test cases and are not loaded as rules.

A broken override never leaves the app without rules: :func:`load_rules`
returns the caller's last good rule set (or the shipped rules) together with
the problems, each naming the file and line to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from caseworker import paths
from caseworker.domain.rules import model as m
from caseworker.domain.rules.compile import Loaded, RuleSet, build_ruleset
from caseworker.domain.rules.yamlsource import Problem, SourceMap, YamlError, read_yaml

RULE_SUFFIXES = (".yaml", ".yml")
TESTS_FOLDER = "tests"


class RulesUnavailable(Exception):
    """Neither the requested rules nor any fallback could be loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def default_rules_dir() -> Path:
    return paths.resources_dir() / "rules"


def load_rules(
    override_dir: Path | None = None,
    *,
    rules_dir: Path | None = None,
    last_good: RuleSet | None = None,
) -> tuple[RuleSet, list[Problem]]:
    """The rules to use now, and the problems found (empty when all is well).

    When the files are broken the result is ``last_good`` if given, otherwise
    the shipped rules without the override; :class:`RulesUnavailable` is
    raised only when even those cannot be loaded.
    """
    base = rules_dir or default_rules_dir()
    folders = [base] if override_dir is None else [base, override_dir]
    ruleset, problems = load_folders(folders)
    if ruleset is not None:
        return ruleset, []
    if last_good is not None:
        return last_good, problems
    if override_dir is not None:
        shipped, _ = load_folders([base])
        if shipped is not None:
            return shipped, problems
    raise RulesUnavailable(problems)


def rule_files(folder: Path) -> list[Path]:
    """The YAML files of ``folder`` and its subfolders, except policy test cases."""
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix in RULE_SUFFIXES and TESTS_FOLDER not in p.relative_to(folder).parts[:-1]
    ]
    return sorted(found)


def load_folders(folders: Sequence[Path]) -> tuple[RuleSet | None, list[Problem]]:
    """Load each folder in turn, later ones overriding earlier ones."""
    problems: list[Problem] = []
    groups = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), None, "rules folder not found"))
            continue
        groups.append(rule_files(folder))
    return load_groups(groups, problems)


def load_groups(
    groups: Iterable[list[Path]], problems: list[Problem]
) -> tuple[RuleSet | None, list[Problem]]:
    """Load groups of files in order; a later group's policy and versions replace earlier ones."""
    policy: Loaded[m.PolicyFile] | None = None
    versions: dict[str, Loaded[m.ParametersFile]] = {}
    for files in groups:
        seen_policy: str | None = None
        seen_versions: dict[str, str] = {}
        for path in files:
            loaded, found = read_rule_file(path)
            problems.extend(found)
            if loaded is None:
                continue
            if isinstance(loaded.model, m.PolicyFile):
                if seen_policy is not None:
                    problems.append(
                        loaded.problem(["kind"], f"a second policy file ({seen_policy})")
                    )
                seen_policy = str(path)
                policy = loaded
            elif isinstance(loaded.model, m.ParametersFile):
                name = loaded.model.version
                if name in seen_versions:
                    problems.append(
                        loaded.problem(
                            ["version"], f"version {name} is also in {seen_versions[name]}"
                        )
                    )
                seen_versions[name] = str(path)
                versions[name] = loaded
    if problems:
        return None, problems
    if policy is None:
        return None, [Problem("rules", None, "no policy file (a file with 'kind: policy') found")]
    return build_ruleset(policy, list(versions.values()))


def read_rule_file(path: Path) -> tuple[Loaded[Any] | None, list[Problem]]:
    """Parse and validate one rule or test file, whatever its kind."""
    try:
        data, source = read_yaml(path)
    except YamlError as exc:
        return None, exc.problems
    kind = data.get("kind") if isinstance(data, dict) else None
    model = m.FILE_KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        kinds = ", ".join(f"'kind: {k}'" for k in m.FILE_KINDS)
        line = source.line_of(data, ["kind"]) or 1
        return None, [Problem(source.file, line, f"the file must say what it is: one of {kinds}")]
    try:
        return Loaded(model.model_validate(data), data, source), []
    except ValidationError as exc:
        return None, validation_problems(exc, data, source)


def validation_problems(exc: ValidationError, data: object, source: SourceMap) -> list[Problem]:
    """pydantic errors as problems at the line they concern, grouped per place."""
    groups: dict[tuple[int | None, str], list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        matched = source.data_path(data, loc)
        last = loc[-1] if loc else None
        where = _dotted(matched)
        if error["type"] in ("extra_forbidden", "missing") and last is not None:
            where = _dotted([*matched, last]) if matched[-1:] != [last] else where
        groups.setdefault((source.line_of(data, loc), where), []).append(_friendly(error, last))
    problems = []
    for (line, where), messages in groups.items():
        text = (
            messages[0]
            if len(messages) == 1
            else "not valid here: " + "; or ".join(dict.fromkeys(messages))
        )
        problems.append(Problem(source.file, line, f"{where}: {text}" if where else text))
    return problems


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _known_keys() -> set[str]:
    keys: set[str] = set()
    models: list[type[BaseModel]] = [
        m.PolicyFile, m.StageRow, m.EligibilityRule, m.ItemRule, m.ReferralRule, m.FactTest,
        m.AllOf, m.AnyOf, m.NotOf, m.ParamRef, m.FactRef, m.ParametersFile, m.Definitions,
        m.Limits, m.TestFile, m.TestCase, m.Expected,
    ]  # fmt: skip
    for model in models:
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
    return keys


def _friendly(error: Any, last: object) -> str:
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(last), _known_keys(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; check the spelling or remove it"
        return f"unknown key '{last}'{hint}"
    if kind == "missing":
        return f"'{last}' is missing; add it"
    if kind == "string_type" and isinstance(given, float):
        return f'write it in quotes, like "{given}" (YAML reads {given} as a number)'
    message: str = error["msg"]
    return message.removeprefix("Value error, ")
