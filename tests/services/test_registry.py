"""The replay registry lists every ``@mutation`` in the package, and nothing else.

A change the registry did not know was refused by the store, and a refusal once
deleted the officer's record: so the list is read here from the source itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import caseworker
from caseworker.services.registry import MUTATIONS

PACKAGE = Path(caseworker.__file__).parent


def declared_mutations() -> dict[str, str]:
    """Every ``@mutation("name", ...)`` in the source: name -> module:function."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", getattr(decorator.func, "attr", ""))
                    == "mutation"
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                ):
                    where = f"{path.relative_to(PACKAGE)}:{node.name}"
                    assert decorator.args[0].value not in found, f"declared twice: {where}"
                    found[str(decorator.args[0].value)] = where
    return found


def test_the_registry_lists_every_mutation_in_the_source() -> None:
    declared = declared_mutations()
    assert len(declared) >= 23
    assert sorted(MUTATIONS) == sorted(declared)
    for name, spec in MUTATIONS.items():
        assert declared[name].endswith(f":{spec.func.__name__}")


def test_the_registry_is_complete_in_a_process_that_imported_nothing_else() -> None:
    """The command line's sync imports only what it needs: the registry must not depend
    on which service modules happened to be imported."""
    code = "import sys\nfrom caseworker.services.registry import MUTATIONS\nprint(len(MUTATIONS))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(done.stdout) == len(declared_mutations())
