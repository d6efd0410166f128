"""Merge two records of one family, and undo it: nothing is moved, so nothing is lost.

At a busy drop-in the same family is easily registered twice. A team manager
merges the two: the merge is recorded (``household_merge``) and the merged
household is archived, so it leaves the case list and the duplicate scan. No
visit, package, decision, payment, review or audit entry is rewritten: each
keeps its household, and ``facts_reader.Families`` gives every listing (and the
household cap, 6.1) the ids to read through the kept household. So the audit
chain is untouched, sync replays the merge as one small change, and an undo is
exact: it stamps the merge as undone and brings the merged household back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from caseworker.domain.duplicates import Pair, Person, as_sentence
from caseworker.domain.household import ERASED
from caseworker.domain.users import User
from caseworker.services import duplicates
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, NotFound, ServiceError
from caseworker.services.facts_reader import families
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store import duplicates as duplicates_repo
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import (
    ConflictOfInterestRow,
    HouseholdRow,
    SearchTermRow,
    UserAccount,
    utcnow,
)

log = logging.getLogger(__name__)
RECENT_MERGES = 50


class MergeRefused(ServiceError):
    """A merge or undo that cannot be done; the message says why."""


# -- reading through a merge ----------------------------------------------------------


# The merged-family rule itself lives in ``services.facts_reader`` (one place).


def merged_into_reference(session: Session, household_id: uuid.UUID) -> str | None:
    """The case reference a merged household is now read through, or ``None``."""
    fams = families(session)
    if not fams.merged_away(household_id):
        return None
    row = session.get(HouseholdRow, fams.survivor(household_id))
    return row.reference if row is not None else None


# -- merging and undoing ----------------------------------------------------------------


@dataclass(frozen=True)
class MergeRecord:
    """One merge as the manager's list shows it."""

    id: uuid.UUID
    kept_id: uuid.UUID
    kept_reference: str
    merged_id: uuid.UUID
    merged_reference: str
    merged_by: str
    merged_at: datetime
    reason: str
    undone_at: datetime | None
    undone_by: str | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


def _household(session: Session, household_id: uuid.UUID) -> HouseholdRow:
    row = session.get(HouseholdRow, household_id)
    if row is None:
        raise NotFound("That household is not in this store; sync, then try again.")
    return row


def _check_live(session: Session, row: HouseholdRow) -> None:
    if not row.archived:
        return
    kept = merged_into_reference(session, row.id)
    if kept is not None:
        raise MergeRefused(f"{row.reference} is already merged into {kept}.")
    raise MergeRefused(f"{row.reference} is archived (de-identified), so it cannot be merged.")


def _check_no_conflict(session: Session, manager: User, ids: list[uuid.UUID]) -> None:
    """A merge changes what counts against a household's cap: a decision for it (6.4)."""
    declared = session.exec(
        select(ConflictOfInterestRow.id).where(
            ConflictOfInterestRow.user_id == manager.id,
            col(ConflictOfInterestRow.household_id).in_(ids),
        )
    ).first()
    if declared is not None:
        raise MergeRefused(
            "You have declared a conflict of interest for one of these households, so "
            "another team manager must do this (6.4)."
        )


def _record(session: Session, row: HouseholdMergeRow) -> MergeRecord:
    kept = _household(session, row.kept_id)
    merged = _household(session, row.merged_id)
    by = session.get(UserAccount, row.merged_by)
    undone_by = session.get(UserAccount, row.undone_by) if row.undone_by else None
    return MergeRecord(
        id=row.id,
        kept_id=row.kept_id,
        kept_reference=kept.reference,
        merged_id=row.merged_id,
        merged_reference=merged.reference,
        merged_by=by.name if by else "unknown",
        merged_at=row.merged_at,
        reason=row.reason,
        undone_at=row.undone_at,
        undone_by=(undone_by.name if undone_by else "unknown") if row.undone_at else None,
    )


def _audit(
    session: Session,
    actor: User,
    kept: HouseholdRow,
    merged: HouseholdRow,
    action: str,
    reason: str,
) -> None:
    """One entry on each household, so each one's own timeline says what happened."""
    payload = {
        "kept": kept.reference,
        "kept_id": kept.id,
        "merged": merged.reference,
        "merged_id": merged.id,
        "reason": reason,
    }
    trail = AuditTrail(session, actor.id)
    trail.record("household", kept.id, f"{action}_kept", payload, household_id=kept.id)
    trail.record("household", merged.id, f"{action}_merged", payload, household_id=merged.id)


