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
EXIT_ENVIRONMENT = 3

EXIT_CODES = """exit codes:
  0  done (for check and test: everything passed)
  1  a rule file check or a policy test case failed
  2  bad input: the facts, a file or an option must change (each problem is
     printed on its own line, naming the field as the form does)
  3  the environment: a file or folder cannot be read, the disk or store failed"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rules`` and its subcommands to the ``caseworker`` parser."""
    rules = sub.add_parser(
        "rules",
        help="evaluate visits and check or test the policy rules",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules.set_defaults(func=lambda _args: _usage(rules))
    commands = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")

    evaluate = commands.add_parser(
        "evaluate",
        help="print the recommendation for FACTS.json, a JSON-lines file or a folder",
        description="Print the recommendation for one household's facts (FACTS.json). "
        "Given a JSON-lines file (.jsonl, one household's facts a line) or a folder of "
        ".json files, print one result a line (JSON lines), each with the line or file "
        "it came from; a refused line is reported with its line number and the rest "
        "are still evaluated.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("facts", type=Path, metavar="FACTS.json")
    evaluate.add_argument(
        "--allowance-left",
        type=_pence,
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


def _pence(text: str) -> int:
    """An amount in pence given on the command line: a whole number, 0 or more."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of pence, such as 25000 for £250.00; got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more pence; got {value}")
    return value


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
    from caseworker.domain.rules import RuleSet
    from caseworker.domain.rules.reader import is_many

    ruleset = _load(args.override)
    if not isinstance(ruleset, RuleSet):
        return EXIT_BAD_INPUT
    if args.allowance_left is not None:
        from caseworker.domain.money import format_pence

        most = min(segment.bounds.max_amount for segment in ruleset.segments)
        if args.allowance_left > most:
            print(
                f"--allowance-left: {args.allowance_left} pence is more than the most accepted, "
                f"{format_pence(most)} ({most} pence); check for extra zeros",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    if not args.facts.exists():
        print(f"{args.facts}: no such file or folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    if is_many(args.facts):
        return _evaluate_many(args, ruleset)
    try:
        data = args.facts.read_bytes()
    except OSError as exc:
        print(f"{args.facts}: cannot read the file: {exc.strerror}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    result = _evaluate_one(str(args.facts), data, ruleset, args.allowance_left)
    if result is None:
        return EXIT_BAD_INPUT
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return EXIT_OK


def _evaluate_one(
    name: str, data: bytes, ruleset: object, allowance_left: int | None
) -> dict[str, object] | None:
    """The result as JSON, or ``None`` after printing each problem as ``name: problem``."""
    from caseworker.domain.rules import RuleSet, evaluate
    from caseworker.domain.rules.reader import FactsRefused, read_facts

    assert isinstance(ruleset, RuleSet)
    try:
        facts = read_facts(data, ruleset)
    except FactsRefused as exc:
        for problem in exc.problems:
            print(f"{name}: {problem}", file=sys.stderr)
        return None
    result: dict[str, object] = evaluate(
        facts, ruleset, allowance_left_pence=allowance_left
    ).to_json()
    return result


_BATCH = 256  # result lines written at once


def _evaluate_many(args: argparse.Namespace, ruleset: object) -> int:
    """One JSON line for each household; refused ones are named on stderr by line or file.

    Lines are made by orjson (the standard library's encoder takes longer than
    the evaluation) and written a batch at a time.
    """
    import orjson

    from caseworker.domain.rules.reader import sources

    code = EXIT_OK
    batch: list[str] = []
    try:
        for source in sources(args.facts):
            where: dict[str, object] = (
                {"line": source.line} if source.line is not None else {"file": source.name}
            )
            result = _evaluate_one(source.name, source.data, ruleset, args.allowance_left)
            if result is None:
                code = EXIT_BAD_INPUT
                batch.append(orjson.dumps({**where, "refused": True}).decode())
            else:
                batch.append(orjson.dumps({**where, **result}).decode())
            if len(batch) >= _BATCH:
                _write_lines(batch)
    except BrokenPipeError:
        raise  # the reader (e.g. head) has gone: main ends quietly
    except OSError as exc:
        _write_lines(batch)
        print(f"{args.facts}: cannot read: {exc.strerror}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    _write_lines(batch)
    return code


def _write_lines(batch: list[str]) -> None:
    if batch:
        sys.stdout.write("\n".join(batch) + "\n")
        batch.clear()


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
