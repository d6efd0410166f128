"""``caseworker server``, ``caseworker devices`` and ``caseworker enrol``: the team's
sync service, the laptops it knows, and enrolling this laptop with it."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseworker.domain.users import User
    from caseworker.store.database import Store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = sub.add_parser(
        "server",
        help="run the team's sync service (the only holder of the store's credentials)",
    )
    server.add_argument("--store", required=True, metavar="URL", help="the team store")
    server.add_argument(
        "--listen", default="127.0.0.1:8443", metavar="HOST:PORT", help="where to listen"
    )
    server.add_argument(
        "--pool", type=int, default=10, metavar="N", help="database connections at most"
    )
    server.add_argument(
        "--push-wait",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how long a push waits for its replay before it is answered 'accepted' (202) "
        "and the laptop asks for the outcome later (default 1)",
    )
    server.add_argument(
        "--keys",
        metavar="FOLDER",
        help="the service's audit keys, made on first use; never in the database "
        "(default: service-keys in the data folder). Every instance uses the same folder.",
    )
    server.add_argument("--tls-cert", metavar="FILE", help="TLS certificate (PEM)")
    server.add_argument("--tls-key", metavar="FILE", help="TLS private key (PEM)")
    server.set_defaults(func=_serve)

    devices = sub.add_parser(
        "devices",
        help="enrol and revoke laptops: where the service runs (--store), or as a manager "
        "signed in on a laptop (--as, through the sync service)",
    )
    actions = devices.add_subparsers(dest="devices_command", metavar="ACTION", required=True)
    code = actions.add_parser("code", help="make a one-time enrolment code for a laptop")
    code.add_argument("--replaces", metavar="ID", help="re-enrol: the laptop's old device id")
    listing = actions.add_parser("list", help="list enrolled laptops")
    revoke = actions.add_parser("revoke", help="refuse a laptop from its next request")
    revoke.add_argument("device", metavar="ID", help="the device id, as listed")
    listing.add_argument("--store", required=True, metavar="URL", help="the team store")
    for action in (code, revoke):
        action.add_argument(
            "--store", metavar="URL", help="the team store (without it: through the service)"
        )
    for action in (code, revoke):
        action.add_argument("--as", dest="officer_code", metavar="CODE", help="the manager")
        action.add_argument("--password-stdin", action="store_true")
    code.set_defaults(func=_code)
    listing.set_defaults(func=_list)
    revoke.set_defaults(func=_revoke)

    enrol = sub.add_parser("enrol", help="enrol this laptop with the team's sync service")
    enrol.add_argument("url", help="the sync service, https://…")
    enrol.add_argument("--code", required=True, help="the one-time code a manager gave you")
    enrol.add_argument("--name", default="", help="a name managers will recognise")
    enrol.set_defaults(func=_enrol)


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(
            f"caseworker: --listen needs HOST:PORT, like 127.0.0.1:8443 (not {value})."
        )
    return host.strip("[]"), int(port)


def _serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    import uvicorn

    from caseworker import paths
    from caseworker.server.app import create_app
    from caseworker.server.sealing import Sealer
    from caseworker.services.audit_seal import ServiceKeys
    from caseworker.services.rules_state import RulesState, override_dir
    from caseworker.sync.connect import normalise, open_team_store
    from caseworker.sync.http import is_loopback

    host, port = _listen(args.listen)
    tls = bool(args.tls_cert and args.tls_key)
    if not tls and not is_loopback(host):
        print(
            "caseworker: plain HTTP is only for this machine (127.0.0.1). Give --tls-cert and "
            "--tls-key, or listen on 127.0.0.1 behind a TLS proxy (docs/deploy.md).",
            file=sys.stderr,
        )
        return 2
    if args.pool < 1:
        print("caseworker: --pool must be 1 or more (10 suits a team).", file=sys.stderr)
        return 2
    if not 0 <= args.push_wait <= 60:
        print("caseworker: --push-wait must be 0 to 60 seconds (1 suits a team).", file=sys.stderr)
        return 2
    keys = ServiceKeys.load_or_create(Path(args.keys or paths.data_dir() / "service-keys"))
    store = open_team_store(args.store, pool=args.pool)
    state = RulesState(override=override_dir())
    sealer = Sealer(store, keys)
    app = create_app(
        store,
        state.current,
        after_push=sealer.seal_soon,
        lifespan=sealer.running,
        push_wait=args.push_wait,
    )
    scheme = "https" if tls else "http"
    where = normalise(args.store)
    print(f"Sync service for {where} listening on {scheme}://{host}:{port}", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=args.tls_cert if tls else None,
        ssl_keyfile=args.tls_key if tls else None,
    )
    store.dispose()
    return 0


def _manager(args: argparse.Namespace, store: Store) -> User | None:
    """The manager named by ``--as`` (password checked), or None: the administrator
    who runs the service and holds the store's credentials."""
    from caseworker.cli.common import sign_in

    if not args.officer_code:
        return None
    return sign_in(store, args.officer_code, args.password_stdin)


