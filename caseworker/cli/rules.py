"""``caseworker rules ...``: evaluate, schema, check, test, impact (the rules engine).

Heavy modules (pydantic models, the engine) are imported inside the handlers
so that ``caseworker --version`` and the window start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path

from caseworker.cli import impact

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3

PARALLEL_FROM = 2_000  # households; below this, starting worker processes costs more than it saves
CHUNK = 500  # households per task: enough to amortise sending, few enough to share evenly

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
    evaluate.add_argument(
        "--workers",
        type=_workers_option,
        metavar="N",
        help="processes sharing a JSON-lines file or folder (default: one per core for "
        f"{PARALLEL_FROM:,} households or more, where the system can fork; 1: this "
        "process only); the output is the same, in the input's order",
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


def _workers_option(text: str) -> int:
    """A number of worker processes: a whole number, 1 or more."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more; got {value}")
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
    result, problems = _evaluator(ruleset, args.allowance_left)(str(args.facts), data)
    for problem in problems:
        print(problem, file=sys.stderr)
    if result is None:
        return EXIT_BAD_INPUT
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return EXIT_OK


# One household's result as JSON, or ``None`` and each problem as ``name: problem``.
Evaluated = tuple[dict[str, object] | None, list[str]]


def _evaluator(ruleset: object, allowance_left: int | None) -> Callable[[str, bytes], Evaluated]:
    """What evaluates one household's facts (``name``: the file or line they came
    from), for one file and for each line of many alike; imported and bound once."""
    from caseworker.domain.rules import RuleSet, evaluate
    from caseworker.domain.rules.reader import FactsRefused, read_facts

    assert isinstance(ruleset, RuleSet)

    def evaluated(name: str, data: bytes) -> Evaluated:
        try:
            facts = read_facts(data, ruleset)
        except FactsRefused as exc:
            return None, [f"{name}: {problem}" for problem in exc.problems]
        result: dict[str, object] = evaluate(
            facts, ruleset, allowance_left_pence=allowance_left
        ).to_json()
        return result, []

    return evaluated


# One chunk's sources as (name, data, line), and what it gives: its JSON lines (one text, sent back
# at once), the ``name: problem`` lines for stderr, and whether any household was refused.
Chunk = list[tuple[str, bytes, int | None]]
ChunkOutput = tuple[str, list[str], bool]


class _Chunks:
    """The sources of a file or folder in chunks, read as they are asked for.

    Reading stops at the first ``OSError`` (a file in the folder cannot be read), which
    is kept in ``error`` rather than raised, so that the results of everything read
    before it are still written, as one process writing as it goes would have.
    """

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.error: OSError | None = None

    def __iter__(self) -> Iterator[Chunk]:
        from caseworker.domain.rules.reader import sources

        chunk: Chunk = []
        try:
            for source in sources(self.path):
                chunk.append((source.name, source.data, source.line))
                if len(chunk) >= self.size:
                    yield chunk
                    chunk = []
        except OSError as exc:
            self.error = exc
        if chunk:
            yield chunk


def _evaluate_chunk(chunk: Chunk, ruleset: object, allowance_left: int | None) -> ChunkOutput:
    """Each household's JSON line, or a ``refused`` line and its problems for stderr.

    Lines are made by orjson (the standard library's encoder takes longer than the
    evaluation). Nothing is printed here, so a worker process can do it and the parent
    writes every chunk's output in the input's order.
    """
    import orjson

    evaluated = _evaluator(ruleset, allowance_left)
    dumps = orjson.dumps
    lines: list[bytes] = []
    problems: list[str] = []
    refused = False
    for name, data, line in chunk:
        where: dict[str, object] = {"line": line} if line is not None else {"file": name}
        result, refusals = evaluated(name, data)
        if result is None:
            refused = True
            problems += refusals
            lines.append(dumps({**where, "refused": True}))
        else:
            lines.append(dumps({**where, **result}))
    lines.append(b"")
    return b"\n".join(lines).decode(), problems, refused


# What forked workers inherit from the command (the rules and the allowance left),
# set just before the fork.
_inherited: tuple[object, int | None] | None = None


def _evaluate_inherited(chunk: Chunk) -> ChunkOutput:
    """In a forked worker: evaluate a chunk with the rules the command had loaded."""
    assert _inherited is not None, "the worker was forked without its rules"
    return _evaluate_chunk(chunk, *_inherited)


def _in_workers(
    chunks: Iterable[Chunk], workers: int, ruleset: object, allowance_left: int | None
) -> Generator[ChunkOutput, None, None]:
    """Each chunk's output in the input's order, evaluated by forked workers.

    The rules are loaded once, here, and inherited by the workers rather than sent or
    loaded again. A few chunks per worker are in hand at a time, so a file of any size
    is read as the work goes on, and the output starts before the end.
    """
    from collections import deque
    from concurrent.futures import Future

    from caseworker.services.processes import forked_pool

    global _inherited
    _inherited = (ruleset, allowance_left)
    try:
        with forked_pool(workers) as pool:
            pending: deque[Future[ChunkOutput]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(_evaluate_inherited, chunk))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        _inherited = None


def _worker_count(asked: int | None, first: list[Chunk]) -> int:
    """How many processes share the work: as asked (``--workers``), else one per core
    once there are ``PARALLEL_FROM`` households; one where this process cannot fork."""
    from caseworker.services.processes import default_workers, fork_available

    if asked is None:
        asked = default_workers() if sum(map(len, first)) >= PARALLEL_FROM else 1
    return asked if asked > 1 and fork_available() else 1


def _evaluate_many(args: argparse.Namespace, ruleset: object) -> int:
    """One JSON line for each household; refused ones are named on stderr by line or file.

    A large file or folder is shared between worker processes (see ``_in_workers``);
    the output is the same either way, in the input's order.
    """
    chunks = _Chunks(args.facts, CHUNK)
    reading = iter(chunks)
    first: list[Chunk] = []
    for chunk in reading:
        first.append(chunk)
        if sum(map(len, first)) >= PARALLEL_FROM:
            break
    workers = _worker_count(args.workers, first)
    everything = itertools.chain(first, reading)
    outputs: Generator[ChunkOutput, None, None]
    if workers > 1:
        outputs = _in_workers(everything, workers, ruleset, args.allowance_left)
    else:
        outputs = (_evaluate_chunk(c, ruleset, args.allowance_left) for c in everything)
    code = EXIT_OK
    # Closed at once if writing fails (the reader has gone): no work is left running.
    with contextlib.closing(outputs):
        for text, problems, refused in outputs:
            sys.stdout.write(text)
            for problem in problems:
                print(problem, file=sys.stderr)
            if refused:
                code = EXIT_BAD_INPUT
    if chunks.error is not None:
        print(f"{args.facts}: cannot read: {chunks.error.strerror}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    return code


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