@mutation("households.merge")
def merge_households(
    store: Store, manager: User, kept_id: uuid.UUID, merged_id: uuid.UUID, reason: str
) -> MergeRecord:
    """Record that ``merged_id`` is the same family as ``kept_id``, and archive it.

    Nothing is moved: the kept household shows everything of both, and the
    household cap counts the awards of both from now on.
    """
    require_manager(manager, "merge households")
    if not reason.strip():
        raise InvalidInput({"reason": "Reason: say why these are one family"})
    if kept_id == merged_id:
        raise MergeRefused("A household cannot be merged into itself.")
    with store.unit_of_work() as session:
        kept, merged = _household(session, kept_id), _household(session, merged_id)
        _check_live(session, kept)
        _check_live(session, merged)
        _check_no_conflict(session, manager, [kept_id, merged_id])
        row = HouseholdMergeRow(
            kept_id=kept_id, merged_id=merged_id, merged_by=manager.id, reason=reason.strip()
        )
        session.add(row)
        merged.archived = True  # out of the case list and the duplicate scan
        session.add(merged)
        session.execute(delete(SearchTermRow).where(col(SearchTermRow.household_id) == merged_id))
        session.flush()
        _audit(session, manager, kept, merged, "merge", row.reason)
        record = _record(session, row)
    log.info("household merge %s recorded by %s", record.id, manager.id)
    return record


@mutation("households.undo_merge")
def undo_merge(store: Store, manager: User, merge_id: uuid.UUID) -> MergeRecord:
    """Bring the merged household back as it was; the merge row keeps the history."""
    require_manager(manager, "undo a merge")
    with store.unit_of_work() as session:
        row = session.get(HouseholdMergeRow, merge_id)
        if row is None:
            raise NotFound("That merge is not in this store; sync, then try again.")
        if row.undone_at is not None:
            raise MergeRefused(f"This merge was already undone on {row.undone_at:%d/%m/%Y}.")
        kept, merged = _household(session, row.kept_id), _household(session, row.merged_id)
        if merged.address_line1 == ERASED:
            raise MergeRefused(
                "This family's records were de-identified under the retention policy, so "
                "the merge can no longer be undone."
            )
        _check_no_conflict(session, manager, [row.kept_id, row.merged_id])
        row.undone_at = utcnow()
        row.undone_by = manager.id
        session.add(row)
        merged.archived = False
        session.add(merged)
        session.flush()
        household = repo.load_household(session, merged.id)
        assert household is not None
        repo.replace_search_terms(session, household)  # findable again
        _audit(session, manager, kept, merged, "merge_undone", row.reason)
        record = _record(session, row)
    log.info("household merge %s undone by %s", merge_id, manager.id)
    return record


def recent_merges(store: Store, manager: User, limit: int = RECENT_MERGES) -> list[MergeRecord]:
    """The latest merges, newest first, undone ones included (they say so)."""
    require_manager(manager, "see merges")
    with store.read() as session:
        rows = session.exec(
            select(HouseholdMergeRow).order_by(col(HouseholdMergeRow.merged_at).desc()).limit(limit)
        ).all()
        return [_record(session, r) for r in rows]


# -- candidates, with the evidence ------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One household of a candidate pair, as the manager compares it."""

    household_id: uuid.UUID
    reference: str
    people: tuple[Person, ...]  # the lead contact first
    postcode: str
    phone: str
    email: str


@dataclass(frozen=True)
class Candidate:
    """Two live households that look like one family, side by side."""

    left: Side
    right: Side
    score: int
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return as_sentence(self.reasons)


def candidates(store: Store, manager: User) -> list[Candidate]:
    """The full duplicate scan (seconds on a large store: run it in the background)."""
    require_manager(manager, "review duplicate households")
    return evidence(store, duplicates.scan(store))


def evidence(store: Store, pairs: list[Pair]) -> list[Candidate]:
    """Each pair with what both households hold; a pair merged meanwhile is dropped."""
    ids = [h for p in pairs for h in (p.first, p.second)]
    with store.read() as session:
        sides = {
            p.household_id: Side(
                p.household_id, p.reference, p.people, p.postcode, p.phone, p.email
            )
            for p in duplicates_repo.profiles(session, ids)
            if p.household_id is not None
        }
    out = []
    for p in pairs:
        if p.first in sides and p.second in sides:  # the older reference on the left
            left, right = sorted((sides[p.first], sides[p.second]), key=lambda s: s.reference)
            out.append(Candidate(left, right, p.score, p.reasons))
    return out
