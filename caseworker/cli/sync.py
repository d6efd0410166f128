"""``caseworker store init|login URL`` and ``caseworker sync``: the shared store, headless."""

from __future__ import annotations

import argparse
import getpass
import sys


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


def _sync(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services.rules_state import RulesState, override_dir
    from caseworker.settings import current_settings
    from caseworker.store.errors import StoreError
    from caseworker.sync.connect import open_team_store
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
    try:
        shared = open_team_store(address)
        report = sync(local, shared, RulesState(override=override_dir()).current())
    except StoreError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return exc.exit_code
    pushed = report.pushed
    print(
        f"Pushed {pushed.applied} changes ({pushed.refused} refused, "
        f"{pushed.duplicates} already in the store); pulled {report.pulled_rows} records."
    )
    if report.new_client_id:
        print("This laptop's store was copied or restored: it now syncs under a new id.")
    for reason in report.refused:
        print(f"Refused: {reason}")
    status = report.status
    if status is not None:
        print(f"Waiting: {status.waiting}. Conflicts to resolve: {status.conflicts}.")
    return 0
