"""``caseworker retention list|deidentify``: the retention review, for a team manager."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from caseworker.domain import clock

if TYPE_CHECKING:
    from caseworker.domain.rules import RuleSet
    from caseworker.domain.users import User
    from caseworker.store.database import Store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("retention", help="households due for de-identification")
    commands = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    listing = commands.add_parser("list", help="households with no visit or payment for N years")
    deidentify = commands.add_parser("deidentify", help="erase the personal data of one household")
    deidentify.add_argument("reference", metavar="CASE_REF")
    for command in (listing, deidentify):
        command.add_argument("--as", dest="manager_code", required=True, metavar="MANAGER_CODE")
        command.add_argument(
            "--years",
            type=int,
            default=None,
            help="retention period in years (default: the policy's retention_years, 6)",
        )
        command.add_argument("--password-stdin", action="store_true")
    listing.set_defaults(func=_list)
    deidentify.set_defaults(func=_deidentify)


def _manager(args: argparse.Namespace) -> tuple[Store, User]:
    from caseworker.cli.common import open_store, sign_in

    store = open_store()
    return store, sign_in(store, args.manager_code, args.password_stdin)


def _rules() -> RuleSet:
    """The rules the app would use (shipped, with the council's override folder)."""
    from caseworker.services.rules_state import RulesState, override_dir

    return RulesState(override=override_dir()).current()


def _list(args: argparse.Namespace) -> int:
    from caseworker.services import retention
    from caseworker.services.errors import ServiceError

    try:
        store, manager = _manager(args)
        due = retention.due_for_retention(store, manager, _rules(), clock.today(), args.years)
    except ServiceError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return 2
    for candidate in due:
        print(f"{candidate.reference:<12} last activity {candidate.last_activity:%d/%m/%Y}")
    print(f"{len(due)} household(s) due for de-identification.", file=sys.stderr)
    return 0


def _deidentify(args: argparse.Namespace) -> int:
    from caseworker.services import retention
    from caseworker.services.case_file import find_case
    from caseworker.services.errors import ServiceError
    from caseworker.services.facts_reader import retention_years

    try:
        store, manager = _manager(args)
        household_id = find_case(store, args.reference)
        rules, today = _rules(), clock.today()
        years = args.years if args.years is not None else retention_years(rules, today)
        due = {
            c.household_id for c in retention.due_for_retention(store, manager, rules, today, years)
        }
        if household_id not in due:
            print(
                f"caseworker: {args.reference} is not due: it has had a visit or payment "
                f"in the last {years} years.",
                file=sys.stderr,
            )
            return 2
        retention.deidentify(store, manager, household_id)
    except ServiceError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return 2
    print(f"{args.reference} de-identified.")
    return 0
