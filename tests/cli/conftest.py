"""The shared stores of the sync tests (SQLite and PostgreSQL), for the CLI's sync tests."""

from tests.sync.conftest import databases, store_url  # noqa: F401 (fixtures)
