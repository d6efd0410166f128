"""The borough's services directory: import it, match referrals to it, record the choice.

- :func:`import_services` (a team manager; one call, one transaction) writes the
  services of an Open Referral UK feed (read and checked by
  ``caseworker.sync.oruk``). A service already held is updated in place, never
  duplicated; one the feed no longer lists is marked withdrawn, not deleted, so a
  family copy that names it still prints it. It is a registered mutation: on a
  laptop it goes to the outbox, the team store replays it with the very services
  the manager imported (no second download), and every laptop pulls the rows.
- :func:`matching_services` lists, for a household and a referral clause, the
  directory services whose taxonomy terms the policy maps the clause to
  (``directory_terms``), ordered: open at the visit, in the household's postcode
  district, in the family's language. It reads only the local store.
- :func:`choose_service` records on the visit which service a referral is to.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.directory import (
    DirectoryService,
    district,
    local_time,
    openings,
    order_key,
    term_key,
)
from caseworker.domain.rules import RuleSet
from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail, canonical
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused, ServiceError
from caseworker.services.facts_reader import household_group
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store.database import Store
from caseworker.store.directory_tables import DirectoryServiceRow, directory_row_id
from caseworker.store.tables import HouseholdRow, VisitRow, utcnow
from caseworker.store.written import written

#: The feed statuses a referral may be made to; inactive, defunct or temporarily
#: closed services are kept but not offered.
OFFERED_STATUSES = ("active", "")


class DirectoryRefused(ServiceError):
    """The directory cannot do that (a withdrawn service, a clause with no terms)."""


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    withdrawn: int
    restored: int
    left_as_they_were: int

    def words(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.withdrawn} withdrawn, {self.restored} back in the feed, "
            f"{self.left_as_they_were} left as they were (not readable in this feed)"
        )


@dataclass(frozen=True)
class ServiceMatch:
    """A service offered for a referral, and why it is where it is in the list."""

    service: DirectoryService
    open_now: bool
    in_district: bool
    in_language: bool


def _values(service: DirectoryService) -> dict[str, Any]:
    """The row's columns for ``service`` (everything the feed says about it)."""
    return {
        "name": service.name,
        "organisation": service.organisation,
        "description": service.description,
        "status": service.status,
        "address": service.address,
        "postcode": service.postcode,
        "district": district(service.postcode),
        "latitude": service.latitude,
        "longitude": service.longitude,
        "phone": service.phone,
        "email": service.email,
        "url": service.url,
        "languages": canonical(list(service.languages)),
        "cost": service.cost,
        "assured_date": service.assured_date,
        "terms": canonical(list(service.terms)),
        "term_keys": "".join(f"|{term_key(t)}" for t in service.terms) + "|"
        if service.terms
        else "",
        "opening": canonical([o.model_dump(mode="json") for o in service.opening]),
    }


def to_service(row: DirectoryServiceRow) -> DirectoryService:
    """The directory record a row holds."""
    return DirectoryService(
        service_id=row.service_id,
        name=row.name,
        organisation=row.organisation,
        description=row.description,
        status=row.status,
        address=row.address,
        postcode=row.postcode,
        latitude=row.latitude,
        longitude=row.longitude,
        phone=row.phone,
        email=row.email,
        url=row.url,
        languages=tuple(json.loads(row.languages or "[]")),
        cost=row.cost,
        assured_date=row.assured_date,
        terms=tuple(json.loads(row.terms or "[]")),
        opening=openings(row.opening),
    )


