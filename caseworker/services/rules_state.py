"""The rules in force for this app session: load, reload, and keep the last good ones.

A broken rules file (shipped, or in a council's override folder) never stops
the app. The last rules that loaded cleanly are copied into the data folder,
so even a restart with broken files falls back to them; the problems are kept
for the screens to show (file, line, what to fix).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from caseworker import paths

if TYPE_CHECKING:
    from caseworker.domain.rules import Problem, RuleSet

# The rules compiler (and YAML) is imported when the rules are first loaded, not when
# the app starts: the sign-in screen needs no rules (issue 18).

log = logging.getLogger(__name__)
ENV_OVERRIDE = "CASEWORKER_RULES_OVERRIDE"


def override_dir() -> Path | None:
    """A council's own rules folder, layered over the shipped rules (IT sets it):
    ``CASEWORKER_RULES_OVERRIDE``, else the ``rules_override_dir`` setting."""
    value = os.environ.get(ENV_OVERRIDE)
    if value:
        return Path(value)
    from caseworker.settings import current_settings

    return current_settings().rules_override_dir


def _snapshot_dir() -> Path:
    return paths.data_dir() / "rules-last-good"


class RulesState:
    """Holds the ruleset the app uses and why, if it is not the current files."""

    def __init__(self, base: Path | None = None, override: Path | None = None) -> None:
        self._base = base
        self.override = override
        self.ruleset: RuleSet | None = None
        self.problems: list[Problem] = []

    @property
    def base(self) -> Path:
        """The shipped rules folder unless another was given."""
        if self._base is None:
            from caseworker.domain.rules.loader import default_rules_dir

            self._base = default_rules_dir()
        return self._base

    @property
    def using_fallback(self) -> bool:
        return bool(self.problems)

    def load(self) -> RuleSet:
        """(Re)load the files; on problems keep the last good rules and remember why."""
        from caseworker.domain.rules import RulesUnavailable, load_rules

        try:
            ruleset, problems = load_rules(
                self.override, rules_dir=self.base, last_good=self.ruleset
            )
        except RulesUnavailable as exc:
            problems = exc.problems
            ruleset = self._from_snapshot()
        self.ruleset, self.problems = ruleset, problems
        if problems:
            log.warning("rules files have %d problem(s); using the last good rules", len(problems))
        else:
            self._snapshot()
        return ruleset

    def current(self) -> RuleSet:
        return self.ruleset if self.ruleset is not None else self.load()

    def _snapshot(self) -> None:
        from caseworker.domain.rules.loader import rule_files

        target = _snapshot_dir()
        fresh = target.with_name(target.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        for name, folder in (("base", self.base), ("override", self.override)):
            if folder is None:
                continue
            for path in rule_files(folder):
                copy = fresh / name / path.relative_to(folder)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
        shutil.rmtree(target, ignore_errors=True)
        fresh.rename(target)

    def _from_snapshot(self) -> RuleSet:
        from caseworker.domain.rules import load_rules

        snapshot = _snapshot_dir()
        override = snapshot / "override"
        ruleset, _ = load_rules(
            override if override.exists() else None, rules_dir=snapshot / "base"
        )
        return ruleset

    def describe(self) -> str:
        """One line for the screens: which rules are used and, if broken, what to fix."""
        if self.ruleset is None:
            return "No rules loaded."
        if not self.problems:
            return "Recommendations use the current policy rules."
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return (
            f"A rules file has a problem, so recommendations use the last good rules: "
            f"{first}{more}. Tell IT or the policy team."
        )
