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

import itertools
import json
import operator
import uuid
from collections.abc import Callable, Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain.assessment import CAPITALS
from caseworker.domain.household import MONEY_FIELDS, Household
from caseworker.domain.packages import PackageStatus
from caseworker.domain.rules import AwardStatus, Facts, NoRulesInForce, PriorAward, RuleSet
from caseworker.domain.rules.model import Definitions
from caseworker.domain.rules.reader import FactsRefused, checked_facts, facts_problems
from caseworker.domain.visit import Visit
from caseworker.services.errors import NotFound, VisitFactsRefused
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import HouseholdRow, MemberRow, PackageRow, VisitRow

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


class AwardRow(NamedTuple):
    """A decided package as the reader needs it (a plain tuple: cheap to send to a worker)."""

    household_id: Any  # the household it counts for (the survivor), as read
    package_id: Any
    visit_id: Any
    approved_on: Any  # a date, or its ISO text when read raw
    amount_pence: int
    status: str


# The columns of an AwardRow, in its order.
_AWARD_COLUMNS = (
    col(PackageRow.household_id),
    col(PackageRow.id),
    col(PackageRow.visit_id),
    col(PackageRow.approved_on),
    col(PackageRow.total_pence),
    col(PackageRow.status),
)


def award_dicts(
    rows: Iterable[AwardRow], excluding: Collection[Any] = (), visit_id: Any = None
) -> list[dict[str, Any]]:
    """The engine's prior awards (6.1), as FACTS.json has them: every decided package
    except the ``excluding`` packages and, with ``visit_id``, those made for that visit."""
    return [
        {
            "award_date": a.approved_on,
            "amount_pence": a.amount_pence,
            "status": AWARD_STATUS[a.status].value,
        }
        for a in rows
        if a.status in AWARD_STATUS
        and a.package_id not in excluding
        and (visit_id is None or a.visit_id != visit_id)
    ]


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
    query = sa_select(*_AWARD_COLUMNS).where(
        col(PackageRow.household_id).in_(records), col(PackageRow.approved_on).is_not(None)
    )
    if since is not None:
        query = query.where(col(PackageRow.approved_on) >= since)
    if until is not None:
        query = query.where(col(PackageRow.approved_on) <= until)
    out: dict[uuid.UUID, list[AwardRow]] = {}
    for row in session.execute(query).all():
        award = AwardRow(*row)
        if counted_only and award.status not in COUNTED_PACKAGE_STATUSES:
            continue
        root = fams.survivor(award.household_id)
        out.setdefault(root, []).append(award._replace(household_id=root))
    return out


def prior_awards_of(
    rows: Iterable[AwardRow], excluding: Collection[Any] = (), visit_id: Any = None
) -> list[PriorAward]:
    """:func:`award_dicts` as the engine's models."""
    return [PriorAward.model_validate(a) for a in award_dicts(rows, excluding, visit_id)]


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


# -- the stored facts, one household or every household ---------------------------------

_HOUSEHOLD_FIELDS = ("postcode", "tenure", *MONEY_FIELDS, "benefits")
_MEMBER_FIELDS = (
    "date_of_birth",
    "relationship",
    "work_status",
    "reduced_hours",
    "earnings_fell_on",
    "earnings_fall_reason",
    "in_education_or_training",
)
# Every Visit field the engine can read (never the venue or the point of need).
_VISIT_FIELDS = tuple(
    name
    for name in Visit.model_fields
    if name
    not in (
        "id",
        "household_id",
        "visit_date",
        "capitals",
        "venue",
        "point_of_need",
        "need_categories",
    )
)
assert {f for f in Household.model_fields if f not in _HOUSEHOLD_FIELDS} == {
    "id",
    "reference",
    "address_line1",
    "address_line2",
    "town",
    "phone",
    "email",
    "members",
}, "a new Household field: decide whether the engine reads it"


