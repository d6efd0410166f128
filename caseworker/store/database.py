"""Open the local store: create the engine, upgrade the schema, hand out units of work.

The local store is a SQLite file in the data folder, in WAL mode with
``synchronous=FULL`` so a committed record survives a crash or a flat battery.
Write transactions start with ``BEGIN IMMEDIATE`` so two windows cannot
interleave a read-then-write (the audit chain depends on it).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, orm, text
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from caseworker.store.errors import StoreTooNew, StoreUnavailable, StoreUnreadable, translate

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration this build knows; checked against Alembic by a test, so
# start-up can skip loading Alembic when the store is already current.
HEAD_REVISION = "0014"


def _sqlite_engine(path: Path, key: str | None = None) -> Engine:
    """A plain SQLite engine, or SQLCipher when ``key`` (64 hex digits) is given.

    The key is used raw (``x'...'``), so no passphrase derivation slows each connection.
    """
    if key is None:
        url = f"sqlite:///{path}"
    else:
        raw_key = f"x'{key}'"  # SQLCipher's syntax for a raw 256-bit key
        url = f"sqlite+pysqlcipher://:{quote(raw_key, safe='')}@/{path}"
    engine = create_engine(url, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see below)
        cursor = dbapi_conn.cursor()
        if key is not None:
            cursor.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message
        # 64 MB of page cache: search reads the same index pages again and again, and
        # with SQLCipher every page read from disk is also decrypted.
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    _begin_as_asked(engine)
    return engine


def _begin_as_asked(engine: Engine) -> None:
    """We issue BEGIN ourselves: ``IMMEDIATE`` for writers (see ``Store``)."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _shared_sqlite_engine(url: str) -> Engine:
    """The shared SQLite store: a rollback journal, because WAL needs shared memory that
    a network filesystem cannot give; ``BEGIN IMMEDIATE`` so pushes queue one by one."""
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=DELETE")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    _begin_as_asked(engine)
    return engine


# The session of the unit of work a mutation runs in (see ``Store.joined``).
_ambient: ContextVar[tuple[Store, Session] | None] = ContextVar("ambient_session", default=None)


class Store:
    """A migrated database and the sessions over it.

    ``keeps_outbox`` is true for a laptop's local store: its changes are written to
    the outbox for the shared store (``caseworker.services.outbox``).
    """

    def __init__(self, engine: Engine, keeps_outbox: bool = False, shared: bool = False) -> None:
        self.engine = engine
        self.keeps_outbox = keeps_outbox
        self.shared = shared  # the team's store: its errors say so (``store.errors``)
        self._writer = engine.execution_options(begin="IMMEDIATE")

    @classmethod
    def open_shared(cls, url: str, upgrade: bool = False, pool: int | None = None) -> Store:
        """The team's shared store at a SQLAlchemy URL (``sqlite:///`` or ``postgresql+psycopg://``).

        Without ``upgrade`` an old or empty schema is refused: ``caseworker store init``
        is the one place that changes the shared schema. ``pool`` bounds the database
        connections (the sync service): a request beyond it waits for one to be free.
        """
        if url.startswith("sqlite"):
            engine = _shared_sqlite_engine(url)
        elif pool is not None:
            engine = create_engine(
                url, pool_pre_ping=True, pool_size=pool, max_overflow=0, pool_timeout=60
            )
        else:
            engine = create_engine(url, pool_pre_ping=True)
        store = cls(engine, shared=True)
        try:
            if upgrade:
                store.upgrade()
            elif store.current_revision() != HEAD_REVISION:
                engine.dispose()
                raise StoreUnavailable(
                    "The shared store is not ready for this version of Caseworker. Ask IT to "
                    "run `caseworker store init` with its address."
                )
        except OperationalError as exc:
            engine.dispose()
            raise StoreUnavailable(
                f"The shared store cannot be reached ({type(exc.orig).__name__}). Check the "
                "network, then try again; your changes are kept on this laptop."
            ) from exc
        return store

    @classmethod
    def open_local(cls, path: Path, key: str | None = None) -> Store:
        """Open (creating if needed) and upgrade the local store at ``path``.

        With ``key`` the file is encrypted with SQLCipher (see ``store.encryption``).
        """
        try:
            engine = _sqlite_engine(path, key)
            store = cls(engine, keeps_outbox=True)
            store.upgrade()
        except DatabaseError as exc:
            if not isinstance(exc, OperationalError):
                raise StoreUnreadable(
                    f"The case store at {path} cannot be read: it is damaged, not a "
                    "Caseworker store, or locked with a different key. Move the file aside "
                    "(do not delete it), restart Caseworker to sync a fresh copy, and tell IT "
                    "so they can recover it."
                ) from exc
            raise translate(exc) or StoreUnavailable(
                f"The case store at {path} cannot be opened ({exc.orig}). Check the disk "
                "has free space and the folder is writable, then try again."
            ) from exc
        return store

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return str(row[0]) if row else None

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision``; refuse a store written by a newer version."""
        current = self.current_revision()
        if revision == "head" and current == HEAD_REVISION:
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        config = _alembic_config()
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        if current is not None and current not in known:
            raise StoreTooNew(
                "This case store was written by a newer version of Caseworker "
                f"(schema {current}). Install the newer version to open it; nothing has "
                "been changed."
            )
        log.info("upgrading store schema from %s to %s", current, revision)
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def _joined_session(self) -> Session | None:
        ambient = _ambient.get()
        return ambient[1] if ambient is not None and ambient[0] is self else None

    @contextmanager
    def joined(self, session: Session) -> Iterator[Session]:
        """Make ``unit_of_work`` and ``read`` on this store use ``session`` in this block.

        A mutation wraps a service call in one transaction that also writes its outbox
        entry; the service's own units of work join it instead of committing apart.
        """
        token = _ambient.set((self, session))
        try:
            yield session
        finally:
            _ambient.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; nothing is committed."""
        joined = self._joined_session()
        if joined is not None:
            yield joined
            return
        with Session(self.engine) as session, _environment_errors(self.shared):
            yield session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write transaction that commits on success and rolls back on any error."""
        joined = self._joined_session()
        if joined is not None:
            yield joined
            return
        with Session(self._writer) as session, _environment_errors(self.shared):
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


_CACHE = "caseworker_transaction_cache"


def transaction_cache(session: orm.Session) -> dict[str, Any]:
    """Values worth reading once per transaction (the audit chain's tail, the last case
    reference taken): a sync push replays hundreds of changes in one transaction.

    Forgotten when the transaction ends or a savepoint rolls back.
    """
    cache: dict[str, Any] = session.info.setdefault(_CACHE, {})
    return cache


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_cache(session: Session, *_transaction: Any) -> None:
    session.info.pop(_CACHE, None)


def direct(session: Session, stale: Any = None) -> Connection:
    """The session's connection, for Core statements on the hottest paths (a sync push
    replays thousands of changes; the ORM's per-statement work would be most of it).

    Pending ORM changes are flushed first, so statements keep their order, and the
    ORM copy of ``stale`` (a mapped class and primary key), if loaded, is expired
    because the statement about to run changes that row behind the ORM's back.
    """
    session.flush()
    if stale is not None:
        loaded = session.identity_map.get(session.identity_key(*stale))
        if loaded is not None:
            session.expire(loaded)
    return session.connection()


@contextmanager
def _environment_errors(shared: bool = False) -> Iterator[None]:
    """Name the problem (disk full, read-only, busy, connection lost) in plain words."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:  # the store's errors, not the caller's
        problem = translate(exc, shared=shared)
        if problem is not None:
            raise problem from exc
        if isinstance(exc, OperationalError):
            raise StoreUnavailable(
                f"The case store could not be used ({type(exc.orig).__name__}), so this step "
                "was not saved. Nothing saved before was lost. Try again; if it happens "
                "again, tell IT."
            ) from exc
        raise


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
