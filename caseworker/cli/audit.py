"""``caseworker audit verify`` and ``caseworker audit head``.

Without ``--store``, ``verify`` walks this laptop's hash chain. With ``--store URL
--keys FOLDER`` it checks the team store's trail against the sync service's keyed
chain and signed heads (``services.audit_seal``); ``head`` prints the store's
current signed head for the council's records.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="check the tamper-evident audit trail")
    commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = commands.add_parser("verify", help="verify every entry of the audit chain")
    check.add_argument("--store", metavar="URL", help="check the team store's trail instead")
    check.add_argument(
        "--keys", metavar="FOLDER", type=Path, help="the sync service's audit keys folder"
    )
    check.add_argument(
        "--head", metavar="FILE", type=Path, help="a printed signed head from the records"
    )
    check.set_defaults(func=_verify)
    head = commands.add_parser("head", help="seal the team store's trail and print its signed head")
    head.add_argument("--store", metavar="URL", required=True, help="the team store")
    head.add_argument(
        "--keys", metavar="FOLDER", type=Path, required=True, help="the audit keys folder"
    )
    head.set_defaults(func=_head)


def _verify(args: argparse.Namespace) -> int:
    if args.store or args.keys or args.head:
        return _verify_team_store(args)
    from caseworker.cli.common import open_store
    from caseworker.services.audit_check import verify_store

    checked, broken = verify_store(open_store())
    if broken is None:
        print(f"Audit trail intact: {checked:,} entries verified.")
        return 0
    print(
        f"Audit trail BROKEN at entry {broken.seq}: {broken.reason}. "
        f"{checked:,} entries before it verified. Report this to your information governance lead."
    )
    return 1


def _verify_team_store(args: argparse.Namespace) -> int:
    if not (args.store and args.keys):
        print(
            "caseworker: checking the team store needs both --store URL and --keys FOLDER.",
            file=sys.stderr,
        )
        return 2
    from caseworker.services.audit_seal import BadHead, ServiceKeys, verify
    from caseworker.sync.connect import open_team_store

    printed = None
    if args.head is not None:
        try:
            printed = args.head.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"caseworker: the head file cannot be read ({exc}).", file=sys.stderr)
            return 2
    keys = ServiceKeys.load(args.keys)
    store = open_team_store(args.store)
    try:
        report = verify(store, keys, printed)
    except BadHead as exc:  # a ValueError, not one of the app's refusals: said here
        print(f"caseworker: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print("\n".join(report.lines()))
    return 0 if report.intact else 1


def _head(args: argparse.Namespace) -> int:
    from caseworker.services.audit_seal import ServiceKeys, head_text, public_key_text, seal_store
    from caseworker.sync.connect import open_team_store

    keys = ServiceKeys.load(args.keys)
    store = open_team_store(args.store)
    try:
        head = seal_store(store, keys)
    finally:
        store.dispose()
    print(head_text(head))
    print(f"Public key: {public_key_text(keys.public_key)}")
    return 0
