"""Tables only the team's sync service uses: enrolled laptops, one-time enrolment
codes, the keyed audit chain and its signed heads, and the team's public keys.

Every store has every table (one set of migrations), but laptops leave these
empty: they are never synced (``caseworker.sync.rows.SYNCED`` does not list them).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import caseworker.store.tables  # noqa: F401  (user_account: the FKs)
from caseworker.store.tables import new_id, utcnow


class Device(SQLModel, table=True):
    """A laptop a manager enrolled. Its credential is a random token the laptop keeps in
    its keyring; the store keeps only the token's SHA-256 (a long random token needs no
    slow hash). Revoked devices are refused from the next request."""

    __tablename__ = "device"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str
    token_hash: str = Field(unique=True, index=True)
    enrolled_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    enrolled_at: datetime = Field(default_factory=utcnow)
    replaces: uuid.UUID | None = None  # a re-enrolled laptop takes over its old changes
    revoked_at: datetime | None = None
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    last_seen_at: datetime | None = None
    # The laptop's store key, sealed to the team's recovery key (never readable here).
    escrow: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class EnrolmentCode(SQLModel, table=True):
    """A one-time code a manager gives a laptop to enrol; kept as a hash, used once."""

    __tablename__ = "enrolment_code"

    code_hash: str = Field(primary_key=True)
    made_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    made_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    replaces: uuid.UUID | None = None  # re-enrolling a laptop whose keyring entry was lost
    used_at: datetime | None = None
    device_id: uuid.UUID | None = None


class AuditMac(SQLModel, table=True):
    """The store's keyed chain over its audit trail: each entry's MAC covers the one
    before, with a secret only the sync service holds (``services.audit_seal``)."""

    __tablename__ = "audit_mac"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    mac: str


class AuditHead(SQLModel, table=True):
    """The chain's head, signed by the sync service at every sync and daily."""

    __tablename__ = "audit_head"

    id: int | None = Field(default=None, primary_key=True)
    last_seq: int
    mac: str
    version: int  # the store's sync version when it was signed
    ledger: str  # digest of every decision and ledger row up to that version
    at: datetime = Field(default_factory=utcnow)
    key_id: str
    signature: str


class TeamKey(SQLModel, table=True):
    """A public key the team publishes to its store (the recovery key)."""

    __tablename__ = "team_key"

    name: str = Field(primary_key=True)
    public_key: str = Field(sa_column=Column(Text, nullable=False))
    made_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    made_at: datetime = Field(default_factory=utcnow)


class SyncInbox(SQLModel, table=True):
    """A laptop's signed push, kept as received until the service's replay worker has
    replayed it (``caseworker.sync.inbox``): the push is answered once it is stored,
    so a hundred laptops pushing at once do not wait for each other's replays."""

    __tablename__ = "sync_inbox"

    id: int | None = Field(default=None, primary_key=True)
    client_id: uuid.UUID = Field(index=True)
    device_id: uuid.UUID | None = None
    first_mutation_id: int
    last_mutation_id: int
    changes: int
    received_at: datetime = Field(default_factory=utcnow)
    # The entries and the parked rows exactly as the laptop sent them (JSON).
    entries: str = Field(sa_column=Column(Text, nullable=False))
    blocked: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="queued", index=True)  # queued, done, refused, failed
    report: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    attempts: int = 0
    done_at: datetime | None = None
