"""``caseworker rules ...``: evaluate, schema, check, test, impact (the rules engine).

Heavy modules (pydantic models, the engine) are imported inside the handlers
so that ``caseworker --version`` and the window start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from caseworker.cli import impact

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rules`` and its subcommands to the ``caseworker`` parser."""
    rules = sub.add_parser("rules", help="evaluate visits and check or test the policy rules")
    rules.set_defaults(func=lambda _args: _usage(rules))
    commands = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")

    evaluate = commands.add_parser("evaluate", help="print the recommendation for FACTS.json")
    evaluate.add_argument("facts", type=Path, metavar="FACTS.json")
    evaluate.add_argument(
        "--allowance-left",
        type=int,
        metavar="PENCE",
        help="the officer's offline allowance left, in pence (overrides the facts file)",
    )
    _override_option(evaluate)
    evaluate.set_defaults(func=_evaluate)

    schema = commands.add_parser("schema", help="print the JSON Schema of FACTS.json")
    schema.add_argument(
        "--kind",
        choices=("facts", "policy", "parameters", "tests"),
        default="facts",
        help="print the schema of a rule file kind instead (default: facts)",
    )
    schema.set_defaults(func=_schema)

    check = commands.add_parser("check", help="validate rule files; report file, line and fix")
    check.add_argument("path", type=Path, metavar="FILE_OR_DIR")
    check.set_defaults(func=_check)

    test = commands.add_parser("test", help="run the policy test cases")
    test.add_argument(
        "dir", type=Path, nargs="?", metavar="DIR", help="default: the shipped rules/tests"
    )
    _override_option(test)
    test.set_defaults(func=_test)

    impact.register(commands)


def _override_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--override",
        type=Path,
        metavar="DIR",
        help="a council's rules folder loaded on top of the shipped rules",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def _load(override: Path | None) -> object:
    """The rules, or ``None`` after printing why they cannot be used."""
    from caseworker.domain.rules import RulesUnavailable, load_rules

    try:
        ruleset, problems = load_rules(override)
    except RulesUnavailable as exc:
        problems = exc.problems
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return None
    return ruleset


def _evaluate(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from caseworker.domain.rules import Facts, NoRulesInForce, RuleSet, evaluate

    try:
        facts = Facts.model_validate_json(args.facts.read_bytes())
    except OSError as exc:
        print(f"{args.facts}: cannot read the file: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "(file)"
            print(f"{args.facts}: {where}: {error['msg']}", file=sys.stderr)
        return EXIT_BAD_INPUT
    ruleset = _load(args.override)
    if not isinstance(ruleset, RuleSet):
        return EXIT_BAD_INPUT
    try:
        result = evaluate(facts, ruleset, allowance_left_pence=args.allowance_left)
    except NoRulesInForce as exc:
        print(f"{args.facts}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from caseworker.domain.rules.schema import schema_for

    print(json.dumps(schema_for(args.kind), indent=2, ensure_ascii=False))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from caseworker.domain.rules.check import check_path

    count, problems = check_path(args.path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.path}")
        return EXIT_FAILED
    print(f"OK: {count} file(s) checked in {args.path}")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from caseworker.domain.rules import RuleSet, default_rules_dir
    from caseworker.domain.rules.testcases import load_cases, run_cases

    ruleset = _load(args.override)
    if not isinstance(ruleset, RuleSet):
        return EXIT_BAD_INPUT
    files, problems = load_cases(args.dir or default_rules_dir() / "tests")
    for problem in problems:
        print(problem)
    results = run_cases(files, ruleset)
    for result in results:
        if not result.passed:
            print(f"FAILED {result.file}:{result.line}: {result.name}")
            for failure in result.failures:
                print(f"  {failure}")
    passed = sum(r.passed for r in results)
    failed = len(results) - passed + len(problems)
    print(f"{passed} passed, {failed} failed")
    return EXIT_FAILED if failed else EXIT_OK
