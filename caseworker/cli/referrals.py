"""``caseworker referrals import|match``: the borough's services directory.

``import --oruk SOURCE`` (a team manager) reads an Open Referral UK ``/services``
feed (an https address, a saved page or a folder of saved pages), checks it
against the published ORUK schema and imports it; ``match`` lists, from this
laptop's copy, the services a referral clause matches for one household.
Errors reach the person through the shared handler (``caseworker.cli``).
"""

from __future__ import annotations

import argparse
import sys

from caseworker.domain import clock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("referrals", help="the borough's services directory (Open Referral UK)")
    commands = parser.add_subparsers(dest="referrals_command", metavar="ACTION", required=True)
    importing = commands.add_parser(
        "import", help="import the directory from an Open Referral UK feed (team manager)"
    )
    importing.add_argument(
        "--oruk",
        required=True,
        metavar="PATH_OR_URL",
        help="the feed's https:// address (its /services endpoint), a saved page, or a "
        "folder of saved pages",
    )
    importing.add_argument("--as", dest="manager_code", required=True, metavar="MANAGER_CODE")
    importing.add_argument("--password-stdin", action="store_true")
    importing.set_defaults(func=_import)
    match = commands.add_parser(
        "match", help="the directory services for a referral clause, best first"
    )
    match.add_argument("reference", metavar="CASE_REF")
    match.add_argument("clause", metavar="CLAUSE", help='a referral clause, like "7.1"')
    match.add_argument(
        "--at",
        metavar="INSTANT",
        help="the visit's date and time (2026-11-27T10:00:00Z); default now",
    )
    match.add_argument(
        "--language",
        action="append",
        default=[],
        metavar="LANGUAGE",
        help="a language the family speaks (repeat for more)",
    )
    match.set_defaults(func=_match)


def _import(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store, sign_in
    from caseworker.services import directory
    from caseworker.sync.oruk import read_feed

    feed = read_feed(args.oruk)
    for problem in feed.problems:
        print(f"caseworker: {problem}", file=sys.stderr)
    store = open_store()
    manager = sign_in(store, args.manager_code, args.password_stdin)
    summary = directory.import_services(
        store,
        manager,
        feed.services,
        feed.source,
        unreadable_ids=feed.unreadable_ids,
        withdraw_missing=feed.every_id_read,
    )
    print(f"Read {feed.pages} page(s) from {feed.source}: {len(feed.services)} service(s).")
    print(f"Directory: {summary.words()}.")
    if feed.problems:
        bad = len({p.service for p in feed.problems})
        print(
            f"caseworker: {bad} service(s) in the feed were not imported; they are named above.",
            file=sys.stderr,
        )
        return 1
    return 0


def _match(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.domain.clock import parse_instant
    from caseworker.services import directory
    from caseworker.services.case_file import find_case
    from caseworker.services.rules_state import RulesState, override_dir

    store = open_store()
    rules = RulesState(override=override_dir()).load()
    at = parse_instant(args.at) if args.at else clock.now()
    household_id = find_case(store, args.reference)
    matches = directory.matching_services(
        store, rules, household_id, args.clause, at, languages=args.language
    )
    if not matches:
        print(
            f"No directory service matches referral {args.clause}; the family copy uses the "
            "referral list (resources/referrals.yaml).",
            file=sys.stderr,
        )
        return 0
    for m in matches:
        flags = ", ".join(
            word
            for word, yes in (
                ("open now", m.open_now),
                ("in the district", m.in_district),
                ("in the family's language", m.in_language),
            )
            if yes
        )
        s = m.service
        print(f"{s.service_id}  {s.name} · {s.postcode or 'no postcode'} · {flags or '-'}")
    return 0