@mutation("directory.import")
def import_services(
    store: Store,
    manager: User,
    services: list[DirectoryService],
    source: str,
    unreadable_ids: list[str] | None = None,
    withdraw_missing: bool = True,
) -> ImportSummary:
    """Make the directory what the feed says (a team manager's action).

    ``services`` are the feed's readable services; ``unreadable_ids`` the ids of
    those it listed but that failed the checks: they are left as they were, neither
    updated nor withdrawn. Any other service held and not in the feed is withdrawn,
    unless ``withdraw_missing`` is false (the feed had a service whose id could not
    be read, so which of the held services it was is not known).
    Written with bulk statements (a feed has thousands of services); each row is
    noted for the outbox and stamped for the pull (``store.written``).
    """
    require_manager(manager, "import the services directory")
    ids = [s.service_id for s in services]
    if len(set(ids)) != len(ids):
        raise InvalidInput({"services": "Services: two services in the feed share an id"})
    left = set(unreadable_ids or ()) - set(ids)
    now = utcnow()
    table = DirectoryServiceRow.__table__  # type: ignore[attr-defined]
    columns = list(_values(services[0])) if services else []
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    unchanged = restored = 0
    with store.unit_of_work() as session:
        held = {
            r.service_id: r
            for r in session.execute(
                sa_select(
                    table.c.id,
                    table.c.service_id,
                    table.c.withdrawn_at,
                    *(table.c[c] for c in columns),
                )
            )
        }
        for service in services:
            values = _values(service)
            row = held.get(service.service_id)
            row_id = directory_row_id(service.service_id)
            if row is None:
                added.append(
                    {
                        "id": row_id,
                        "service_id": service.service_id,
                        "source": source,
                        "imported_at": now,
                        "updated_at": now,
                        "withdrawn_at": None,
                        "imported_by": manager.id,
                        "server_version": None,
                        **values,
                        **written("directory_service", row_id),
                    }
                )
                continue
            if row.withdrawn_at is None and all(getattr(row, k) == v for k, v in values.items()):
                unchanged += 1
                continue
            restored += row.withdrawn_at is not None
            changed.append(
                {
                    "row_id": row.id,
                    "source": source,
                    "updated_at": now,
                    "withdrawn_at": None,
                    "imported_by": manager.id,
                    **values,
                    **written("directory_service", row.id),
                }
            )
        present = set(ids) | left
        gone = [
            r.id
            for sid, r in held.items()
            if withdraw_missing and sid not in present and r.withdrawn_at is None
        ]
        if added:
            session.execute(insert(table), added)
        if changed:
            keys = [k for k in changed[0] if k != "row_id"]
            session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({k: bindparam(f"new_{k}") for k in keys}),
                [{"row_id": c["row_id"], **{f"new_{k}": c[k] for k in keys}} for c in changed],
            )
        if gone:
            stamp: dict[str, Any] = {}
            for row_id in gone:
                stamp = written("directory_service", row_id)
            for start in range(0, len(gone), 500):
                session.execute(
                    update(table)
                    .where(table.c.id.in_(gone[start : start + 500]))
                    .values(withdrawn_at=now, updated_at=now, **stamp)
                )
        summary = ImportSummary(
            added=len(added),
            updated=len(changed) - restored,
            unchanged=unchanged,
            withdrawn=len(gone),
            restored=restored,
            left_as_they_were=len(left & set(held)),
        )
        AuditTrail(session, manager.id).record(
            "directory",
            directory_row_id(f"feed:{source}"),
            "imported",
            {"source": source, **summary.__dict__},
        )
    return summary


def directory_size(store: Store) -> tuple[int, int]:
    """How many services the directory holds: (offered now, withdrawn)."""
    with store.read() as session:
        rows = session.exec(select(DirectoryServiceRow.withdrawn_at)).all()
    gone = sum(1 for r in rows if r is not None)
    return len(rows) - gone, gone


def find_service(store: Store, service_id: str) -> tuple[DirectoryService, datetime | None]:
    """A directory service by the directory's id, and when it was withdrawn (or None)."""
    with store.read() as session:
        row = session.get(DirectoryServiceRow, directory_row_id(service_id))
        if row is None:
            raise NotFound(f"The services directory has no service with id {service_id}.")
        return to_service(row), row.withdrawn_at


