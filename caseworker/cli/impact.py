"""``caseworker rules impact DRAFT_DIR``: what a draft rules folder would change.

Registered under ``caseworker rules`` by :mod:`caseworker.cli.rules`. Heavy
modules are imported inside the handler so ``caseworker --version`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``impact`` to the ``rules`` subcommands."""
    impact = commands.add_parser(
        "impact",
        help="compare every household's latest visit under a draft rules folder and now",
        description=(
            "Re-evaluate every household's latest visit under the current rules and under "
            "DRAFT_DIR, and report who gains or loses a cash award (by clause), whose "
            "recommended total changes, and the change in total recommended spend. DRAFT_DIR "
            "is layered over the current rules: a full copy of resources/rules with edits, or "
            "a folder with only the changed files."
        ),
    )
    impact.add_argument("draft", type=Path, metavar="DRAFT_DIR")
    impact.add_argument("--json", action="store_true", help="print JSON instead of a table")
    impact.add_argument(
        "--override",
        type=Path,
        metavar="DIR",
        help="the council's override folder the current rules use "
        "(default: $CASEWORKER_RULES_OVERRIDE, if set)",
    )
    impact.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes to share the work (default: one per core for large stores)",
    )
    impact.set_defaults(func=_impact)


def _impact(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services.impact import DraftRulesInvalid, policy_impact, report_json

    store = open_store()
    try:
        report = policy_impact(store, args.draft, override=args.override, workers=args.workers)
    except DraftRulesInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"The rules in {args.draft} cannot be used; nothing was compared.", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        store.dispose()
    if args.json:
        print(report_json(report))
    else:
        print(f"Policy-change impact of {args.draft}")
        print("\n".join(report.lines()))
    return EXIT_OK