# Read only to quote a member by name in explanations; never for the impact report.
_NAME_FIELDS = ("first_name", "surname")

Row = tuple[Any, ...]
# One household's visit as the store holds it: (household, members, visit, awards).
# Plain tuples of stored values, so a batch is cheap to send to a worker process, where
# it is turned into Facts (in parallel with the other workers).
Case = tuple[Row, list[Row], Row, list[AwardRow]]


def _raw(column: Any) -> Any:
    """The column as stored: skip turning ids, dates and JSON into objects here.

    Converting 800,000 ids to ``uuid.UUID`` one by one costs seconds; pydantic
    parses the stored text far faster, and only for the households evaluated.
    """
    kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type
    if isinstance(kind, sa.Uuid | sa.Date | sa.DateTime | sa.JSON):
        return sa.type_coerce(column, sa.String)
    return column


IdRange = tuple[uuid.UUID | None, uuid.UUID | None]


def id_ranges(parts: int) -> list[IdRange]:
    """``parts`` ranges of household ids covering them all (ids are random, so ranges are even)."""
    bounds: list[uuid.UUID | None] = [
        None,
        *(uuid.UUID(int=(i << 128) // parts) for i in range(1, parts)),
        None,
    ]
    return list(itertools.pairwise(bounds))


def _within(column: Any, ids: IdRange) -> Any:
    low, high = ids
    return sa.and_(
        sa.true() if low is None else column >= low, sa.true() if high is None else column < high
    )


def _in_range(household_id: uuid.UUID, ids: IdRange) -> bool:
    low, high = ids
    return (low is None or household_id >= low) and (high is None or household_id < high)


def read_cases(
    session: Session,
    ids: IdRange = (None, None),
    households: Collection[uuid.UUID] | None = None,
    visit_id: uuid.UUID | None = None,
) -> tuple[int, list[Case]]:
    """Households' latest visits, in four queries; and how many households were read.

    Bulk (``households`` None): every live household whose id is in ``ids``, its
    values read raw (see :func:`_raw`) for speed, names left out. Otherwise just
    those ``households`` (archived or not), typed, with names; with ``visit_id``,
    that visit instead of the latest. Households with no visit are counted but
    have no case. Either way a family registered twice and merged is one
    household: the visits and decided packages of every record of the family
    count as the household's (:class:`Families`).
    """
    fams = families(session)
    conn = session.connection()
    bulk = households is None
    asked: Any
    owner: dict[Any, Any]
    if households is None:
        merged_here = [m for m, root in fams.survivors().items() if _in_range(root, ids)]
        owner = _raw_survivors(fams)
        asked = sa.and_(col(HouseholdRow.archived).is_(False), _within(col(HouseholdRow.id), ids))
    else:
        merged_here = []
        owner = {r: h for h in households for r in fams.records(h)}
        asked = col(HouseholdRow.id).in_(list(households))

    def of_household(column: Any) -> Any:
        return _within(column, ids) if households is None else column.in_(list(households))

    def records(column: Any) -> Any:
        """The households asked for, and the records merged into them."""
        if households is not None:
            return column.in_(list(owner))
        within = _within(column, ids)
        return sa.or_(within, column.in_(merged_here)) if merged_here else within

    def select(*columns: Any) -> Any:
        return sa.select(*(_raw(c) if bulk else c for c in columns))

    names = () if bulk else _NAME_FIELDS
    found = conn.execute(
        select(
            col(HouseholdRow.id),
            col(HouseholdRow.reference),
            *(getattr(HouseholdRow, f) for f in _HOUSEHOLD_FIELDS),
        ).where(asked)
    ).all()
    members: dict[Any, list[Row]] = {}
    for row in conn.execute(
        select(
            col(MemberRow.household_id),
            col(MemberRow.position),
            col(MemberRow.id),
            *(getattr(MemberRow, f) for f in (*_MEMBER_FIELDS, *names)),
        ).where(of_household(col(MemberRow.household_id)))
    ).all():
        members.setdefault(row[0], []).append(tuple(row))
    visits = records(col(VisitRow.household_id))
    if visit_id is not None:
        visits = sa.and_(visits, col(VisitRow.id) == visit_id)
    latest = _latest_visits(conn, select, visits, owner)
    awards = _approved_awards(conn, select, records(col(PackageRow.household_id)), owner)
    cases: list[Case] = [
        (tuple(h), members.get(h[0], []), visit, awards.get(h[0], []))
        for h in found
        if (visit := latest.get(h[0])) is not None
    ]
    return len(found), cases


class CasesRead(NamedTuple):
    """What :func:`read_cases_since` read from one part of the store."""

    households: int  # live households
    visited: int  # of which with a visit (of any record of the family), on any date
    cases: list[Case]  # of which whose latest visit is on or after the day asked


def _latest_visits(
    conn: Any, select: Callable[..., Any], where: Any, owner: dict[Any, Any]
) -> dict[Any, Row]:
    """Each family's latest visit (by date, then when it was recorded) among the visits
    ``where`` picks, read with the caller's ``select``, under its surviving household."""
    latest: dict[Any, Row] = {}
    for row in conn.execute(
        select(
            col(VisitRow.household_id),
            col(VisitRow.visit_date),
            col(VisitRow.created_at),
            col(VisitRow.id),
            *(getattr(VisitRow, f) for f in (*_VISIT_FIELDS, *CAPITALS)),
        ).where(where)
    ).all():
        family = owner.get(row[0], row[0])
        held = latest.get(family)
        if held is None or (row[1], row[2]) > (held[1], held[2]):
            latest[family] = tuple(row)
    return latest


def _approved_awards(
    conn: Any,
    select: Callable[..., Any],
    where: Any,
    owner: dict[Any, Any],
    wanted: Container[Any] | None = None,
) -> dict[Any, list[AwardRow]]:
    """Approved awards of the records ``where`` picks, read with the caller's ``select``
    (raw values in bulk), each under its surviving household (``owner``: a merged
    record's survivor); only for the households ``wanted``, when given."""
    awards: dict[Any, list[AwardRow]] = {}
    for row in conn.execute(
        select(*_AWARD_COLUMNS).where(col(PackageRow.approved_on).is_not(None), where)
    ).all():
        award = AwardRow(*row)
        household = owner.get(award.household_id, award.household_id)
        if wanted is None or household in wanted:
            awards.setdefault(household, []).append(award._replace(household_id=household))
    return awards


def read_cases_since(session: Session, ids: IdRange, since: date) -> CasesRead:
    """Every live household in ``ids`` whose latest visit is on or after ``since``, read
    as :func:`read_cases` reads them in bulk (raw values, no names, merged families as
    one household), and how many live households and visited ones there are in all.

    For a report with nothing to evaluate before ``since`` (the impact report: before
    the first version of the rules). A family's latest visit is on or after ``since``
    exactly when one of its visits is, so the members of households with no visit, or
    only earlier ones, are never read (most of the reading: a few members each).
    """
    fams = families(session)
    conn = session.connection()
    merged_here = [m for m, root in fams.survivors().items() if _in_range(root, ids)]
    owner = _raw_survivors(fams)
    # Survivors with records merged into them (a manager's decision each: few), whose
    # latest visit may be a merged record's.
    with_merged = list({fams.survivor(m) for m in merged_here})

    def records(column: Any) -> Any:
        within = _within(column, ids)
        return sa.or_(within, column.in_(merged_here)) if merged_here else within

    def select(*columns: Any) -> Any:
        return sa.select(*(_raw(c) for c in columns))

    found = conn.execute(
        select(
            col(HouseholdRow.id),
            col(HouseholdRow.reference),
            *(getattr(HouseholdRow, f) for f in _HOUSEHOLD_FIELDS),
        ).where(col(HouseholdRow.archived).is_(False), _within(col(HouseholdRow.id), ids))
    ).all()
    latest = _latest_visits(conn, select, records(col(VisitRow.household_id)), owner)
    first = since.isoformat()
    visited = [h for h in found if h[0] in latest]
    wanted = {h[0] for h in visited if str(latest[h[0]][1])[:10] >= first}
    recent = sa.exists().where(
        col(VisitRow.household_id) == col(MemberRow.household_id),
        col(VisitRow.visit_date) >= since,
    )
    members: dict[Any, list[Row]] = {}
    for row in conn.execute(
        select(
            col(MemberRow.household_id),
            col(MemberRow.position),
            col(MemberRow.id),
            *(getattr(MemberRow, f) for f in _MEMBER_FIELDS),
        ).where(
            _within(col(MemberRow.household_id), ids),
            sa.or_(recent, col(MemberRow.household_id).in_(with_merged)) if with_merged else recent,
        )
    ).all():
        if row[0] in wanted:
            members.setdefault(row[0], []).append(tuple(row))
    awards = _approved_awards(conn, select, records(col(PackageRow.household_id)), owner, wanted)
    cases: list[Case] = [
        (tuple(h), members.get(h[0], []), latest[h[0]], awards.get(h[0], []))
        for h in visited
        if h[0] in wanted
    ]
    return CasesRead(len(found), len(visited), cases)


def case_facts(
    case: Case,
    excluding: Collection[Any] = (),
    own_visit_awards: bool = False,
    recording: bool = False,
) -> dict[str, Any]:
    """The FACTS.json form of a stored case: the one place a stored household becomes facts.

    Members are named as stored when the case was read with names, else
    "Member 1", "Member 2"... Prior awards (6.1): every decided package of the
    family except the ``excluding`` packages and, unless ``own_visit_awards``,
    the packages made for this very visit (which would otherwise count against
    their own cap). A member born after the visit is left out (a baby added since
    was not in the family it assessed) unless ``recording`` the visit now, when such a
    date is a mistake to refuse.
    """
    household, members, visit, awards = case
    household_id, visit_id, visit_date = household[0], visit[3], visit[1]
    values = dict(zip(_HOUSEHOLD_FIELDS, household[2:], strict=True))
    if isinstance(values["benefits"], str):
        values["benefits"] = json.loads(values["benefits"])
    people = []
    if members:
        # A member born after the visit is left out (_born_after), compared as ISO text.
        visit_day = None if recording or visit_date is None else str(visit_date)[:10]
        for m in sorted(members, key=_position) if len(members) > 1 else members:
            born = m[3]
            if visit_day is not None and born is not None and str(born)[:10] > visit_day:
                continue
            fields = _NAMED_MEMBER_FIELDS if len(m) == _NAMED_LENGTH else _MEMBER_FIELDS
            person = {"id": m[2], "first_name": "Member", "surname": str(m[1] + 1)}
            person.update(zip(fields, m[3:], strict=True))
            people.append(person)
    visit_values = dict(zip(_VISIT_FIELDS, visit[4:_VISIT_STOP], strict=True))
    visit_values["id"] = visit_id
    visit_values["household_id"] = household_id
    visit_values["visit_date"] = visit_date
    visit_values["capitals"] = dict(zip(CAPITALS, visit[_VISIT_STOP:], strict=True))
    values["id"] = household_id
    values["reference"] = household[1]
    values["members"] = people
    return {
        "household": values,
        "visit": visit_values,
        "prior_awards": award_dicts(awards, excluding, None if own_visit_awards else visit_id),
    }


_NAMED_MEMBER_FIELDS = (*_MEMBER_FIELDS, *_NAME_FIELDS)
_NAMED_LENGTH = 3 + len(_NAMED_MEMBER_FIELDS)  # household id, position, id, then the fields
_VISIT_STOP = 4 + len(_VISIT_FIELDS)  # household id, date, saved, id, then the fields
_position = operator.itemgetter(1)


def _born_after(date_of_birth: Any, visit_date: Any) -> bool:
    """A member born after the visit (a baby added to the household since) was not in the
    family the visit assessed: leaving them out keeps that visit's package decidable."""
    if date_of_birth is None or visit_date is None:
        return False
    return str(date_of_birth)[:10] > str(visit_date)[:10]


def read_facts(
    session: Session,
    household_id: uuid.UUID,
    visit_id: uuid.UUID,
    rules: RuleSet,
    excluding: Collection[uuid.UUID] = (),
    recording: bool = False,
) -> Facts:
    """The facts the engine takes for one household's stored visit, as the store holds them.

    The same reading as the impact report's (:func:`read_cases`, :func:`case_facts`),
    with names. ``excluding`` names packages left out of the prior awards (the one
    being decided); other packages of the same visit still count (a second package
    for one visit must fit under the same cap).

    Checked as ``caseworker rules evaluate`` checks a file (``domain.rules.reader``
    ``checked_facts``: dates against the visit's own date, the bounds of the version
    in force, unique member ids, one adult lead contact): ``VisitFactsRefused`` says
    what to correct, in the same words, rather than the engine evaluating bad facts.
    A visit before the first version raises ``NoRulesInForce``, as evaluating would.
    """
    _count, cases = read_cases(session, households=[household_id], visit_id=visit_id)
    if not cases or cases[0][2][0] != household_id:
        raise NotFound("That household or visit is not in this store.")
    rules.segment_for(cases[0][2][1])  # NoRulesInForce: no bounds to check against
    try:
        facts = case_facts(cases[0], excluding, own_visit_awards=True, recording=recording)
        return checked_facts(facts, rules)
    except FactsRefused as exc:
        raise VisitFactsRefused(exc.problems) from exc


def refuse_bad_facts(facts: Facts, rules: RuleSet) -> Facts:
    """``facts`` if the engine may evaluate them (``domain.rules.reader.facts_problems``,
    the checks ``caseworker rules evaluate`` makes), else ``VisitFactsRefused`` in the
    same words: for facts put together from a form rather than read from the store.
    A visit before the first version raises ``NoRulesInForce``, as evaluating would."""
    rules.segment_for(facts.visit.visit_date)
    problems = facts_problems(facts, rules)
    if problems:
        raise VisitFactsRefused(problems)
    return facts


# -- the 6.1 window, from the policy -------------------------------------------------------


def definitions_on(rules: RuleSet, day: date) -> Definitions:
    """The policy's windows and standing figures in the version in force on ``day``:
    the one place a service reads them (the 6.1 window, review, retention, fund defaults).

    Before the first version, the first version's: a likely duplicate's awards are
    still weighed, and a review still falls due, by the policy's own figures.
    """
    try:
        segment = rules.segment_for(day)
    except NoRulesInForce:
        segment = rules.segments[0]
    return segment.definitions


def award_window_days(rules: RuleSet, day: date) -> int:
    """The 6.1 window (days ending on ``day``) of the version in force on ``day``."""
    return definitions_on(rules, day).award_window_days


def review_after_days(rules: RuleSet, approved_on: date) -> int:
    """Part 8: how long after its approval a package is reviewed."""
    return definitions_on(rules, approved_on).review_after_days


def retention_years(rules: RuleSet, today: date) -> int:
    """How many quiet years before a household is listed for de-identification (retention)."""
    return definitions_on(rules, today).retention_years


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


def _raw_survivors(fams: Families) -> dict[Any, Any]:
    """:meth:`Families.survivors` keyed as a raw read gives ids: 32 hex digits from the
    local store, ``uuid.UUID`` from PostgreSQL (whose driver parses uuid columns itself)."""
    survivors = fams.survivors()
    return {**survivors, **{m.hex: r.hex for m, r in survivors.items()}}