def services_by_id(session: Session, service_ids: Sequence[str]) -> dict[str, DirectoryService]:
    """The directory records of these ids (withdrawn ones too: a letter already names them)."""
    if not service_ids:
        return {}
    rows = session.exec(
        select(DirectoryServiceRow).where(
            col(DirectoryServiceRow.id).in_([directory_row_id(s) for s in service_ids])
        )
    ).all()
    return {r.service_id: to_service(r) for r in rows}


def clause_terms(rules: RuleSet, clause: str, at: datetime) -> tuple[str, ...]:
    """The directory terms the policy in force at ``at`` maps a referral clause to."""
    return rules.segment_for(at.date()).directory_terms.get(clause, ())


def matching_services(
    store: Store,
    rules: RuleSet,
    household_id: uuid.UUID,
    clause: str,
    at: datetime,
    languages: Sequence[str] = (),
    limit: int = 20,
) -> list[ServiceMatch]:
    """The directory services for a referral under ``clause``, best first (see module),
    at most ``limit`` of them.

    ``at`` is the visit's instant (no clock is read); ``languages`` the languages the
    family speaks, as the officer knows them. Withdrawn services and those the feed
    does not call active are not offered. An empty list means: use referrals.yaml.
    Every matching service is ranked from a few columns; only the first ``limit``
    are read whole.
    """
    terms = clause_terms(rules, clause, at)
    local = local_time(at)
    wanted = {term_key(x) for x in languages if x.strip()}
    table = DirectoryServiceRow.__table__  # type: ignore[attr-defined]
    with store.read() as session:
        household = session.get(HouseholdRow, household_id)
        if household is None:
            raise NotFound("That household is not in this store.")
        if not terms:
            return []
        home = district(household.postcode)
        keys: list[tuple[tuple[bool, bool, bool, str, str], bool, bool, bool]] = []
        open_by_hours: dict[str, bool] = {}  # many services keep the same hours
        for service_id, name, where, spoken_json, hours in session.execute(
            sa_select(
                table.c.service_id,
                table.c.name,
                table.c.district,
                table.c.languages,
                table.c.opening,
            ).where(
                table.c.withdrawn_at.is_(None),
                table.c.status.in_(OFFERED_STATUSES),
                or_(*(table.c.term_keys.contains(f"|{term_key(t)}|") for t in terms)),
            )
        ).all():
            open_now = open_by_hours.get(hours)
            if open_now is None:
                open_now = open_by_hours[hours] = any(o.is_open(local) for o in openings(hours))
            near = bool(home) and where == home
            spoken = bool(wanted) and any(term_key(x) in wanted for x in json.loads(spoken_json))
            keys.append(
                (order_key(open_now, near, spoken, name, service_id), open_now, near, spoken)
            )
        keys.sort(key=lambda k: k[0])
        best = keys[:limit]
        rows = {
            r.service_id: r
            for r in session.exec(
                select(DirectoryServiceRow).where(
                    col(DirectoryServiceRow.service_id).in_([k[0][4] for k in best])
                )
            ).all()
        }
        return [
            ServiceMatch(to_service(rows[key[4]]), open_now, near, spoken)
            for key, open_now, near, spoken in best
        ]


def _referred_clauses(visit: VisitRow) -> list[str]:
    data = json.loads(visit.recommendation) if visit.recommendation else {}
    return [str(r.get("clause", "")) for r in data.get("referrals") or []]


