"""``caseworker users add|list``: manage who can sign in, from the command line."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("users", help="add or list users")
    commands = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = commands.add_parser(
        "add",
        help="add a user (on a new install, the first user is the team manager)",
    )
    add.add_argument("name")
    add.add_argument("officer_code")
    add.add_argument("--role", choices=["officer", "manager"], default="officer")
    add.add_argument(
        "--as",
        dest="manager_code",
        metavar="MANAGER_CODE",
        help="the team manager adding this user (asks for their password)",
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password, then the manager's, one per line from stdin",
    )
    add.set_defaults(func=_add)
    listing = commands.add_parser("list", help="list users who can sign in")
    listing.set_defaults(func=_list)


def _add(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store, read_password, refused
    from caseworker.domain.users import Role
    from caseworker.services import users
    from caseworker.services.errors import ServiceError

    store = open_store()
    try:
        password = read_password(f"New password for {args.name}: ", args.password_stdin)
        if users.needs_first_manager(store):
            user = users.create_first_manager(store, args.name, args.officer_code, password)
        else:
            if not args.manager_code:
                print(
                    "caseworker: a team manager must add users: give --as MANAGER_CODE",
                    file=sys.stderr,
                )
                return 2
            manager = users.sign_in(
                store,
                args.manager_code,
                read_password(f"Password for {args.manager_code}: ", args.password_stdin),
            )
            user = users.add_user(
                store, manager, args.name, args.officer_code, Role(args.role), password
            )
    except ServiceError as exc:
        return refused(exc)
    print(f"Added {user.name} ({user.officer_code}) as {user.role.value}.")
    return 0


def _list(_args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services import users

    for user in users.list_users(open_store()):
        print(f"{user.officer_code:<9} {user.role.value:<8} {user.name}")
    return 0
