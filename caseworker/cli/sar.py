"""``caseworker sar CASE_REF -o DIR``: a subject access export for the data protection officer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sar", help="export everything held about a household (JSON + PDF) for a subject access"
    )
    parser.add_argument("reference", metavar="CASE_REF")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    parser.set_defaults(func=_sar)


def _sar(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services import users
    from caseworker.services.case_file import find_case
    from caseworker.services.errors import ServiceError
    from caseworker.services.subject_access import export_subject_access

    store = open_store()
    try:
        household_id = find_case(store, args.reference)
    except ServiceError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return 1
    actor = users.system_user(store, "Subject access (command line)", "SAR")
    for path in export_subject_access(store, actor, household_id, args.output):
        print(path)
    return 0
