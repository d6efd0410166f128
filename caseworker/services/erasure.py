"""The erasure inventory: every column that holds personal data or free text, and its rule.

One list, so that retention (``services.retention``) and subject access
(``services.subject_access``) cannot drift apart: retention erases or
de-identifies exactly the columns marked so here, and a subject access export
shows every row this inventory ties to the household. A test walks the
metadata and fails when a text column has no entry, so a new column must be
decided on here before it ships.

Rules:

- ``erase``: blanked (or the rows deleted) when a household is de-identified;
- ``de-identify``: reduced to what no longer names anyone (the postcode district);
- ``keep``: not personal, or a figure, score or outcome kept for the statistics.

``personal`` marks what is about the household (the subject of an access
request); staff accounts and the app's own bookkeeping are not.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, false, or_, select, update
from sqlmodel import Session, SQLModel

import caseworker.store.directory_tables
import caseworker.store.payment_tables
import caseworker.store.review_tables
import caseworker.store.service_tables
import caseworker.store.sync_tables  # noqa: F401  (registers the sync tables)
from caseworker.domain.household import ERASED
from caseworker.services.audit import canonical


class Rule(StrEnum):
    ERASE = "erase"
    DEIDENTIFY = "de-identify"
    KEEP = "keep"


class Link(Enum):
    """How a table's rows are tied to one household."""

    HOUSEHOLD = "is the household"
    HOUSEHOLD_ID = "has its household_id"
    PACKAGE = "belongs to one of its packages"
    SUBJECT = "is a draft of the household or one of its visits"
    MERGE = "merged it or into it"
    NAMES = "names the household, a visit or a package in its JSON"
    NONE = "not tied to a household"


def _postcode_district(value: Any) -> Any:
    """``SE15 4QF`` -> ``SE15``: the district stays for the pilot's statistics."""
    return str(value).split(" ")[0]


def _route_only(value: Any) -> Any:
    """A payment's route fields go; which route it was stays for the statistics."""
    try:
        route = json.loads(value).get("route", "") if value else ""
    except (ValueError, AttributeError):
        route = ""
    return canonical({"route": route})


def _items_without_text(value: Any) -> Any:
    """Package items keep codes and amounts; their typed explanations and reasons go."""
    items: list[dict[str, object]] = json.loads(value) if value else []
    return canonical(
        [{k: ("" if k in ("explanation", "reason") else v) for k, v in i.items()} for i in items]
    )


@dataclass(frozen=True)
class Entry:
    """One column's rule, and why."""

    column: str
    rule: Rule
    reason: str
    personal: bool = True
    erased: Any = ""  # what an ``erase`` leaves behind
    deidentify: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class TableEntry:
    table: str
    link: Link
    columns: tuple[Entry, ...]
    delete_rows: bool = False  # erasure deletes the household's rows outright
    why: str = ""
    # Only these of the household's rows are erased (the rest wait for a person).
    only: Callable[[Table], ColumnElement[bool]] | None = None

    def entry(self, column: str) -> Entry | None:
        return next((e for e in self.columns if e.column == column), None)


E, D, K = Rule.ERASE, Rule.DEIDENTIFY, Rule.KEEP
STAFF = "a staff account, not about a household"
DIRECTORY = "the public services directory, not about a household"
MODULUS = "the banks' published modulus check tables, not about a household"

