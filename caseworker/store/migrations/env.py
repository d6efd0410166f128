"""Alembic environment: always run with a connection handed in by caseworker.store.database."""

from alembic import context
from sqlmodel import SQLModel

import caseworker.store.directory_tables  # registers the services directory
import caseworker.store.payment_tables  # registers the payment tables
import caseworker.store.review_tables  # registers the review table on the metadata
import caseworker.store.service_tables  # registers the sync service's tables
import caseworker.store.sync_tables  # registers the sync tables
import caseworker.store.tables  # noqa: F401  (registers the tables on the metadata)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
