"""``caseworker store init|login URL`` and ``caseworker sync``: the shared store, headless."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseworker.sync.run import SyncReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    store = sub.add_parser("store", help="set up or log in to the team's shared store")
    commands = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    init = commands.add_parser(
        "init", help="create or upgrade the shared store's tables (Alembic); safe to repeat"
    )
    init.add_argument("url", help="postgresql://host/db, sqlite:///path/shared.db or a path")
    init.set_defaults(func=_init)
    login = commands.add_parser(
        "login", help="save the shared store's user name and password in the OS keyring"
    )
    login.add_argument("url")
    login.add_argument("--user", help="the database user (asked for if missing)")
    login.set_defaults(func=_login)
    sync = sub.add_parser("sync", help="push this laptop's changes and pull the team's")
    sync.add_argument("--store", metavar="URL", help="the shared store (default: settings)")
    sync.add_argument(
        "--problems",
        action="store_true",
        help="list the changes the team store did not accept (no network needed)",
    )
    sync.add_argument("--resend", metavar="N", type=int, help="queue change N of --problems again")
    sync.add_argument(
        "--discard", metavar="N", type=int, help="discard change N of --problems (give --why)"
    )
    sync.add_argument("--why", default="", help="why the change is discarded (audited)")
    sync.add_argument(
        "--as",
        dest="officer_code",
        metavar="CODE",
        help="who resends or discards: its maker or a team manager (asks for the password)",
    )
    sync.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    sync.set_defaults(func=_sync)


def _init(args: argparse.Namespace) -> int:
    from caseworker.store.errors import StoreError
    from caseworker.sync.connect import normalise, open_team_store

    try:
        store = open_team_store(args.url, upgrade=True)
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Shared store ready at {normalise(args.url)} (schema {store.current_revision()}).")
    store.dispose()
    return 0


def _login(args: argparse.Namespace) -> int:
    from caseworker.store.errors import StoreError
    from caseworker.sync.connect import open_team_store, save_login

    user = args.user or input("Database user: ")
    password = getpass.getpass("Password: ")
    try:
        save_login(args.url, user, password)
        open_team_store(args.url).dispose()
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return exc.exit_code
    print("Saved in the keyring; the shared store answered.")
    return 0


def _problems() -> int:
    """The parked changes, numbered as --resend and --discard take them."""
    from caseworker.cli.common import open_store
    from caseworker.services.parked import parked_changes

    found = parked_changes(open_store())
    if not found:
        print("Every change on this laptop was accepted by the team store, or is waiting to go.")
        return 0
    print(f"{len(found)} changes not accepted by the team store:")
    for number, change in enumerate(found, start=1):
        about = f" for {change.reference}" if change.reference else ""
        print(f"{number}. {change.label}{about}, made {change.created_at:%d/%m/%Y %H:%M} UTC")
        print(f"   {change.status}. {change.reason}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    """Resend or discard one parked change, as a signed-in person."""
    from caseworker.cli.common import open_store, refused, sign_in
    from caseworker.services import parked
    from caseworker.services.errors import ServiceError

    store = open_store()
    found = parked.parked_changes(store)
    number = args.resend if args.resend is not None else args.discard
    if not 1 <= number <= len(found):
        closest = f"1 to {len(found)}" if found else "none: nothing is parked"
        print(
            f"caseworker: change number {number} is not listed; listed: {closest}.", file=sys.stderr
        )
        return 2
    if not args.officer_code:
        print(
            "caseworker: say who decides: give --as CODE (its maker or a team manager).",
            file=sys.stderr,
        )
        return 2
    change = found[number - 1]
    try:
        user = sign_in(store, args.officer_code, args.password_stdin)
        if args.resend is not None:
            count = parked.resend(store, user, change.client_id, change.mutation_id)
            print(f"Queued again ({count} changes): {change.label}. It goes at the next sync.")
        else:
            parked.discard(store, user, change.client_id, change.mutation_id, args.why)
            print(f"Discarded: {change.label}. The team store's copy replaces it at the next sync.")
    except ServiceError as exc:
        return refused(exc)
    return 0


def _sync(args: argparse.Namespace) -> int:
    if args.problems:
        return _problems()
    if args.resend is not None or args.discard is not None:
        return _decide(args)
    from caseworker.cli.common import open_store
    from caseworker.services.rules_state import RulesState, override_dir
    from caseworker.settings import current_settings
    from caseworker.store.errors import StoreError
    from caseworker.sync.connect import open_remote
    from caseworker.sync.run import sync

    address = args.store or current_settings().shared_store_url
    if not address:
        print(
            "caseworker: no shared store is set; pass --store URL or set shared_store_url "
            "in settings.",
            file=sys.stderr,
        )
        return 2
    local = open_store()
    rules = RulesState(override=override_dir()).current()
    try:
        remote = open_remote(address, rules)
        try:
            report = sync(local, remote, rules)
        finally:
            remote.close()
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return exc.exit_code
    for line in pushed_lines(report):
        print(line)
    if report.new_client_id:
        print(
            "This laptop's data folder is a copy or was restored: it now syncs under a new "
            "identity; every change it holds is kept, and none is applied twice."
        )
    for reason in report.refused:
        print(f"Not accepted by the team store: {reason}")
    status = report.status
    if status is not None:
        print(f"Waiting: {status.waiting}. Conflicts to resolve: {status.conflicts}.")
        if status.refused:
            print(
                f"{status.refused} changes not accepted are kept on this laptop: see "
                "'caseworker sync --problems'."
            )
    return 0


def pushed_lines(report: SyncReport) -> list[str]:
    """What the push did, for the officer: the changes the team store applied, and
    those it has kept but is still applying (the sync service's inbox), which stay on
    this laptop until the store confirms them."""
    pushed = report.pushed
    lines = [
        f"Pushed {pushed.applied} changes ({pushed.refused} not accepted, {pushed.waiting} "
        f"waiting behind one, {pushed.duplicates} already in the store); "
        f"pulled {report.pulled_rows} records."
    ]
    if pushed.queued:
        lines.append(
            f"{pushed.queued} more changes are with the team store, which is still applying "
            "them. They stay on this laptop until it confirms them, at the next sync."
        )
    return lines
