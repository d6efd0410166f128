"""``caseworker export``: case summaries as PDF, one case or every case in a batch.

    caseworker export CASE_REF --copy family|file -o OUT.pdf
    caseworker export --all [--since DATE] --copy file|family -o DIR/

The batch reads each case from the store in this process and lays the PDFs out
in worker processes (one per core). A case that fails is reported on stderr by
its reference and the rest still export; the exit code is 1 if any failed.
Messages name cases by reference only, never by a person's details.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import deque
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

    from caseworker.services.case_file import CaseFile

COPIES = {"family": "family-copy", "file": "case-file"}
GENERATED_BY = "caseworker export (command line)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="write case summaries as PDF: the family copy or the case file",
        description=(
            "Write one case's summary as a PDF, or with --all every case into a folder "
            "(one PDF per case, named REFERENCE-case-file.pdf or REFERENCE-family-copy.pdf)."
        ),
    )
    parser.add_argument("case", nargs="?", metavar="CASE_REF", help="the case reference")
    parser.add_argument("--all", action="store_true", help="export every case (a batch)")
    parser.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="with --all: only cases with a visit or any change on or after DATE "
        "(YYYY-MM-DD or dd/mm/yyyy)",
    )
    parser.add_argument(
        "--copy",
        choices=sorted(COPIES),
        required=True,
        help="family: the plain-English letter; file: the full OFFICIAL-SENSITIVE case file",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the PDF to write, or with --all the folder to write into",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="with --all: worker processes (default: one per core)",
    )
    parser.set_defaults(func=_export)


def _date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20 or 20/11/2026")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _fail(message: str, code: int = 2) -> int:
    print(f"caseworker export: {message}", file=sys.stderr)
    return code


def _export(args: argparse.Namespace) -> int:
    if args.all == bool(args.case):
        return _fail("give either a CASE_REF or --all (not both)")
    if args.since is not None and not args.all:
        return _fail("--since goes with --all")
    if args.all:
        return _batch(args.copy, Path(args.output), args.since, args.workers)
    return _single(args.case, args.copy, Path(args.output))


def write(copy: str, case: CaseFile, path: Path) -> None:
    """Write one document (also the batch workers' entry point)."""
    from caseworker.reports import write_case_file, write_family_copy

    (write_family_copy if copy == "family" else write_case_file)(case, path)


def _why(exc: BaseException) -> str:
    """A reason that holds no personal data: the error's kind, and for file errors its
    system message (case data never reaches an OSError's text)."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def _single(reference: str, copy: str, out: Path) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services.case_file import case_file, find_case
    from caseworker.services.errors import NotFound

    store = open_store()
    try:
        case = case_file(store, find_case(store, reference), generated_by=GENERATED_BY)
    except NotFound as exc:
        return _fail(str(exc), 1)
    finally:
        store.dispose()
    try:
        write(copy, case, out)
    except Exception as exc:
        return _fail(f"{case.reference} could not be written to {out} ({_why(exc)})", 1)
    print(f"Wrote {out}")
    return 0


def _warm_up() -> None:
    """Load fonts, council details and logo once per worker, before the first case."""
    from caseworker.reports.common import council, logo, referral_directory
    from caseworker.reports.fonts import register_fonts

    register_fonts()
    council()
    logo()
    referral_directory()


def file_name(reference: str, copy: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', reference)}-{COPIES[copy]}.pdf"


def _batch(copy: str, folder: Path, since: date | None, workers: int | None) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services.case_file import case_file, cases_for_export

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot make the folder {folder} ({_why(exc)})")
    store = open_store()
    started = time.perf_counter()
    failed: list[str] = []
    done = 0
    try:
        cases = cases_for_export(store, since)
        total = len(cases)
        workers = workers or min(os.cpu_count() or 1, 8)

        def progress() -> None:
            print(f"\r{done:,}/{total:,} cases", end="", file=sys.stderr, flush=True)

        def report(reference: str, why: str) -> None:
            failed.append(reference)
            print(f"\rcaseworker export: case {reference} failed ({why})", file=sys.stderr)

        def settle(ref: str, future: Future[None]) -> None:
            nonlocal done
            try:
                future.result()
            except Exception as exc:
                report(ref, _why(exc))
            done += 1
            progress()

        progress()
        pending: deque[tuple[str, Future[None]]] = deque()
        import multiprocessing  # here, not at every start of the app (issue 18)
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # safe in threaded and Qt processes
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up) as pool:
            for ref in cases:
                try:
                    case = case_file(store, ref.household_id, generated_by=GENERATED_BY)
                except Exception as exc:
                    report(ref.reference, _why(exc))
                    done += 1
                    progress()
                    continue
                target = folder / file_name(ref.reference, copy)
                try:
                    pending.append((ref.reference, pool.submit(write, copy, case, target)))
                except Exception as exc:  # a broken pool: every case left fails the same way
                    report(ref.reference, _why(exc))
                    done += 1
                    progress()
                    continue
                while len(pending) > workers * 4:  # bounded: memory stays flat
                    settle(*pending.popleft())
            while pending:
                settle(*pending.popleft())
    finally:
        store.dispose()
    print(file=sys.stderr)
    seconds = time.perf_counter() - started
    print(f"Exported {total - len(failed):,} of {total:,} cases to {folder} in {seconds:.1f} s")
    if failed:
        print(f"{len(failed):,} failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
