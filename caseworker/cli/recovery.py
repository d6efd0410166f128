"""``caseworker recovery init|export|restore``: the team's recovery key, and getting a
laptop's store key back from its escrow when its keyring entry was lost.

``init`` and ``export`` run where the sync service runs (they need the store); the
recovery key's file and passphrase are kept offline and brought there only to
recover a laptop. ``restore`` runs on the laptop.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "recovery", help="the team's recovery key; recover a laptop whose keyring entry was lost"
    )
    actions = parser.add_subparsers(dest="recovery_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init", help="make the team's recovery key (where the service runs; keep it offline)"
    )
    init.add_argument("--store", required=True, metavar="URL", help="the team store")
    init.add_argument("--out", required=True, metavar="FILE", help="where to write the key")
    init.add_argument(
        "--replace", action="store_true", help="replace the team's key (laptops escrow again)"
    )
    export = actions.add_parser(
        "export", help="open a laptop's escrow and write its one-laptop recovery file"
    )
    export.add_argument("--store", required=True, metavar="URL", help="the team store")
    export.add_argument("--device", required=True, metavar="ID", help="the laptop's device id")
    export.add_argument("--key", required=True, metavar="FILE", help="the recovery key file")
    export.add_argument("--out", required=True, metavar="KEYFILE", help="the file to write")
    restore = actions.add_parser(
        "restore", help="on the laptop: put its store key back from a recovery file"
    )
    restore.add_argument("file", metavar="KEYFILE", help="the recovery file IT gave you")
    for action in (init, export, restore):
        action.add_argument(
            "--passphrase-stdin", action="store_true", help="read the passphrase from stdin"
        )
    init.set_defaults(func=_init)
    export.set_defaults(func=_export)
    restore.set_defaults(func=_restore)


def _fail(message: str, code: int) -> int:
    print(f"caseworker: {message}", file=sys.stderr)
    return code


def _write_new(path: Path, text: str) -> None:
    """Write a new file only its owner can read; never over an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _new_passphrase(from_stdin: bool) -> str:
    from caseworker.cli.common import read_password

    first = read_password("Passphrase for the recovery key: ", from_stdin)
    if not from_stdin and read_password("The same passphrase again: ", False) != first:
        raise SystemExit(_fail("the two passphrases differ; nothing was made.", 2))
    return first


def _init(args: argparse.Namespace) -> int:
    from caseworker.domain import recovery as keys
    from caseworker.domain.errors import CaseworkerError
    from caseworker.services import recovery
    from caseworker.sync.connect import open_team_store

    out = Path(args.out)
    if out.exists():
        return _fail(f"{out} exists already; choose a new file (nothing was changed).", 2)
    try:
        store = open_team_store(args.store)
        existing = recovery.current_key(store)
        if existing is not None and not args.replace:
            return _fail(
                f"The team already has a recovery key ({existing.key_id}); nothing was "
                "changed. Give --replace to replace it: every laptop escrows again at its "
                "next sync, and until then their escrows still need the old key's file.",
                2,
            )
        passphrase = _new_passphrase(args.passphrase_stdin)
        keys.check_passphrase(passphrase)
        private = keys.new_key()
        _write_new(out, keys.key_file(private, passphrase))
        try:
            recovery.publish_key(store, None, keys.public_hex(private), replace=args.replace)
        except BaseException:
            out.unlink(missing_ok=True)  # a key the store does not know is no use to anyone
            raise
    except CaseworkerError as exc:
        return _fail(str(exc), exc.exit_code)
    except OSError as exc:
        return _fail(f"could not write {out} ({exc.strerror}); nothing was changed.", 3)
    kid = keys.key_id(keys.public_hex(private))
    print(f"Team recovery key {kid} made; its public half is in the team store.")
    print(
        f"Its private half is in {out}, encrypted under your passphrase and readable only by "
        "you. Keep the file OFFLINE (for example on two USB sticks in separate safes), not on "
        "this server, and the passphrase apart from it: without both, no laptop can be "
        "recovered; with both, any laptop's escrowed key can be opened."
    )
    if existing is not None:
        print(
            f"It replaces key {existing.key_id}: laptops escrow to the new key at their next "
            "sync. Keep the old key's file until every laptop has synced."
        )
    else:
        print("Laptops escrow their store key to it at their next sync.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from caseworker.cli.common import read_password
    from caseworker.domain import recovery as keys
    from caseworker.domain.errors import CaseworkerError
    from caseworker.services import recovery
    from caseworker.sync.connect import open_team_store

    try:
        device_id = uuid.UUID(args.device)
    except ValueError:
        return _fail(f"{args.device} is not a device id; see `caseworker devices list`.", 2)
    out = Path(args.out)
    if out.exists():
        return _fail(f"{out} exists already; choose a new file (nothing was changed).", 2)
    try:
        text = Path(args.key).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"could not read the recovery key file {args.key} ({exc}).", 2)
    try:
        passphrase = read_password("Passphrase for the recovery key: ", args.passphrase_stdin)
        private = keys.open_key_file(text, passphrase)
        store = open_team_store(args.store)
        sealed = recovery.take_escrow(store, None, device_id)
        store_key = keys.open_sealed(private, sealed).decode("utf-8")
        once = keys.one_time_passphrase()
        _write_new(out, keys.laptop_file(device_id, store_key, once))
    except CaseworkerError as exc:
        return _fail(str(exc), exc.exit_code)
    except OSError as exc:
        return _fail(f"could not write {out} ({exc.strerror}); nothing was changed.", 3)
    print(f"Recovery file for laptop {device_id} written to {out}.")
    print(f"One-time passphrase: {once}")
    print(
        "Give the file to the laptop's user (a USB stick), and tell them the passphrase "
        "another way (in person or by phone), never with the file. On the laptop, signed "
        "in to its OS account: caseworker recovery restore FILE. Delete the file once it "
        "has been used."
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from caseworker import paths
    from caseworker.cli.common import read_password
    from caseworker.domain import recovery as keys
    from caseworker.domain.errors import CaseworkerError
    from caseworker.settings import current_settings
    from caseworker.store.encryption import open_encrypted, restore_key
    from caseworker.sync.connect import device_credential
    from caseworker.sync.http import is_service

    if paths.demo_mode():
        return _fail("the demo store is not encrypted: there is no key to recover.", 2)
    try:
        text = Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"could not read the recovery file {args.file} ({exc}).", 2)
    path = paths.local_store_path()
    try:
        passphrase = read_password("One-time passphrase: ", args.passphrase_stdin)
        found = keys.open_laptop_file(text, passphrase)
        changed = restore_key(path, found.store_key)
        open_encrypted(path).dispose()  # the app's own way in: it must open now
        address = current_settings().shared_store_url
        enrolled = bool(address) and is_service(address) and device_credential(address)  # type: ignore[arg-type]
    except CaseworkerError as exc:
        return _fail(str(exc), exc.exit_code)
    if changed:
        print("The store key is back in this account's keyring; the case store opens again.")
    else:
        print("This account's keyring already held that key; the case store opens.")
    print(f"Delete {args.file} now: it is no longer needed.")
    if enrolled:
        print("This laptop is still enrolled: sync with `caseworker sync`.")
        return 0
    print(
        "Next, re-enrol the laptop (its old enrolment is revoked, the new one takes over its "
        "changes, and the next sync sends its unsynced work and pulls everything else):\n"
        f"  1. where the sync service runs, IT or a manager: caseworker devices code "
        f"--store URL --replaces {found.device_id}\n"
        "  2. on this laptop: caseworker enrol URL --code CODE\n"
        "  3. on this laptop: caseworker sync"
    )
    return 0