def _through_service(args: argparse.Namespace, device: uuid.UUID | None) -> int:
    """A manager on their laptop: signed in here, the request signed with their key."""
    from caseworker.cli.common import open_store, sign_in
    from caseworker.services import keys
    from caseworker.settings import current_settings
    from caseworker.sync.connect import device_credential
    from caseworker.sync.http import HttpRemote, ServiceRefused, is_service

    if not args.officer_code:
        print(
            "caseworker: give --store URL where the service runs, or --as CODE (a team "
            "manager) on a laptop enrolled with the service.",
            file=sys.stderr,
        )
        return 2
    address = current_settings().shared_store_url or ""
    try:
        manager = sign_in(open_store(), args.officer_code, args.password_stdin)
        key = keys.key_for(manager.id)
        credential = device_credential(address) if is_service(address) else None
        if credential is None or key is None:
            print(
                "caseworker: this laptop is not enrolled with a sync service (or the "
                "manager's key could not be opened); see docs/sync-service.md.",
                file=sys.stderr,
            )
            return 2
        remote = HttpRemote(address, credential[1])
        try:
            if device is None:
                made = remote.make_code(manager.id, key, _replaces(args))
                print(f"Enrolment code: {made.code}")
                print(f"Valid once, for {made.hours} hours.")
            else:
                remote.revoke(manager.id, key, device)
                print("Revoked: that laptop is refused from its next sync.")
        finally:
            remote.close()
    except ServiceRefused as exc:  # the service answered, and said no: a refusal
        print(f"caseworker: {exc}", file=sys.stderr)
        return 2
    return 0


def _replaces(args: argparse.Namespace) -> uuid.UUID | None:
    return uuid.UUID(args.replaces) if args.replaces else None


def _code(args: argparse.Namespace) -> int:
    from caseworker.services import devices
    from caseworker.sync.connect import open_team_store

    try:
        replaces = _replaces(args)
    except ValueError:
        print(
            f"caseworker: --replaces needs a device id as listed (not {args.replaces}).",
            file=sys.stderr,
        )
        return 2
    if not args.store:
        return _through_service(args, None)
    store = open_team_store(args.store)
    code = devices.make_code(store, _manager(args, store), replaces)
    print(f"Enrolment code: {code}")
    print(
        f"Valid once, for {devices.CODE_HOURS} hours. On the laptop: "
        f"caseworker enrol URL --code {code}"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from caseworker.services import devices
    from caseworker.sync.connect import open_team_store

    found = devices.list_devices(open_team_store(args.store))
    if not found:
        print("No laptop is enrolled yet: make a code with `caseworker devices code`.")
    for device in found:
        state = f"revoked {device.revoked_at:%d/%m/%Y %H:%M} UTC" if device.revoked_at else "active"
        seen = f"{device.last_seen_at:%d/%m/%Y %H:%M} UTC" if device.last_seen_at else "never"
        print(f"{device.id}  {device.name}  {state}; last sync {seen}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from caseworker.services import devices
    from caseworker.sync.connect import open_team_store

    try:
        device_id = uuid.UUID(args.device)
    except ValueError:
        print(
            f"caseworker: {args.device} is not a device id; see `caseworker devices list`.",
            file=sys.stderr,
        )
        return 2
    if not args.store:
        return _through_service(args, device_id)
    store = open_team_store(args.store)
    devices.revoke(store, _manager(args, store), device_id)
    print("Revoked: that laptop is refused from its next sync. Its past changes stand.")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    """Enrol; a laptop that synced with a store directly moves over: its waiting changes
    stay queued (they go to the service at the next sync) and the store's address and
    saved database login are removed from it."""
    import socket

    from caseworker.cli.common import open_store
    from caseworker.settings import current_settings, save_user_settings
    from caseworker.sync.connect import forget_login, save_device
    from caseworker.sync.http import check_address, enrol, is_service
    from caseworker.sync.run import note_device
    from caseworker.sync.status import status

    before = current_settings().shared_store_url
    address = check_address(args.url)
    enrolled = enrol(address, args.code, args.name or socket.gethostname())
    save_device(address, enrolled.device_id, enrolled.token)
    local = open_store()
    note_device(local, enrolled.device_id)
    escrowed = _escrow(local, address, enrolled.token)
    waiting = status(local).waiting
    moved = bool(before) and not is_service(before or "")
    forgot = moved and forget_login(before or "")
    save_user_settings({"shared_store_url": address})
    print(f"Enrolled with {address} as device {enrolled.device_id}. Sync with: caseworker sync")
    if escrowed:
        print(f"This laptop's store key is escrowed to the team's recovery key {escrowed}.")
    else:
        print(
            "The store key is not escrowed yet (the team has no recovery key yet, or the "
            "service could not be reached): it is escrowed at a later sync."
        )
    if moved:
        print(
            f"Moved over from the store this laptop synced with directly: {waiting} changes "
            "waiting are kept and go to the service at the next sync"
            + ("; the store's saved login was removed from this laptop." if forgot else ".")
        )
    if current_settings().shared_store_url != address:
        print(
            "Note: the machine settings file sets another shared_store_url and locks it; "
            "ask IT to set it to the service's address (docs/deploy.md).",
        )
    return 0


def _escrow(local: Store, address: str, token: str) -> str | None:
    """Escrow the store key right after enrolling (never fails the enrolment)."""
    from caseworker.sync.escrow import escrow_quietly
    from caseworker.sync.http import HttpRemote

    remote = HttpRemote(address, token)
    try:
        return escrow_quietly(local, remote)
    finally:
        remote.close()
