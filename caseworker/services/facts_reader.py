"""One reader of a household's facts, and the one place that knows which records are one family.

Every consumer of the engine (packages, recommendations and the visit screen,
policy-change impact, evaluation figures, duplicate checks) reads a
household's facts here, so a fix to what counts is made once.

The merged-family rule (6.1 counts one family once): a household merged into
another (and not undone) is read through the household it survives in, at the
end of any chain. :class:`Families` is that read model: it maps each
merged-away record to its surviving household, and answers a household's
records (the survivor first, then every record merged into it). Decided
packages of every record count as the survivor's prior awards.

Which awards are prior awards: packages with an approval date, of every record
of the family, except those the caller names (the package being decided, or
the packages made for the visit being re-evaluated, which would otherwise
count against their own cap).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.packages import PackageStatus
from caseworker.domain.rules import AwardStatus, Facts, NoRulesInForce, PriorAward, RuleSet
from caseworker.domain.visit import Visit
from caseworker.services.errors import NotFound
from caseworker.store import households as repo
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import PackageRow

# A package's status as a prior award (6.1); packages never decided are not awards.
AWARD_STATUS = {
    PackageStatus.APPROVED_ON_SPOT.value: AwardStatus.APPROVED,
    PackageStatus.APPROVED.value: AwardStatus.APPROVED,
    PackageStatus.PAID.value: AwardStatus.PAID,
    PackageStatus.REJECTED.value: AwardStatus.REJECTED,
    PackageStatus.WITHDRAWN.value: AwardStatus.WITHDRAWN,
}
COUNTED_PACKAGE_STATUSES = tuple(
    s for s, a in AWARD_STATUS.items() if a in (AwardStatus.APPROVED, AwardStatus.PAID)
)


# -- the merged-family read model ---------------------------------------------------------


@dataclass(frozen=True)
class Families:
    """Each merged-away record → the household it was merged into (live merges only).

    Merges are few (a manager's decision each), so the whole map is read in one
    query and every question about families is answered from it.
    """

    parent: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    _children: dict[uuid.UUID, list[uuid.UUID]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for merged, kept in self.parent.items():  # in merge order (the query's)
            self._children.setdefault(kept, []).append(merged)

    def survivor(self, household_id: uuid.UUID) -> uuid.UUID:
        """The household this record is read through: itself unless merged away."""
        current, seen = household_id, {household_id}
        while (kept := self.parent.get(current)) is not None and kept not in seen:
            seen.add(kept)
            current = kept
        return current

    def merged_away(self, household_id: uuid.UUID) -> bool:
        return household_id in self.parent

    def records(self, household_id: uuid.UUID) -> list[uuid.UUID]:
        """The survivor first, then every record merged into it (asked of any record)."""
        root = self.survivor(household_id)
        group, frontier = [root], [root]
        while frontier:
            found = [m for kept in frontier for m in self._children.get(kept, ())]
            frontier = [m for m in dict.fromkeys(found) if m not in group]
            group.extend(frontier)
        return group

    def survivors(self) -> dict[uuid.UUID, uuid.UUID]:
        """Every merged-away record → its survivor: for counting families, not records."""
        return {merged: self.survivor(merged) for merged in self.parent}

    def merged_into(self, household_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
        """The merged-away records whose survivor is one of ``household_ids``."""
        wanted = set(household_ids)
        return [m for m in self.parent if self.survivor(m) in wanted]


def families(session: Session) -> Families:
    """The live merges, read in one query (in the order they were made)."""
    rows = session.exec(
        select(HouseholdMergeRow.merged_id, HouseholdMergeRow.kept_id)
        .where(col(HouseholdMergeRow.undone_at).is_(None))
        .order_by(col(HouseholdMergeRow.merged_at))
    ).all()
    return Families(dict(rows))


def household_group(session: Session, household_id: uuid.UUID) -> list[uuid.UUID]:
    """The records of the household's family, survivor first (for listings and the cap)."""
    return families(session).records(household_id)


# -- prior awards -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardRow:
    """A decided package as the reader needs it; ``household_id`` is the survivor's."""

    household_id: uuid.UUID
    package_id: uuid.UUID
    visit_id: uuid.UUID | None
    approved_on: date
    amount_pence: int
    status: str


def award_rows(
    session: Session,
    household_ids: Collection[uuid.UUID],
    fams: Families | None = None,
    since: date | None = None,
    until: date | None = None,
    counted_only: bool = False,
) -> dict[uuid.UUID, list[AwardRow]]:
    """Decided packages of every record of the households' families, by survivor.

    ``since``/``until`` (both included) narrow to approvals in a window;
    ``counted_only`` to approved or paid ones.
    """
    fams = fams if fams is not None else families(session)
    records = {r for h in household_ids for r in fams.records(h)}
    if not records:
        return {}
    query = sa_select(
        col(PackageRow.household_id),
        col(PackageRow.id),
        col(PackageRow.visit_id),
        col(PackageRow.approved_on),
        col(PackageRow.total_pence),
        col(PackageRow.status),
    ).where(col(PackageRow.household_id).in_(records), col(PackageRow.approved_on).is_not(None))
    if since is not None:
        query = query.where(col(PackageRow.approved_on) >= since)
    if until is not None:
        query = query.where(col(PackageRow.approved_on) <= until)
    out: dict[uuid.UUID, list[AwardRow]] = {}
    for household, package, visit, approved_on, amount, status in session.execute(query).all():
        if approved_on is None or status not in AWARD_STATUS:
            continue
        if counted_only and status not in COUNTED_PACKAGE_STATUSES:
            continue
        root = fams.survivor(household)
        out.setdefault(root, []).append(AwardRow(root, package, visit, approved_on, amount, status))
    return out


def prior_awards_of(
    rows: Iterable[AwardRow],
    excluding: Collection[uuid.UUID] = (),
    visit_id: uuid.UUID | None = None,
) -> list[PriorAward]:
    """The engine's prior awards: every decided package except the ``excluding`` packages
    and, with ``visit_id``, the packages made for that visit."""
    return [
        PriorAward(
            award_date=r.approved_on, amount_pence=r.amount_pence, status=AWARD_STATUS[r.status]
        )
        for r in rows
        if r.package_id not in excluding and (visit_id is None or r.visit_id != visit_id)
    ]


def prior_awards(
    session: Session,
    household_id: uuid.UUID,
    excluding: Collection[uuid.UUID] = (),
    visit_id: uuid.UUID | None = None,
    fams: Families | None = None,
) -> list[PriorAward]:
    """The household's family's prior awards (see :func:`prior_awards_of`)."""
    fams = fams if fams is not None else families(session)
    rows = award_rows(session, [household_id], fams).get(fams.survivor(household_id), [])
    return prior_awards_of(rows, excluding, visit_id)


# -- the facts -----------------------------------------------------------------------------


def read_facts(
    session: Session,
    household_id: uuid.UUID,
    visit: Visit | uuid.UUID,
    excluding: Collection[uuid.UUID] = (),
    own_visit_awards: bool = True,
) -> Facts:
    """The facts the engine takes for one household and visit, as the store holds them.

    ``visit`` is a stored visit's id, or a visit being recorded. ``excluding``
    names packages left out of the prior awards (the one being decided); with
    ``own_visit_awards`` False, every package made for this visit is left out too
    (a re-evaluation of a past visit, as the impact report makes).
    """
    household = repo.load_household(session, household_id)
    if isinstance(visit, uuid.UUID):
        loaded = repo.load_visit(session, visit)
        if loaded is None:
            raise NotFound("That household or visit is not in this store.")
        visit = loaded
    if household is None or visit.household_id != household_id:
        raise NotFound("That household or visit is not in this store.")
    return Facts(
        household=household,
        visit=visit,
        prior_awards=prior_awards(
            session, household_id, excluding, None if own_visit_awards else visit.id
        ),
    )


# -- the 6.1 window, from the policy -------------------------------------------------------


def award_window_days(rules: RuleSet, day: date) -> int:
    """The 6.1 window (days ending on ``day``) of the version in force on ``day``.

    Before the first version, the first version's window: a likely duplicate's
    awards are still weighed with the policy's own figure.
    """
    try:
        segment = rules.segment_for(day)
    except NoRulesInForce:
        segment = rules.segments[0]
    return segment.definitions.award_window_days


def in_award_window(award_date: date, day: date, window_days: int) -> bool:
    """An award counts towards the cap on ``day`` if made in the window ending on ``day``."""
    return 0 <= (day - award_date).days < window_days


def counted_total(awards: Iterable[PriorAward], day: date, window_days: int) -> int:
    """Approved or paid awards in the window ending on ``day`` (6.1)."""
    return sum(
        a.amount_pence
        for a in awards
        if a.status in (AwardStatus.APPROVED, AwardStatus.PAID)
        and in_award_window(a.award_date, day, window_days)
    )


def raw_survivors(fams: Families, hex_ids: bool) -> dict[Any, Any]:
    """:meth:`Families.survivors` with ids as a raw read gives them: 32 hex digits (the
    local store) or the hyphenated form (PostgreSQL)."""
    spell = (lambda u: u.hex) if hex_ids else str
    return {spell(merged): spell(root) for merged, root in fams.survivors().items()}
