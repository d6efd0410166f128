"""Policy test cases: YAML files of facts and expected outcomes, run against the rules.

A council that edits its rules edits these cases too and runs
``caseworker rules test``; the same cases run under pytest, so the shipped
policy and the engine cannot drift apart unnoticed. Each case's facts are
merged over the file's ``base_facts`` (mappings merge key by key, lists are
replaced), which keeps a case down to the facts it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from caseworker.domain.household import CHECKED_AGAINST_VISIT
from caseworker.domain.rules.compile import Loaded, NoRulesInForce, RuleSet
from caseworker.domain.rules.engine import evaluate
from caseworker.domain.rules.facts import Facts
from caseworker.domain.rules.loader import RULE_SUFFIXES, read_rule_file
from caseworker.domain.rules.model import Expected, TestCase, TestFile
from caseworker.domain.rules.results import Recommendation
from caseworker.domain.rules.yamlsource import Problem


@dataclass
class CaseResult:
    name: str
    file: str
    line: int | None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else value
        return merged
    return override


def case_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES)


def load_cases(path: Path) -> tuple[list[Loaded[TestFile]], list[Problem]]:
    """Every ``kind: tests`` file at ``path`` (a file or a folder)."""
    files: list[Loaded[TestFile]] = []
    problems: list[Problem] = []
    for file in case_files(path):
        loaded, found = read_rule_file(file)
        problems.extend(found)
        if loaded is not None and isinstance(loaded.model, TestFile):
            files.append(loaded)
        elif loaded is not None:
            problems.append(loaded.problem(["kind"], "expected a file with 'kind: tests'"))
    if not files and not problems:
        problems.append(Problem(str(path), None, "no policy test cases found"))
    return files, problems


def case_facts(loaded: Loaded[TestFile], index: int) -> Facts:
    """The case's facts merged over the file's base facts, validated.

    Dates are checked against the case's visit date, not today's: a case for a
    version that starts in the future must pass today too.
    """
    case = loaded.model.cases[index]
    return Facts.model_validate(
        merge(loaded.model.base_facts, case.facts), context={CHECKED_AGAINST_VISIT: True}
    )


def run_case(loaded: Loaded[TestFile], index: int, rules: RuleSet) -> CaseResult:
    case = loaded.model.cases[index]
    line = loaded.source.line_of(loaded.data, ["cases", index])
    result = CaseResult(case.name, loaded.source.file, line)
    try:
        facts = case_facts(loaded, index)
        rec = evaluate(facts, rules, allowance_left_pence=case.allowance_left_pence)
    except ValidationError as exc:
        result.failures.append(f"the facts are not valid: {exc}")
        return result
    except NoRulesInForce as exc:
        result.failures.append(str(exc))
        return result
    result.failures.extend(compare(case, rec))
    return result


def run_cases(files: list[Loaded[TestFile]], rules: RuleSet) -> list[CaseResult]:
    return [run_case(f, i, rules) for f in files for i in range(len(f.model.cases))]


def compare(case: TestCase, rec: Recommendation) -> list[str]:
    """Differences between what the case expects and what the engine said."""
    exp: Expected = case.expected
    got: dict[str, object] = {
        "policy_version": rec.policy_version,
        "stage": rec.stage,
        "eligible": rec.eligible,
        "failed_clauses": sorted(rec.failed_clauses),
        "undecided_clauses": sorted(rec.undecided_clauses),
        "items": {i.clause: i.amount_pence for i in rec.items},
        "cuts": {c.clause: c.to_pence for c in rec.cap_reduction.cuts} if rec.cap_reduction else {},
        "total_pence": rec.total_pence,
        "route": rec.route,
        "referrals": sorted(r.clause for r in rec.referrals),
        "missing_facts": sorted({m.field for m in rec.missing_facts}),
        "what_if": sorted({w.clause for w in rec.what_if}),
    }
    failures = []
    for key, actual in got.items():
        wanted = getattr(exp, key)
        if wanted is None:
            continue
        if isinstance(wanted, list):
            wanted = sorted(set(wanted))
        if wanted != actual:
            failures.append(f"{key}: expected {wanted!r}, got {actual!r}")
    text = "\n".join(rec.explanation_lines())
    for phrase in exp.explanation_contains or ():
        if phrase not in text:
            failures.append(f"explanation does not contain {phrase!r}; it reads:\n{text}")
    return failures
