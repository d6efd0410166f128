"""``caseworker audit verify``: walk the hash chain and report the first broken entry."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="check the tamper-evident audit trail")
    commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = commands.add_parser("verify", help="verify every entry of the audit chain")
    check.set_defaults(func=_verify)


def _verify(_args: argparse.Namespace) -> int:
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
