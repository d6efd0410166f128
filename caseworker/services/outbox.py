"""Named mutations: every change made on a laptop is also written to its outbox.

A service function decorated with ``@mutation("name")`` runs as before, but on a
laptop's local store (``Store.keeps_outbox``) it runs inside one transaction that
also writes an outbox row: the mutation's name, its arguments as JSON, the ids
and instants it used (its :class:`~caseworker.domain.stamps.Tape`) and the rows
it touched. ``caseworker.sync`` later replays the row in the shared store by
calling the same function with the same arguments, so the store enforces the
same rules and, playing back the tape, writes the very same records. The row is
signed with its author's key if they have typed their password in this process
(``services.keys``); the team store's sync service replays only signed changes
(``services.signatures``).

Arguments are encoded by their type hints: a ``User`` by id (the replay loads
that user from the store it runs in), a ``RuleSet`` not at all (the replay is
handed the rules in force), anything else with pydantic.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import socket
import sys
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_type_hints

from pydantic import TypeAdapter
from sqlmodel import Session, select

from caseworker.domain.stamps import Tape, on_tape
from caseworker.domain.users import Role, User
from caseworker.services import keys, notices
from caseworker.services.errors import NotFound
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow, SyncClient
from caseworker.store.tables import UserAccount
from caseworker.store.written import Touched, collecting_touched

if TYPE_CHECKING:
    from caseworker.domain.rules import RuleSet

F = TypeVar("F", bound=Callable[..., Any])
Fill = Callable[[Store, dict[str, Any]], None]


@dataclass(frozen=True)
class Mutation:
    name: str
    func: Callable[..., Any]
    signature: inspect.Signature
    hints: dict[str, Any]
    fill: Fill | None = None
    new: tuple[str, ...] = ()  # User arguments that are new accounts, not actors

    def encode(self, arguments: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in arguments.items():
            if name == "store":
                continue
            hint = self.hints.get(name, Any)
            if _is_rules(hint):
                out[name] = value is not None
            elif _is(hint, User) and name not in self.new:
                out[name] = value.id.hex if value is not None else None
            else:
                out[name] = _adapter(hint).dump_python(value, mode="json")
        return out

    def actor_id(self, args: dict[str, Any]) -> uuid.UUID | None:
        """Who makes the change, read from its encoded arguments: the first ``User``
        argument (in the function's order) that is not a new account. The same rule
        names the outbox row's actor and the author the store expects a signature from.
        """
        for name in self.signature.parameters:
            if _is(self.hints.get(name, Any), User) and name not in self.new:
                value = args.get(name)
                if value is not None:
                    return uuid.UUID(str(value))
        return None

    def new_account_id(self, args: dict[str, Any]) -> uuid.UUID | None:
        """The id of the account this change adds, if it adds one."""
        for name in self.new:
            value = args.get(name)
            if isinstance(value, dict) and value.get("id") is not None:
                return uuid.UUID(str(value["id"]))
        return None

    def decode(
        self, args: dict[str, Any], rules: RuleSet, find_user: Callable[[uuid.UUID], User]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in args.items():
            hint = self.hints.get(name, Any)
            if _is_rules(hint):
                out[name] = rules if value else None
            elif _is(hint, User) and name not in self.new:
                out[name] = find_user(uuid.UUID(value)) if value is not None else None
            else:
                out[name] = _adapter(hint).validate_python(value)
        return out


@functools.cache
def _adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint)


def _is(hint: Any, cls: type) -> bool:
    return hint is cls or cls in getattr(hint, "__args__", ())


def _is_rules(hint: Any) -> bool:
    """Whether ``hint`` is (or may be) a ``RuleSet``. A hint can only name it once the
    rules package is imported, so this does not import the rules compiler itself
    (the window starts without it: issue 18)."""
    rules = sys.modules.get("caseworker.domain.rules")
    return rules is not None and _is(hint, rules.RuleSet)


_running: ContextVar[bool] = ContextVar("mutation_running", default=False)


def mutation(name: str, fill: Fill | None = None, new: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Register ``func`` as a replayable mutation; see the module docstring.

    ``fill`` completes the arguments before a first run (say, the base version an
    edit was made against), so the replay sees what the laptop saw. ``new`` names
    ``User`` arguments that are accounts being added, sent whole rather than by id.
    """

    def register(func: F) -> F:
        spec = Mutation(name, func, inspect.signature(func), get_type_hints(func), fill, new)

        @functools.wraps(func)
        def run(store: Store, *args: Any, **kwargs: Any) -> Any:
            if not store.keeps_outbox or _running.get():
                return func(store, *args, **kwargs)
            bound = spec.signature.bind(store, *args, **kwargs)
            bound.apply_defaults()
            running = _running.set(True)
            try:
                with (
                    store.unit_of_work() as session,
                    store.joined(session),
                    on_tape(Tape()) as tape,
                    collecting_touched() as touched,
                ):
                    if spec.fill is not None:
                        spec.fill(store, bound.arguments)
                    result = func(*bound.args, **bound.kwargs)
                    session.flush()
                    _write(session, spec, bound.arguments, tape, touched)
                    notices.tell_when_committed(store, session)
            finally:
                _running.reset(running)
            return result

        setattr(run, "mutation", spec)  # noqa: B010  (read by services.registry)
        return cast(F, run)

    return register


def spec_of(func: Callable[..., Any]) -> Mutation:
    """The replay spec ``@mutation`` attached to ``func``."""
    spec = getattr(func, "mutation", None)
    if not isinstance(spec, Mutation):
        raise TypeError(f"{func!r} is not a @mutation")
    return spec


def load_user(store: Store, user_id: uuid.UUID) -> User:
    with store.read() as session:
        row = session.get(UserAccount, user_id)
    if row is None:
        raise NotFound("That user is not in this store; their account has not been synced.")
    return User(id=row.id, name=row.name, officer_code=row.officer_code, role=Role(row.role))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def mutation_digest(name: str, args: str, tape: str) -> str:
    """What identifies a mutation whoever pushes it: its tape holds fresh random ids."""
    return hashlib.sha256(f"{name}\n{args}\n{tape}".encode()).hexdigest()


def _write(
    session: Session, spec: Mutation, arguments: dict[str, Any], tape: Tape, touched: Touched
) -> None:
    client = client_row(session)
    encoded = spec.encode(arguments)
    args = canonical_json(encoded)
    tape_text = canonical_json(tape.values)
    actor_id = spec.actor_id(encoded)
    digest = mutation_digest(spec.name, args, tape_text)
    # Signed by its author; a change with no author (the first manager) by the key of
    # the account it adds. No key unlocked: unsigned, kept, and refused by the store.
    signer = actor_id if actor_id is not None else spec.new_account_id(encoded)
    session.add(
        OutboxRow(
            mutation_id=client.next_mutation_id,
            client_id=client.client_id,
            name=spec.name,
            actor_id=actor_id,
            args=args,
            tape=tape_text,
            touched=canonical_json(sorted(touched.keys)),
            digest=digest,
            signature=keys.sign_change(signer, digest),
        )
    )
    client.next_mutation_id += 1
    session.add(client)


def this_machine() -> str:
    """Where a local store file lives; a file copied elsewhere needs a new client id."""
    return f"{socket.gethostname()}:{uuid.getnode():012x}"


def client_row(session: Session) -> SyncClient:
    """This install's sync identity, made on first use."""
    client = session.get(SyncClient, 1)
    if client is None:
        client = SyncClient(id=1, client_id=uuid.uuid4(), machine=this_machine())
        session.add(client)
        session.flush()
    return client


def queue(session: Session) -> list[OutboxRow]:
    """Every row of the outbox in order: what a push sends (only pending ones replay)."""
    return list(session.exec(select(OutboxRow).order_by(OutboxRow.mutation_id)))  # type: ignore[arg-type]
