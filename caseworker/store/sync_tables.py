"""Tables for syncing laptops with the shared store (see ``caseworker.sync``).

Every store has every table, so one set of migrations serves both; a laptop
uses ``sync_client`` and ``outbox``, the shared store ``sync_version``,
``sync_client_state`` and ``sync_mutation``. ``household_conflict`` lives in
both: conflicts are made in the store and pulled to every laptop.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import caseworker.store.tables  # noqa: F401  (household, user_account: the FKs)
from caseworker.store.tables import new_id, utcnow


class SyncClient(SQLModel, table=True):
    """This install's identity towards the store, and how far it has pulled."""

    __tablename__ = "sync_client"

    id: int = Field(default=1, primary_key=True)
    client_id: uuid.UUID
    next_mutation_id: int = 1
    cursor: int = 0  # the store version this laptop has pulled up to
    machine: str = ""  # where this file was made: a copied file gets a new client id
    device_id: uuid.UUID | None = None  # this laptop's enrolment with the sync service
    last_sync_at: datetime | None = None


class OutboxRow(SQLModel, table=True):
    """One local change waiting for (or answered by) the store, in the order made."""

    __tablename__ = "outbox"

    mutation_id: int = Field(primary_key=True)
    client_id: uuid.UUID = Field(primary_key=True)
    name: str
    actor_id: uuid.UUID | None = None
    args: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    tape: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON list
    touched: str = Field(sa_column=Column(Text, nullable=False))  # [[table, id], ...]
    digest: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)
    state: str = Field(default="pending", index=True)  # the states are described in services.parked
    reason: str = ""
    signature: str = Field(default="", sa_column_kwargs={"server_default": ""})  # the author's


class SyncVersion(SQLModel, table=True):
    """The store's one version counter: bumped by every push, so it follows commit order."""

    __tablename__ = "sync_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class SyncClientState(SQLModel, table=True):
    """The last mutation the store applied (or refused) for each client."""

    __tablename__ = "sync_client_state"

    client_id: uuid.UUID = Field(primary_key=True)
    last_mutation_id: int = 0
    last_seen_at: datetime = Field(default_factory=utcnow)
    device_id: uuid.UUID | None = None  # the enrolled laptop this client id belongs to


class SyncMutation(SQLModel, table=True):
    """What the store did with each mutation: applied, refused (and why) or a duplicate."""

    __tablename__ = "sync_mutation"

    client_id: uuid.UUID = Field(primary_key=True)
    mutation_id: int = Field(primary_key=True)
    name: str
    actor_id: uuid.UUID | None = None
    digest: str = Field(index=True)
    status: str  # applied | refused | duplicate
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    diverged: bool = False  # the store's result differs from the laptop's
    flagged: bool = False  # refused by the fund re-check: tampering or a cloned store
    at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)
    signature: str = Field(default="", sa_column_kwargs={"server_default": ""})  # the author's
    device_id: uuid.UUID | None = None  # the enrolled laptop that pushed it


class HouseholdConflict(SQLModel, table=True):
    """A field two people changed differently; both values kept until a person decides."""

    __tablename__ = "household_conflict"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    field: str
    base_value: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    store_value: str = Field(sa_column=Column(Text, nullable=False))
    their_value: str = Field(sa_column=Column(Text, nullable=False))
    raised_by: uuid.UUID | None = None  # who made the change that met the other
    raised_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by: uuid.UUID | None = None
    chosen_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    server_version: int | None = Field(default=None, index=True)


class HouseholdMergeRow(SQLModel, table=True):
    """A manager's merge of two records of one family: nothing moves, the merged one is
    archived and read through the kept one (``services.facts_reader.Families``).

    Never deleted: an undo is stamped on the row (once), so the history stays whole.
    """

    __tablename__ = "household_merge"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kept_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    merged_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    merged_by: uuid.UUID = Field(foreign_key="user_account.id")
    merged_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    undone_at: datetime | None = None
    undone_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync
