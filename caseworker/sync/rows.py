"""Copying rows from the shared store into a laptop's store.

The store is the record; a laptop holds a copy plus the changes it has not yet
pushed. Each synced table is copied in one of three ways:

- *replaced*: mutable records (households, packages, reviews...) are upserted;
  a household brings its members with it and its search terms are rebuilt;
- *appended*: decisions and ledger entries are inserted once, by id;
- *chained*: audit entries are inserted once, by id, and linked into this
  laptop's own hash chain.

Rows a still-pending local change touched are left alone: the laptop's newer
value stands until that change has been pushed and comes back from the store.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from caseworker.domain.household import ERASED
from caseworker.domain.search_terms import household_terms
from caseworker.services.audit import AuditTrail
from caseworker.services.retention import erase_personal_data
from caseworker.store.bulk import insert_raw
from caseworker.store.directory_tables import DirectoryServiceRow
from caseworker.store.payment_tables import FinanceLineRow, ModulusTableRow, PaymentRow
from caseworker.store.review_tables import ReviewRow
from caseworker.store.sync_tables import HouseholdConflict, HouseholdMergeRow
from caseworker.store.tables import (
    AuditEventRow,
    ConflictOfInterestRow,
    FundEntryRow,
    FundRow,
    HouseholdRow,
    MemberRow,
    PackageEventRow,
    PackageRow,
    SearchTermRow,
    UserAccount,
    VisitRow,
)

CHUNK = 2_000
# Local-only columns a pulled account must not overwrite: sign-in lockout is per laptop.
LOCAL_COLUMNS = {"user_account": {"failed_sign_ins", "locked_until"}}


@dataclass(frozen=True)
class Synced:
    model: type[SQLModel]
    how: str  # replace | append | chain

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[attr-defined, no-any-return]

    @property
    def name(self) -> str:
        return str(self.table.name)


# In foreign-key order: a row's parents are copied before it.
SYNCED: tuple[Synced, ...] = (
    Synced(UserAccount, "replace"),
    Synced(DirectoryServiceRow, "replace"),
    Synced(ModulusTableRow, "replace"),
    Synced(HouseholdRow, "replace"),
    Synced(HouseholdMergeRow, "replace"),
    Synced(VisitRow, "replace"),
    Synced(FundRow, "replace"),
    Synced(PackageRow, "replace"),
    Synced(PackageEventRow, "append"),
    Synced(FundEntryRow, "append"),
    Synced(ConflictOfInterestRow, "replace"),
    Synced(ReviewRow, "replace"),
    Synced(PaymentRow, "replace"),
    Synced(FinanceLineRow, "replace"),
    Synced(HouseholdConflict, "replace"),
    Synced(AuditEventRow, "chain"),
)
BY_NAME = {s.name: s for s in SYNCED}


def changed_rows(
    session: Session, synced: Synced, after: int, upto: int, ids: Sequence[uuid.UUID] = ()
) -> Iterator[list[dict[str, Any]]]:
    """Store rows with ``after < server_version <= upto`` (or the given ids), in chunks.

    A first pull (``after`` 0) also takes rows made before the store kept versions.
    """
    table = synced.table
    query = sa_select(table)
    if ids:
        query = query.where(table.c.id.in_(ids))
    else:
        version = table.c.server_version
        window = (version > after) & (version <= upto)
        query = query.where(window | version.is_(None) if after == 0 else window)
    order = table.c.seq if "seq" in table.c else table.c.id
    result = session.execute(query.order_by(order))
    keys = list(result.keys())
    while chunk := result.fetchmany(CHUNK):
        yield [dict(zip(keys, row, strict=True)) for row in chunk]


def apply_rows(session: Session, synced: Synced, rows: list[dict[str, Any]], held: set[str]) -> int:
    """Copy store rows into the local store; rows in ``held`` (ids as hex) are skipped."""
    if held:  # most pulls hold nothing back: no need to look at every id
        rows = [r for r in rows if _hex(r["id"]) not in held]
    if not rows:
        return 0
    if synced.how == "chain":
        return _chain(session, rows)
    if synced.name == "household":
        _free_references(session, rows)
    skip = {"seq"} | LOCAL_COLUMNS.get(synced.name, set())
    columns = [c for c in synced.table.c if c.name not in skip]
    names = ", ".join(c.name for c in columns)
    marks = ", ".join("?" for _ in columns)
    if synced.how == "append":
        on_conflict = "DO NOTHING"
    else:
        updates = ", ".join(f"{c.name} = excluded.{c.name}" for c in columns if c.name != "id")
        on_conflict = f"DO UPDATE SET {updates}"
    sql = f"INSERT INTO {synced.name} ({names}) VALUES ({marks}) ON CONFLICT (id) {on_conflict}"
    insert_raw(session, sql, columns, rows)
    return len(rows)


def _free_references(session: Session, rows: list[dict[str, Any]]) -> None:
    """Two laptops of one officer can both make ``JS01-00007`` offline; the store keeps the
    first and renumbers the second. Until the renumbered copy arrives, the laptop's own
    row steps aside (its reference marked as pending) so the store's can land."""
    wanted = {r["reference"]: r["id"] for r in rows}
    clashing = session.exec(
        select(HouseholdRow).where(col(HouseholdRow.reference).in_(list(wanted)))
    ).all()
    for row in clashing:
        if wanted[row.reference] != row.id:
            row.reference = f"{row.reference} (renumbering {row.id.hex[:6]})"
            session.add(row)
    session.flush()


