"""Fixtures shared by the service tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from caseworker.store.database import Store
from tests.services.packages_fixtures import Team, make_team
from tests.sync.conftest import Databases


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def laptop_or_shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A laptop's store on SQLite (with its outbox), or a shared store on PostgreSQL."""
    if request.param == "sqlite":
        opened = Store.open_local(tmp_path / "laptop.db")
        yield opened
        opened.dispose()
        return
    databases = Databases("postgresql", tmp_path)
    opened = Store.open_shared(databases.new(), upgrade=True)
    yield opened
    opened.dispose()
    databases.drop_all()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """A laptop store with a manager, officers, an open fund and allowances (a test file
    may define its own ``team`` instead)."""
    made = make_team(tmp_path / "store.db")
    yield made
    made.store.dispose()