INVENTORY: tuple[TableEntry, ...] = (
    TableEntry(
        "household",
        Link.HOUSEHOLD,
        (
            Entry("reference", K, "case number (officer code and count), names no one"),
            Entry("address_line1", E, "address", erased=ERASED),
            Entry("address_line2", E, "address"),
            Entry("town", E, "address"),
            Entry("postcode", D, "full postcode locates a home", deidentify=_postcode_district),
            Entry("phone", E, "contact details"),
            Entry("email", E, "contact details"),
            Entry("tenure", K, "a category, kept for the statistics"),
            Entry("benefits", K, "benefit categories, kept for the statistics"),
        ),
    ),
    TableEntry(
        "member",
        Link.HOUSEHOLD_ID,
        (
            Entry("first_name", E, "name", erased=ERASED),
            Entry("surname", E, "name", erased=ERASED),
            Entry("date_of_birth", E, "identifies a person", erased=None),
            Entry("earnings_fell_on", E, "a dated event in a person's life", erased=None),
            Entry("relationship", K, "a category, kept for the statistics"),
            Entry("work_status", K, "a category, kept for the statistics"),
            Entry("earnings_fall_reason", K, "a category (not typed text), kept"),
        ),
    ),
    TableEntry(
        "visit",
        Link.HOUSEHOLD_ID,
        (
            Entry("venue", E, "where the family was met"),
            Entry("point_of_need", E, "free text about the family"),
            Entry("recommendation", E, "the engine's result quotes the family's facts"),
            Entry("need_categories", K, "categories, kept for the statistics"),
            Entry("work_event", K, "a category, kept for the statistics"),
            Entry("policy_version", K, "which rules applied", personal=False),
            Entry(
                "referral_services",
                K,
                "directory service ids per referral clause, kept for the statistics",
            ),
        ),
    ),
    TableEntry(
        "package",
        Link.HOUSEHOLD_ID,
        (
            Entry(
                "items",
                D,
                "codes and amounts stay, typed text goes",
                deidentify=_items_without_text,
            ),
            Entry("explanation", E, "free text"),
            Entry("policy_version", K, "which rules applied", personal=False),
            Entry("route", K, "how it was decided, kept for the statistics"),
            Entry("status", K, "the outcome, kept for the statistics"),
        ),
    ),
    TableEntry(
        "package_event",
        Link.PACKAGE,
        (
            Entry("status", K, "the decision, kept for the statistics"),
            Entry("reason", E, "free text"),
            Entry("method", K, "payment method, a category"),
            Entry("reference", E, "payment reference can trace a bank account", erased=None),
        ),
    ),
    TableEntry(
        "payment",
        Link.HOUSEHOLD_ID,
        (
            Entry("reference", K, "Caseworker's payment reference, names no one"),
            Entry("route", K, "how it was paid, kept for the statistics"),
            Entry(
                "details",
                D,
                "phone, card digits, payee and invoice go; the route stays",
                deidentify=_route_only,
            ),
            Entry("status", K, "paid, failed or returned, kept for the statistics"),
            Entry("outcome_reason", E, "finance's words about the family's payment"),
            Entry("task_note", E, "free text about what the officer did"),
        ),
    ),
    TableEntry(
        "finance_line",
        Link.HOUSEHOLD_ID,
        (
            Entry("line_id", K, "finance's line id, names no one"),
            Entry("payment_reference", K, "Caseworker's payment reference, names no one"),
            Entry("route", K, "how it was paid"),
            Entry("outcome", K, "paid, failed or returned"),
            Entry("detail", E, "card or account digits, or an invoice number"),
            Entry("reason", E, "finance's words about the family's payment"),
            Entry("result", K, "how the line matched"),
            Entry("note", K, "the app's own words on the match", personal=False),
        ),
        why="an unmatched line has no household and is kept as finance sent it",
    ),
    TableEntry(
        "review",
        Link.HOUSEHOLD_ID,
        (
            Entry("referrals_taken_up", K, "referral codes taken up, kept for the statistics"),
            Entry("notes", E, "free text about the family"),
        ),
    ),
    TableEntry(
        "audit_event",
        Link.HOUSEHOLD_ID,
        (
            Entry("entity", K, "what kind of record changed", personal=False),
            Entry("action", K, "what was done", personal=False),
            Entry("payload", E, "before/after values; the chain covers only its digest"),
            Entry("payload_digest", K, "keeps the chain verifiable", personal=False),
            Entry("prev_hash", K, "the chain", personal=False),
            Entry("hash", K, "the chain", personal=False),
        ),
    ),
    TableEntry(
        "search_term",
        Link.HOUSEHOLD_ID,
        (Entry("term", E, "names and address words, normalised"),),
        delete_rows=True,
        why="only an index of the names; nothing to keep once they are gone",
    ),
    TableEntry(
        "draft",
        Link.SUBJECT,
        (
            Entry("kind", K, "form name", personal=False),
            Entry("subject", K, "the record id", personal=False),
            Entry("payload", E, "text exactly as typed"),
        ),
        delete_rows=True,
        why="unsaved typing; nothing in it is a figure",
    ),
    TableEntry(
        "conflict_of_interest",
        Link.HOUSEHOLD_ID,
        (Entry("reason", E, "free text about how the officer knows the family"),),
        why="the declaration itself stays: that officer still must not decide",
    ),
    TableEntry(
        "household_conflict",
        Link.HOUSEHOLD_ID,
        (
            Entry("field", K, "which field, not its value"),
            Entry("base_value", E, "a household field's value", erased="null"),
            Entry("store_value", E, "a household field's value", erased="null"),
            Entry("their_value", E, "a household field's value", erased="null"),
            Entry("chosen_value", E, "a household field's value", erased=None),
        ),
        why="a settled conflict is erased; an open one (an edit that met the archive) is"
        " kept for a person to settle",
        only=lambda t: t.c.resolved_at.is_not(None),
    ),
    TableEntry(
        "household_merge",
        Link.MERGE,
        (Entry("reason", E, "free text about the family"),),
        why="the merge stays so the family is still counted once",
    ),
    TableEntry(
        "outbox",
        Link.NAMES,
        (
            Entry("name", K, "which service function", personal=False),
            Entry("args", E, "the change's arguments hold what was typed", erased="{}"),
            Entry("tape", K, "ids and instants only", personal=False),
            Entry("touched", K, "table names and ids only", personal=False),
            Entry("digest", K, "a hash, needed to match the store's answer", personal=False),
            Entry("state", K, "pending or refused", personal=False),
            Entry("signature", K, "the author's signature of the change", personal=False),
            Entry(
                "reason",
                E,
                "a refusal can quote the change",
                erased="erased with the household's personal data",
            ),
        ),
    ),
    TableEntry(
        "user_account",
        Link.NONE,
        (
            Entry("name", K, STAFF, personal=False),
            Entry("officer_code", K, STAFF, personal=False),
            Entry("role", K, STAFF, personal=False),
            Entry("password_hash", K, "a salted hash, never shown", personal=False),
            Entry("public_key", K, "a signing key's public half", personal=False),
            Entry("sealed_key", K, "a signing key, sealed under the password", personal=False),
        ),
    ),
    TableEntry(
        "fund",
        Link.NONE,
        (
            Entry("team", K, "the team's name", personal=False),
            Entry("financial_year", K, "a year", personal=False),
        ),
    ),
    TableEntry("fund_entry", Link.NONE, (Entry("kind", K, "ledger entry kind", personal=False),)),
    TableEntry(
        "sync_client", Link.NONE, (Entry("machine", K, "the laptop's name", personal=False),)
    ),
    TableEntry(
        "sync_mutation",
        Link.NONE,
        (
            Entry("name", K, "which service function", personal=False),
            Entry("digest", K, "a hash of the change", personal=False),
            Entry("status", K, "applied, refused or duplicate", personal=False),
            Entry("reason", K, "the app's own refusal message", personal=False),
            Entry("signature", K, "the author's signature of the change", personal=False),
        ),
    ),
    TableEntry(
        "sync_inbox",
        Link.NONE,
        (
            Entry(
                "entries",
                K,
                "a push as a laptop sent it, kept only until the service has replayed it "
                "(seconds), then cleared: never there when a household is erased",
                personal=False,
            ),
            Entry("blocked", K, "row ids only", personal=False),
            Entry("state", K, "queued, done, refused or failed", personal=False),
            Entry("report", K, "counts, or the app's own refusal message", personal=False),
        ),
    ),
    TableEntry("sync_version", Link.NONE, ()),
    TableEntry("sync_client_state", Link.NONE, ()),
    TableEntry(
        "device",
        Link.NONE,
        (
            Entry("name", K, "the laptop's name", personal=False),
            Entry("token_hash", K, "a hash of the laptop's credential", personal=False),
            Entry("escrow", K, "the laptop's store key, sealed to the team", personal=False),
        ),
    ),
    TableEntry(
        "enrolment_code", Link.NONE, (Entry("code_hash", K, "a hash of a code", personal=False),)
    ),
    TableEntry("audit_mac", Link.NONE, (Entry("mac", K, "the keyed chain", personal=False),)),
    TableEntry(
        "audit_head",
        Link.NONE,
        (
            Entry("mac", K, "the keyed chain's head", personal=False),
            Entry("ledger", K, "a digest of decisions and ledger", personal=False),
            Entry("key_id", K, "which service key signed", personal=False),
            Entry("signature", K, "the service's signature", personal=False),
        ),
    ),
    TableEntry(
        "modulus_table",
        Link.NONE,
        (
            Entry("weights", K, MODULUS, personal=False),
            Entry("substitutions", K, MODULUS, personal=False),
            Entry("source", K, "the names of the files loaded", personal=False),
        ),
    ),
    TableEntry(
        "directory_service",
        Link.NONE,
        (
            Entry("service_id", K, DIRECTORY, personal=False),
            Entry("name", K, DIRECTORY, personal=False),
            Entry("organisation", K, DIRECTORY, personal=False),
            Entry("description", K, DIRECTORY, personal=False),
            Entry("status", K, DIRECTORY, personal=False),
            Entry("address", K, DIRECTORY, personal=False),
            Entry("postcode", K, DIRECTORY, personal=False),
            Entry("district", K, DIRECTORY, personal=False),
            Entry("phone", K, DIRECTORY, personal=False),
            Entry("email", K, DIRECTORY, personal=False),
            Entry("url", K, DIRECTORY, personal=False),
            Entry("languages", K, DIRECTORY, personal=False),
            Entry("cost", K, DIRECTORY, personal=False),
            Entry("terms", K, DIRECTORY, personal=False),
            Entry("term_keys", K, DIRECTORY, personal=False),
            Entry("opening", K, DIRECTORY, personal=False),
            Entry("source", K, DIRECTORY, personal=False),
        ),
    ),
    TableEntry(
        "team_key", Link.NONE, (Entry("public_key", K, "the team's public key", personal=False),)
    ),
)

BY_TABLE: dict[str, TableEntry] = {t.table: t for t in INVENTORY}


def personal_columns() -> list[tuple[str, str]]:
    """``(table, column)`` of everything about a household: a subject access shows them all."""
    return [(t.table, e.column) for t in INVENTORY for e in t.columns if e.personal]


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


# Records a change on a laptop names by id in its arguments (``outbox.args``): a
# review is recorded by review id, a conflict resolved by conflict id.
NAMED_IN_CHANGES = (
    "member",
    "visit",
    "package",
    "review",
    "conflict_of_interest",
    "household_conflict",
    "payment",  # a finance file import touches the payments it settles
    "finance_line",
)


@dataclass
class HouseholdIds:
    """The ids a household's rows can be found by."""

    id: uuid.UUID
    packages: list[uuid.UUID] = field(default_factory=list)
    visits: list[uuid.UUID] = field(default_factory=list)
    others: list[uuid.UUID] = field(default_factory=list)  # its other records' ids

    @classmethod
    def read(cls, session: Session, household_id: uuid.UUID) -> HouseholdIds:
        found = {
            name: list(
                session.scalars(
                    select(_table(name).c.id).where(_table(name).c.household_id == household_id)
                )
            )
            for name in NAMED_IN_CHANGES
        }
        merge = _table("household_merge")
        merges = session.scalars(
            select(merge.c.id).where(
                or_(merge.c.kept_id == household_id, merge.c.merged_id == household_id)
            )
        )
        others = [i for n in NAMED_IN_CHANGES if n not in ("package", "visit") for i in found[n]]
        return cls(household_id, found["package"], found["visit"], [*others, *merges])

    @property
    def named(self) -> list[uuid.UUID]:
        return [self.id, *self.packages, *self.visits, *self.others]


def where_linked(entry: TableEntry, household: HouseholdIds) -> ColumnElement[bool]:
    """Rows of ``entry``'s table that belong to ``household``."""
    c = _table(entry.table).c
    match entry.link:
        case Link.HOUSEHOLD:
            return c.id == household.id
        case Link.HOUSEHOLD_ID:
            return c.household_id == household.id
        case Link.PACKAGE:
            return c.package_id.in_(household.packages) if household.packages else false()
        case Link.SUBJECT:
            return c.subject.in_([str(i) for i in (household.id, *household.visits)])
        case Link.MERGE:
            return or_(c.kept_id == household.id, c.merged_id == household.id)
        case Link.NAMES:
            return or_(
                *(c.touched.contains(i.hex) for i in household.named),
                *(c.args.contains(str(i)) for i in household.named),
            )
    return false()


def linked_tables() -> Iterable[TableEntry]:
    return (t for t in INVENTORY if t.link is not Link.NONE)


def erase(session: Session, household_id: uuid.UUID) -> None:
    """Apply every ``erase`` and ``de-identify`` rule to one household's rows."""
    household = HouseholdIds.read(session, household_id)
    for entry in linked_tables():
        table, where = _table(entry.table), where_linked(entry, household)
        if entry.only is not None:
            where = and_(where, entry.only(table))
        if entry.delete_rows:
            session.execute(delete(table).where(where))
            continue
        blank = {e.column: e.erased for e in entry.columns if e.rule is Rule.ERASE}
        if blank:
            session.execute(update(table).where(where).values(blank))
        for e in entry.columns:
            if e.rule is Rule.DEIDENTIFY and e.deidentify is not None:
                keys = list(table.primary_key.columns)
                for row in session.execute(select(*keys, table.c[e.column]).where(where)).all():
                    this_row = and_(*(k == v for k, v in zip(keys, row, strict=False)))
                    new = e.deidentify(row[-1])
                    session.execute(update(table).where(this_row).values({e.column: new}))


def held_about(session: Session, household_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every row the inventory ties to the household, every column: a subject access's data."""
    household = HouseholdIds.read(session, household_id)
    held: dict[str, list[dict[str, Any]]] = {}
    for entry in linked_tables():
        table = _table(entry.table)
        rows = session.execute(select(table).where(where_linked(entry, household))).mappings().all()
        held[entry.table] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return held


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)