def _chain(session: Session, rows: list[dict[str, Any]]) -> int:
    """Add the store's audit entries this laptop lacks. An entry the laptop has under the
    same id with other content (the store's replay met a conflict or renumbered a
    reference) is the store's record: the laptop's is taken back and the store's copy
    chained on, so both trails say the same."""
    ids = [r["id"] for r in rows]
    have = {
        key: (action, digest, seq)
        for key, action, digest, seq in session.execute(
            select(
                AuditEventRow.id,
                AuditEventRow.action,
                AuditEventRow.payload_digest,
                AuditEventRow.seq,
            ).where(col(AuditEventRow.id).in_(ids))
        )
    }
    differing = [
        r["id"]
        for r in rows
        if r["id"] in have and have[r["id"]][:2] != (r["action"], r["payload_digest"])
    ]
    trail = AuditTrail(session, None)
    if differing:
        first = min(have[key][2] for key in differing)
        with append_only_lifted(session):
            session.execute(delete(AuditEventRow).where(col(AuditEventRow.id).in_(differing)))
            trail.rechain_after(first - 1)
    return trail.append_copies(r for r in rows if r["id"] not in have or r["id"] in differing)


def replace_members(
    local: Session, members: list[dict[str, Any]], household_ids: Iterable[uuid.UUID]
) -> None:
    """Each household's members as the store has them (``members``: the store's members
    of these households), and its search terms rebuilt, in bulk (a new laptop takes
    every household at once); a household de-identified in the store has its personal
    data erased here too."""
    ids = list(household_ids)
    wanted = set(ids)
    members = [m for m in members if m["household_id"] in wanted]
    members_table = MemberRow.__table__  # type: ignore[attr-defined]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        local.execute(delete(MemberRow).where(col(MemberRow.household_id).in_(chunk)))
        local.execute(delete(SearchTermRow).where(col(SearchTermRow.household_id).in_(chunk)))
    if members:
        columns = list(members_table.c)
        insert_raw(
            local,
            f"INSERT INTO member ({', '.join(c.name for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            columns,
            members,
        )
    names: dict[uuid.UUID, list[tuple[str, str, date | None]]] = defaultdict(list)
    for m in members:
        names[m["household_id"]].append((m["first_name"], m["surname"], m["date_of_birth"]))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        terms: list[tuple[str, str]] = []
        for h in local.execute(
            sa_select(
                HouseholdRow.id,  # type: ignore[call-overload]
                HouseholdRow.reference,
                HouseholdRow.postcode,
                HouseholdRow.archived,
                HouseholdRow.address_line1,
            ).where(col(HouseholdRow.id).in_(chunk))
        ):
            if h.archived:  # out of the case list: de-identified, or merged into another
                if h.address_line1 == ERASED:
                    erase_personal_data(local, h.id)
                continue
            terms.extend(
                (h.id.hex, term)
                for term in sorted(household_terms(h.reference, h.postcode, names[h.id]))
            )
        if terms:
            local.connection().exec_driver_sql(
                "INSERT INTO search_term (household_id, term) VALUES (?, ?)", terms
            )


def _hex(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


APPEND_ONLY = ("audit_event", "package_event", "fund_entry")


@contextmanager
def append_only_lifted(session: Session) -> Iterator[None]:
    """On a laptop, let the rebase take back rows the store refused; the triggers are
    restored, exactly as they were, before the transaction commits."""
    names = ", ".join(f"'{t}'" for t in APPEND_ONLY)
    triggers = session.execute(
        text(f"SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name IN ({names})")
    ).all()
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        session.execute(text(sql))