@mutation("directory.choose_service")
def choose_service(
    store: Store, user: User, visit_id: uuid.UUID, clause: str, service_id: str
) -> DirectoryService:
    """Record that the referral under ``clause`` made at a visit is to this directory
    service; the family copy then prints its name, address, phone and opening times."""
    with store.unit_of_work() as session:
        visit = session.get(VisitRow, visit_id)
        if visit is None:
            raise NotFound("That visit is not in this store.")
        if user.role is not Role.MANAGER and visit.officer_id != user.id:
            raise PermissionRefused(
                "This visit was recorded by another officer; they or a team manager choose "
                "its referral services."
            )
        made = _referred_clauses(visit)
        if clause not in made:
            listed = ", ".join(made) or "none"
            raise InvalidInput(
                {
                    "clause": f"Referral: clause {clause} was not recommended at this visit "
                    f"(its referrals: {listed})"
                }
            )
        row = session.get(DirectoryServiceRow, directory_row_id(service_id))
        if row is None:
            raise NotFound(f"The services directory has no service with id {service_id}.")
        if row.withdrawn_at is not None:
            raise DirectoryRefused(
                f"{row.name} was withdrawn from the directory on {row.withdrawn_at:%d/%m/%Y}; "
                "choose another service."
            )
        chosen: dict[str, str] = json.loads(visit.referral_services or "{}")
        chosen[clause] = service_id
        visit.referral_services = canonical(chosen)
        session.add(visit)
        AuditTrail(session, user.id).record(
            "visit",
            visit.id,
            "referral service chosen",
            {"clause": clause, "service_id": service_id, "service": row.name},
            household_id=visit.household_id,
        )
        return to_service(row)


@dataclass(frozen=True)
class VisitReferral:
    """A referral a recorded visit made, and the directory service chosen for it (if any)."""

    visit_id: uuid.UUID
    visit_date: date
    clause: str
    service: str  # the policy's name for the referral (``Debt advice (Citizens Advice)``)
    explanation: str
    chosen: DirectoryService | None


def referrals_of(store: Store, household_id: uuid.UUID) -> list[VisitReferral]:
    """Every referral the household's visits made, newest visit first, with its chosen
    directory service (withdrawn ones too: the family copy still names them)."""
    with store.read() as session:
        rows = session.exec(
            select(VisitRow)
            .where(col(VisitRow.household_id).in_(household_group(session, household_id)))
            .order_by(col(VisitRow.visit_date).desc(), col(VisitRow.created_at).desc())
        ).all()
        chosen = {r.id: json.loads(r.referral_services or "{}") for r in rows}
        held = services_by_id(session, sorted({s for c in chosen.values() for s in c.values()}))
        out: list[VisitReferral] = []
        for row in rows:
            data = json.loads(row.recommendation) if row.recommendation else {}
            for referral in data.get("referrals") or []:
                clause = str(referral.get("clause", ""))
                out.append(
                    VisitReferral(
                        visit_id=row.id,
                        visit_date=row.visit_date,
                        clause=clause,
                        service=str(referral.get("service") or ""),
                        explanation=str(referral.get("explanation") or ""),
                        chosen=held.get(chosen[row.id].get(clause, "")),
                    )
                )
        return out


@dataclass(frozen=True)
class ReferralChoices:
    """The services offered for one referral, and, when there are none, why in plain words."""

    matches: list[ServiceMatch]
    why_none: str  # "" when there are matches


def referral_choices(
    store: Store,
    rules: RuleSet,
    household_id: uuid.UUID,
    clause: str,
    at: datetime,
    languages: Sequence[str] = (),
    limit: int = 20,
) -> ReferralChoices:
    """:func:`matching_services`, and when it finds none, why: the directory is empty, the
    policy maps the clause to no directory terms, or no offered service lists them. In
    every case the family copy prints the general details from referrals.yaml."""
    matches = matching_services(store, rules, household_id, clause, at, languages, limit)
    if matches:
        return ReferralChoices(matches, "")
    fallback = "The family copy will print the general details from the referral list instead."
    offered, _withdrawn = directory_size(store)
    if not offered:
        why = (
            "The services directory is empty on this laptop: a team manager imports it "
            "(caseworker referrals import), and it arrives with the next sync."
        )
    elif not clause_terms(rules, clause, at):
        why = f"The policy does not link referral {clause} to any directory service."
    else:
        terms = ", ".join(clause_terms(rules, clause, at))
        why = f"No service in the directory offers {terms} at the moment."
    return ReferralChoices([], f"{why} {fallback}")
