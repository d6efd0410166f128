"""The ``directory_service`` table: the borough's services directory, as last imported.

One row per service of the Open Referral UK feed, keyed by a UUID made from the
directory's own service id (so every store and laptop gives a service the same
row, and the sync copies it like any other record). A service the feed no
longer lists keeps its row with ``withdrawn_at`` set: referrals already made
still name it. Lists (languages, taxonomy terms, opening times) are canonical
JSON; ``term_keys`` holds the terms as ``|debt advice|benefits|`` so matching a
referral is one indexed-free scan of a small table, no JSON functions needed.

Importing this module registers the table on ``SQLModel.metadata``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import caseworker.store.tables  # noqa: F401  (user_account: the FK)
from caseworker.store.tables import utcnow

#: Directory rows are keyed by ``uuid5(DIRECTORY_NAMESPACE, service_id)``.
DIRECTORY_NAMESPACE = uuid.UUID("5b0c7e52-6f1d-4d9e-9a53-0d5a1f0e2c11")


def directory_row_id(service_id: str) -> uuid.UUID:
    return uuid.uuid5(DIRECTORY_NAMESPACE, service_id)


def _text() -> Column:  # type: ignore[type-arg]
    return Column(Text, nullable=False, server_default="")


class DirectoryServiceRow(SQLModel, table=True):
    __tablename__ = "directory_service"

    id: uuid.UUID = Field(primary_key=True)
    service_id: str = Field(unique=True, index=True)
    name: str = Field(sa_column=_text())
    organisation: str = Field(default="", sa_column=_text())
    description: str = Field(default="", sa_column=_text())
    status: str = Field(default="active", sa_column=_text())
    address: str = Field(default="", sa_column=_text())
    postcode: str = Field(default="", sa_column=_text())
    district: str = Field(default="", index=True)
    latitude: float | None = None
    longitude: float | None = None
    phone: str = Field(default="", sa_column=_text())
    email: str = Field(default="", sa_column=_text())
    url: str = Field(default="", sa_column=_text())
    languages: str = Field(default="[]", sa_column=_text())
    cost: str = Field(default="", sa_column=_text())
    assured_date: date | None = None
    terms: str = Field(default="[]", sa_column=_text())
    term_keys: str = Field(default="", sa_column=_text())
    opening: str = Field(default="[]", sa_column=_text())
    source: str = Field(default="", sa_column=_text())
    imported_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    imported_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync
