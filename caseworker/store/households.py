"""Households, members and visits in the store, converted to and from domain models."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, delete, event, exists, func, insert, orm
from sqlalchemy import select as sa_select
from sqlalchemy.orm import ORMExecuteState, aliased
from sqlmodel import Session, col, select

from caseworker.domain.assessment import stage_of
from caseworker.domain.household import Household, Member, Relationship
from caseworker.domain.packages import PackageStatus
from caseworker.domain.search_terms import TermRange, household_terms, parse_query
from caseworker.domain.visit import Visit
from caseworker.store.bulk import insert_many
from caseworker.store.database import direct, transaction_cache
from caseworker.store.review_tables import ReviewRow
from caseworker.store.tables import (
    HouseholdRow,
    MemberRow,
    PackageRow,
    SearchTermRow,
    VisitRow,
    utcnow,
)
from caseworker.store.written import written

_HOUSEHOLD_FIELDS = [
    name for name in Household.model_fields if name not in ("id", "members", "benefits")
]
_MEMBER_FIELDS = [name for name in Member.model_fields if name != "id"]
_VISIT_FIELDS = [name for name in Visit.model_fields if name not in ("id", "capitals")]
_CAPITALS = ("financial", "mental", "social", "human")


@dataclass(frozen=True)
class HouseholdSummary:
    """One row of the case list."""

    id: uuid.UUID
    reference: str
    lead_name: str
    postcode: str
    last_visit: date | None
    not_accepted: bool = False  # a change to it was not accepted by the team store
    stage: int | None = None  # of the latest visit (1 to 4), None when not scored
    pending_status: str | None = None  # the latest package not yet settled (PackageStatus)
    pending_pence: int | None = None  # its total
    review_due: date | None = None  # the next open review's due date


def household_to_model(row: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> Household:
    """A household from its stored columns and its members' (any order)."""
    return Household.model_validate(
        {
            "id": row["id"],
            "benefits": list(row["benefits"]) if row["benefits"] is not None else None,
            "members": [
                {"id": m["id"], **{n: m[n] for n in _MEMBER_FIELDS}}
                for m in sorted(members, key=lambda m: m["position"])
            ],
            **{name: row[name] for name in _HOUSEHOLD_FIELDS},
        }
    )


_HOUSEHOLD = HouseholdRow.__table__  # type: ignore[attr-defined]
_MEMBER = MemberRow.__table__  # type: ignore[attr-defined]
_UPDATE = (
    _HOUSEHOLD.update()
    .where(_HOUSEHOLD.c.id == bindparam("household"))
    .values(version=_HOUSEHOLD.c.version + 1)
)
_WITH_MEMBERS = sa_select(
    *_HOUSEHOLD.c, *(c.label(f"member_{c.name}") for c in _MEMBER.c)
).select_from(_HOUSEHOLD.outerjoin(_MEMBER, _MEMBER.c.household_id == _HOUSEHOLD.c.id))
_ONE = _WITH_MEMBERS.where(_HOUSEHOLD.c.id == bindparam("household"))
_MANY = _WITH_MEMBERS.where(_HOUSEHOLD.c.id.in_(bindparam("households", expanding=True)))
_READ_AHEAD = "households_read_ahead"  # transaction_cache key, see read_ahead
_WRITE_BEHIND = "households_write_behind"  # transaction_cache key, see write_behind

Stored = tuple[dict[str, Any], list[dict[str, Any]]]


def household_rows(session: Session, household_id: uuid.UUID) -> Stored | None:
    """A household's stored columns and its members', in one query and without ORM
    objects: a sync replay reads a household for every edit it replays."""
    ahead: dict[uuid.UUID, Stored] = transaction_cache(session).get(_READ_AHEAD, {})
    if household_id in ahead:
        return ahead.pop(household_id)  # handed out once: the edit may change it
    write_pending(session)
    return _grouped(direct(session).execute(_ONE, {"household": household_id})).get(household_id)


def read_ahead(session: Session, household_ids: Collection[uuid.UUID]) -> None:
    """Read many households in one query for the edits a sync push is about to replay.

    ``household_rows`` hands each one out once, until :func:`forget_read_ahead`; the
    caller forgets them before anything but those edits can change a household.
    """
    found = direct(session).execute(_MANY, {"households": list(household_ids)})
    transaction_cache(session)[_READ_AHEAD] = _grouped(found.all())  # at once, not row by row


def forget_read_ahead(session: Session) -> None:
    transaction_cache(session).pop(_READ_AHEAD, None)


@dataclass
class _Pending:
    """Household writes held back to be sent together (see :func:`write_behind`)."""

    inserted: list[dict[str, Any]]
    updated: list[dict[str, Any]]
    members: list[dict[str, Any]]
    terms: list[dict[str, Any]]


def write_behind(session: Session) -> None:
    """Hold back the inserts and updates of ``save_household`` until the next read of a
    household or ORM statement, or :func:`write_pending`: a sync push replaying a run of
    household saves sends them in a few statements, not three round trips each.

    Only for a transaction that is rolled back whole if any statement fails (a failure
    surfaces at the write, not at the save that queued it)."""
    transaction_cache(session).setdefault(_WRITE_BEHIND, _Pending([], [], [], []))


def write_pending(session: orm.Session, stop: bool = False) -> None:
    """Send the household writes held back, in order; ``stop`` holding them back (the
    caller must, before anything but ``save_household`` and the ORM writes households)."""
    cache = transaction_cache(session)
    pending: _Pending | None = cache.pop(_WRITE_BEHIND, None) if stop else cache.get(_WRITE_BEHIND)
    if pending is None or not (pending.inserted or pending.updated):
        return
    if not stop:
        cache[_WRITE_BEHIND] = _Pending([], [], [], [])
    connection = session.connection()
    insert_many(connection, _HOUSEHOLD, pending.inserted)
    if pending.updated:
        connection.execute(_UPDATE, pending.updated)
    insert_many(connection, _MEMBER, pending.members)
    insert_many(connection, SearchTermRow.__table__, pending.terms)  # type: ignore[attr-defined]


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    write_pending(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, *_args: Any) -> None:
    write_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


def _grouped(rows: Iterable[Row[Any]]) -> dict[uuid.UUID, Stored]:
    found: dict[uuid.UUID, Stored] = {}
    for result in rows:
        row = result._mapping
        key = row["id"]
        if key not in found:
            found[key] = ({c.name: row[c.name] for c in _HOUSEHOLD.c}, [])
        if row["member_id"] is not None:
            found[key][1].append({c.name: row[f"member_{c.name}"] for c in _MEMBER.c})
    return found


def load_household(session: Session, household_id: uuid.UUID) -> Household | None:
    found = household_rows(session, household_id)
    return household_to_model(*found) if found is not None else None


def save_household(
    session: Session, household: Household, user_id: uuid.UUID | None, stored: Household | None
) -> None:
    """Insert a new household (``stored`` None) or replace the ``stored`` one.

    Written with Core statements, and members and search terms only when they
    changed: saving a household is on every sync replay's path, and most edits
    touch one field.
    """
    values = {name: getattr(household, name) for name in _HOUSEHOLD_FIELDS}
    values["benefits"] = (
        [str(b) for b in household.benefits]
        if household.benefits
        else ([] if household.benefits is not None else None)
    )
    stamp = written("household", household.id)
    pending: _Pending | None = transaction_cache(session).get(_WRITE_BEHIND)
    if stored is None:
        row = {
            "id": household.id,
            "created_by": user_id,
            "created_at": utcnow(),  # two readings: a replay's tape holds both
            "updated_at": utcnow(),
            "version": 1,
            "archived": False,
            **values,
            **stamp,
        }
        if pending is not None:
            pending.inserted.append(row)
            pending.members.extend(_member_rows(household))
            pending.terms.extend(_term_rows(household))
            return
        write_pending(session)
        direct(session).execute(insert(_HOUSEHOLD), row)
    else:

        def update() -> dict[str, Any]:  # the clock read after any flush, as it always was
            return {"household": household.id, "updated_at": utcnow(), **values, **stamp}

        if (
            pending is not None
            and household.members == stored.members
            and _named(household) == _named(stored)
        ):
            loaded = session.identity_map.get(session.identity_key(HouseholdRow, household.id))
            if loaded is not None:
                session.expire(loaded)
            pending.updated.append(update())
            return
        write_pending(session)
        direct(session, stale=(HouseholdRow, household.id)).execute(_UPDATE, update())
    if stored is None or household.members != stored.members:
        _replace_members(session, household, new=stored is None)
    if stored is None or _named(household) != _named(stored):
        replace_search_terms(session, household, new=stored is None)


def _replace_members(session: Session, household: Household, new: bool) -> None:
    connection = direct(session)
    if not new:
        connection.execute(delete(_MEMBER).where(_MEMBER.c.household_id == household.id))
    connection.execute(insert(_MEMBER), _member_rows(household))


def _member_rows(household: Household) -> list[dict[str, Any]]:
    # The lead contact is stored first: the case list shows position 0.
    ordered = sorted(household.members, key=lambda m: m.relationship != Relationship.LEAD)
    return [
        {
            "id": member.id,
            "household_id": household.id,
            "position": position,
            **{name: getattr(member, name) for name in _MEMBER_FIELDS},
        }
        for position, member in enumerate(ordered)
    ]


def _named(household: Household) -> tuple[Any, ...]:
    """What a household's search terms are made of."""
    people = [(m.first_name, m.surname, m.date_of_birth) for m in household.members]
    return household.reference, household.postcode, people


def _terms(household: Household) -> set[str]:
    reference, postcode, people = _named(household)
    return household_terms(reference, postcode, people)


def replace_search_terms(session: Session, household: Household, new: bool = False) -> None:
    terms = SearchTermRow.__table__  # type: ignore[attr-defined]
    connection = direct(session)
    if not new:
        connection.execute(delete(terms).where(terms.c.household_id == household.id))
    connection.execute(insert(terms), _term_rows(household))


def _term_rows(household: Household) -> list[dict[str, Any]]:
    return [{"household_id": household.id, "term": t} for t in sorted(_terms(household))]


def take_reference_number(session: Session, prefix: str) -> int:
    """The number for a new household's reference; read once per transaction, since
    nothing else adds references while it runs (a push creates hundreds)."""
    taken = transaction_cache(session).setdefault("references", {})
    number = taken[prefix] + 1 if prefix in taken else next_reference_number(session, prefix)
    taken[prefix] = number
    return int(number)


def next_reference_number(session: Session, prefix: str) -> int:
    """The next counter for references ``PREFIX-00001`` in this store."""
    refs = session.exec(
        select(HouseholdRow.reference)
        .where(col(HouseholdRow.reference).startswith(f"{prefix}-"))
        .order_by(func.length(HouseholdRow.reference).desc(), col(HouseholdRow.reference).desc())
        .limit(1)
    ).first()
    if refs is None:
        return 1
    tail = refs.rsplit("-", 1)[-1]
    return int(tail) + 1 if tail.isdigit() else 1


def _matching(rng: TermRange, alias: Any) -> ColumnElement[bool]:
    term = col(alias.term)
    if rng.hi is None:
        return term == rng.lo
    return and_(term >= rng.lo, term < rng.hi)


def search_ids(session: Session, text: str, offset: int, limit: int) -> list[uuid.UUID]:
    """Households matching every word typed, ordered by the first word's matched term.

    Uses the (term, household) index for the first word and EXISTS probes for
    the rest, so the query stops once it has enough rows.
    """
    ranges = parse_query(text)
    if not ranges:
        rows = session.exec(
            select(HouseholdRow.id)
            .where(col(HouseholdRow.archived).is_(False))
            .order_by(col(HouseholdRow.updated_at).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return list(rows)
    first = aliased(SearchTermRow)
    query = select(first.household_id).where(_matching(ranges[0], first))
    for rng in ranges[1:]:
        other = aliased(SearchTermRow)
        query = query.where(
            exists().where(
                col(other.household_id) == col(first.household_id), _matching(rng, other)
            )
        )
    query = query.order_by(col(first.term), col(first.household_id))
    found: list[uuid.UUID] = []
    seen: set[uuid.UUID] = set()
    # A household can match on several terms; over-fetch and de-duplicate in order.
    chunk = max(limit * 2, 50)
    start = 0
    while len(found) < offset + limit:
        batch = session.exec(query.offset(start).limit(chunk)).all()
        for hid in batch:
            if hid not in seen:
                seen.add(hid)
                found.append(hid)
        if len(batch) < chunk:
            break
        start += chunk
    return found[offset : offset + limit]


# A package is pending until it is paid, rejected or withdrawn.
PENDING_PACKAGE = (
    PackageStatus.RECOMMENDED.value,
    PackageStatus.AWAITING_MANAGER.value,
    PackageStatus.APPROVED_ON_SPOT.value,
    PackageStatus.APPROVED.value,
)
# A review is wanted while its package stands approved (paid included).
_REVIEWED = (
    PackageStatus.APPROVED_ON_SPOT.value,
    PackageStatus.APPROVED.value,
    PackageStatus.PAID.value,
)


def _summary_columns() -> tuple[Any, ...]:
    """Correlated sub-selects for a case-list row's stage, pending package and next
    review: part of the one query that reads the page of rows, never one per row."""
    household = col(HouseholdRow.id)
    stage = (
        sa_select(col(VisitRow.stage))
        .where(col(VisitRow.household_id) == household)
        .order_by(col(VisitRow.visit_date).desc(), col(VisitRow.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    pending = (
        sa_select(col(PackageRow.id))
        .where(
            col(PackageRow.household_id) == household,
            col(PackageRow.status).in_(PENDING_PACKAGE),
        )
        .order_by(col(PackageRow.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    package = aliased(PackageRow)
    review = (
        sa_select(func.min(col(ReviewRow.due_on)))
        .join(package, col(package.id) == col(ReviewRow.package_id))
        .where(
            col(ReviewRow.household_id) == household,
            col(ReviewRow.completed_on).is_(None),
            col(package.status).in_(_REVIEWED),
        )
        .scalar_subquery()
    )
    return stage, pending, review


def summaries(session: Session, ids: list[uuid.UUID]) -> list[HouseholdSummary]:
    """Case-list rows for ``ids``, in the same order, read in one query."""
    if not ids:
        return []
    lead = aliased(MemberRow)
    pending = aliased(PackageRow)
    stage, pending_id, review_due = _summary_columns()
    rows = session.execute(
        sa_select(
            col(HouseholdRow.id),
            col(HouseholdRow.reference),
            col(HouseholdRow.postcode),
            col(HouseholdRow.last_visit_date),
            col(lead.first_name),
            col(lead.surname),
            stage,
            col(pending.status),
            col(pending.total_pence),
            review_due,
        )
        .join(
            lead,
            and_(col(lead.household_id) == col(HouseholdRow.id), col(lead.position) == 0),
            isouter=True,
        )
        .join(pending, col(pending.id) == pending_id, isouter=True)
        .where(col(HouseholdRow.id).in_(ids))
    ).all()
    by_id = {
        r[0]: HouseholdSummary(
            r[0],
            r[1],
            f"{r[4] or ''} {r[5] or ''}".strip(),
            r[2],
            r[3],
            stage=r[6],
            pending_status=r[7],
            pending_pence=r[8],
            review_due=r[9],
        )
        for r in rows
    }
    return [by_id[i] for i in ids if i in by_id]


def visit_to_row(visit: Visit, officer_id: uuid.UUID | None) -> VisitRow:
    values = {name: getattr(visit, name) for name in _VISIT_FIELDS}
    values["need_categories"] = [str(c) for c in visit.need_categories]
    capitals = {name: getattr(visit.capitals, name) for name in _CAPITALS}
    stage = stage_of(visit.capitals)
    return VisitRow(
        id=visit.id,
        officer_id=officer_id,
        stage=int(stage) if stage else None,
        **values,
        **capitals,
    )


def visit_to_model(row: VisitRow) -> Visit:
    values = {name: getattr(row, name) for name in _VISIT_FIELDS}
    values["need_categories"] = list(row.need_categories or [])
    capitals = {n: getattr(row, n) for n in _CAPITALS}
    return Visit.model_validate({"id": row.id, "capitals": capitals, **values})


def visits_of(session: Session, household_id: uuid.UUID) -> list[Visit]:
    rows = session.exec(
        select(VisitRow)
        .where(VisitRow.household_id == household_id)
        .order_by(col(VisitRow.visit_date).desc(), col(VisitRow.created_at).desc())
    ).all()
    return [visit_to_model(r) for r in rows]


def load_visit(session: Session, visit_id: uuid.UUID) -> Visit | None:
    row = session.get(VisitRow, visit_id)
    return visit_to_model(row) if row is not None else None
