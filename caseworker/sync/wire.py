"""What laptops and the sync service say to each other: the HTTP API's models.

Requests and answers are pydantic models (FastAPI builds the service's OpenAPI
document from them; the laptop's client validates the service's answers with
the same ones). Pages of rows are streamed as JSON lines, one :class:`Part` a
line, so neither side holds a first pull of 100,000 households in memory: a
row's values are written as JSON and read back by the column's type. The lines
are written and read with orjson, several times faster than ``json`` here: a
first pull is mostly these lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import Date, DateTime, Table, TypeDecorator, Uuid

from caseworker.store.sync_tables import SyncMutation
from caseworker.store.tables import MemberRow
from caseworker.sync.push import Entry, PushReport
from caseworker.sync.remote import ANSWERS, MEMBERS, Part
from caseworker.sync.rows import BY_NAME

API = "/v1"
MAKE_CODE, REVOKE = "make an enrolment code", "revoke a laptop"  # signed actions


class Health(BaseModel):
    status: str = Field(description="'ok' when the service can reach its store")
    schema_revision: str = Field(description="the store's schema revision")


class Problem(BaseModel):
    """Any refusal: a sentence a person can act on."""

    detail: str


class EnrolRequest(BaseModel):
    code: str = Field(description="the one-time enrolment code a manager made")
    name: str = Field(default="laptop", description="a name managers will recognise")


class Enrolled(BaseModel):
    device_id: uuid.UUID
    token: str = Field(description="the device credential: kept in the laptop's keyring")


class Hello(BaseModel):
    client_id: uuid.UUID
    next_mutation_id: int = Field(ge=1)


class HelloAnswer(BaseModel):
    restored: bool = Field(description="the store has later changes from this client id")
    version: int = Field(description="the store's current version")


class WireEntry(BaseModel):
    """One outbox entry (``caseworker.sync.push.Entry``)."""

    mutation_id: int = Field(ge=1)
    name: str
    actor_id: uuid.UUID | None
    args: str
    tape: str
    digest: str
    touched: str = "[]"
    hold: bool = False
    signature: str = ""

    @classmethod
    def of(cls, entry: Entry) -> WireEntry:
        return cls(
            **{name: getattr(entry, name) for name in cls.model_fields if hasattr(entry, name)}
        )

    def entry(self) -> Entry:
        fields = self.model_dump()
        known = Entry.__dataclass_fields__
        return Entry(**{k: v for k, v in fields.items() if k in known})


class PushRequest(BaseModel):
    client_id: uuid.UUID
    entries: list[WireEntry]
    blocked: list[str] = Field(default_factory=list, description="rows of parked changes")


class PushAnswer(BaseModel):
    applied: int = 0
    refused: int = 0
    duplicates: int = 0
    waiting: int = 0
    copied: bool = Field(default=False, description="the laptop's data folder is a copy")

    def report(self) -> PushReport:
        return PushReport(self.applied, self.refused, self.duplicates, self.waiting)


class PushQueued(BaseModel):
    """A push stored in the service's inbox and not replayed yet (answered 202): ask
    for its outcome at ``GET /v1/push/{batch}``."""

    batch: int = Field(description="the stored batch: ask GET /v1/push/{batch}")
    changes: int = Field(description="how many changes the batch holds")
    detail: str = Field(
        default="The team store has your changes and is applying them.",
        description="a sentence for the officer",
    )


class CopyNotice(BaseModel):
    old_client_id: uuid.UUID
    new_client_id: uuid.UUID


class RowsRequest(BaseModel):
    touched: list[tuple[str, str]] = Field(description="[table, id hex] pairs")


# --- Parts as JSON lines -------------------------------------------------------------


def part_line(part: Part) -> bytes:
    """One part as a line of JSON. orjson writes ids (``UUID``) with hyphens and times
    and dates in ISO 8601, as ``isoformat`` does; ``read_part`` reads both back by the
    column's type. A value of any other type is refused (``TypeError``)."""
    body = {"kind": part.kind, "table": part.table, "rows": part.rows}
    if part.households:
        body["households"] = [h.hex for h in part.households]
    return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)


def read_part(line: bytes | str) -> Part:
    """A line back into a part, each value of the column's own type."""
    body = orjson.loads(line)
    kind = body["kind"]
    table = _table_of(kind, body.get("table", ""))
    rows: list[dict[str, Any]] = body["rows"]
    for name, read in _readers(table).items():  # column by column, in place: fresh dicts
        for r in rows:
            v = r.get(name)
            if v is not None:
                r[name] = read(v)
    households = [uuid.UUID(h) for h in body.get("households", [])]
    return Part(kind, rows, table=body.get("table", ""), households=households)


def _table_of(kind: str, name: str) -> Table:
    if kind == ANSWERS:
        return SyncMutation.__table__  # type: ignore[attr-defined, no-any-return]
    if kind == MEMBERS:
        return MemberRow.__table__  # type: ignore[attr-defined, no-any-return]
    return BY_NAME[name].table


@cache
def _readers(table: Table) -> dict[str, Callable[[Any], Any]]:
    readers: dict[str, Callable[[Any], Any]] = {}
    for column in table.c:
        kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
        if isinstance(kind, Uuid):
            readers[column.name] = uuid.UUID
        elif isinstance(kind, DateTime):
            readers[column.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            readers[column.name] = date.fromisoformat
    return readers


class RecoveryKeyAnswer(BaseModel):
    """The team's public recovery key, and whether the asking laptop's escrow is sealed
    to it (so a laptop escrows again when the key was replaced or its escrow was lost)."""

    public_key: str = Field(description="X25519 public key, 64 hex digits")
    key_id: str = Field(description="the first 16 hex digits of the key's SHA-256")
    escrowed: bool = Field(description="this device's escrow is sealed to this key")


class EscrowRequest(BaseModel):
    """The laptop's store key, sealed to the team's recovery key (never in clear)."""

    sealed: str = Field(max_length=4_000)


class ManagerRequest(BaseModel):
    """A manager's request from a laptop (enrol a laptop, revoke one), signed with the
    manager's key; the service checks it against the store's account."""

    manager_id: uuid.UUID
    at: str = Field(description="when it was signed, ISO 8601 with a zone")
    replaces: uuid.UUID | None = Field(default=None, description="re-enrolling: the old device")
    device: uuid.UUID | None = Field(default=None, description="revoking: the device")
    signature: str = ""

    def fields(self) -> dict[str, str]:
        """What the signature covers, besides the action (``domain.signing``)."""
        return {
            "manager_id": self.manager_id.hex,
            "at": self.at,
            "replaces": self.replaces.hex if self.replaces else "",
            "device": self.device.hex if self.device else "",
        }


class CodeAnswer(BaseModel):
    code: str
    hours: int
