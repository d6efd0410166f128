"""A shared store on SQLite and on the PostgreSQL server, and laptops that sync with it.

Every sync test runs on both stores. The PostgreSQL tests use the server on
127.0.0.1:5432 with a fresh database each; without a server they skip on a
developer's laptop and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from caseworker.domain.rules import RuleSet
from caseworker.store.database import Store
from caseworker.sync.run import SyncReport, sync
from tests.services.packages_fixtures import rules

PG_SERVER = os.environ.get("CASEWORKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


class Databases:
    """Fresh shared-store URLs of one kind; the PostgreSQL ones are dropped at the end."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder = kind, folder
        self.made: list[str] = []
        self.admin = (
            create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
            if kind == "postgresql"
            else None
        )

    def new(self) -> str:
        name = f"cw_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return f"sqlite:///{self.folder / (name + '.db')}"
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except OperationalError as exc:
            message = f"PostgreSQL is not running on 127.0.0.1:5432 ({exc.orig})"
            if os.environ.get("CI") == "true":
                pytest.fail(message + "; CI must run the PostgreSQL tests")
            pytest.skip(message + "; start it to run these tests")
        self.made.append(name)
        return f"{PG_SERVER}/{name}?options=-c%20timezone%3DUTC"

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    made = Databases(request.param, tmp_path)
    yield made
    made.drop_all()


@pytest.fixture
def store_url(databases: Databases) -> str:
    return databases.new()


@pytest.fixture
def shared(store_url: str) -> Iterator[Store]:
    opened = Store.open_shared(store_url, upgrade=True)
    yield opened
    opened.dispose()


@dataclass
class Laptop:
    name: str
    store: Store
    shared: Store
    rules: RuleSet

    def sync(self) -> SyncReport:
        return sync(self.store, self.shared, self.rules)


@pytest.fixture
def laptops(tmp_path: Path, shared: Store) -> Iterator[list[Laptop]]:
    made = [
        Laptop(name, Store.open_local(tmp_path / f"{name}.db"), shared, rules())
        for name in ("a", "b", "c")
    ]
    yield made
    for laptop in made:
        laptop.store.dispose()
