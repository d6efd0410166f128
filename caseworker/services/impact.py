"""Policy-change impact: every household's latest visit under the current and a draft rule set.

Before a council adopts new rules, the policy team wants to know who gains or
loses a cash award, which clauses make the difference, whose recommended
package changes and what it does to the total spend. The answer comes from
the store's own facts, evaluated the way the app evaluates a visit.

How a draft folder is read: it is layered over the current rules (the shipped
``resources/rules``, then the council's override folder if one is set), the
same way the app layers an override and ``caseworker rules check`` checks one.
So both a *full copy* of ``resources/rules`` with edits and a folder holding
only the changed files work: a ``kind: policy`` file replaces the policy and a
``kind: parameters`` file replaces the version of the same name (or adds one).
A draft cannot remove a version; give it an ``in_force_from`` far in the future
instead. Files under ``tests/`` are ignored.

What is evaluated, per household: the latest visit (latest visit date, then
latest saved); the household as it is now; the prior awards of 6.1, i.e. its
approved packages except those made for this very visit (which would otherwise
count against their own cap). The officer's allowance is irrelevant to the
package and is left unknown. Archived (de-identified) households are left out;
so are records merged into another, whose visits and awards count as the kept
household's (one family, one household, as its cap is counted).
Members' names are never read: placeholders stand in for them.

Speed: the store is read in a few bulk queries per part, and for large stores
the work is shared between processes: forked where that is safe (each reads and
compares its own parts of the store), else spawned (this process reads and sends
the cases). Households with no visit, or whose latest visit is before the first
version of both rule sets, are only counted: their members are not read and no
case is built for them (``facts_reader.read_cases_since``). A version the draft
leaves identical is evaluated once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import json
import multiprocessing
import os
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from caseworker.domain.money import format_pence
from caseworker.domain.reviews import sorted_clauses
from caseworker.domain.rules import (
    Decided,
    NoRulesInForce,
    Problem,
    RuleSet,
    decide_under,
    default_rules_dir,
)
from caseworker.domain.rules.compile import Segment
from caseworker.domain.rules.loader import load_folders
from caseworker.domain.rules.reader import FactsRefused, checked_facts
from caseworker.services import facts_reader
from caseworker.services.errors import ServiceError
from caseworker.services.facts_reader import Case, IdRange, case_facts, id_ranges
from caseworker.services.processes import default_workers, fork_available, forked_pool
from caseworker.services.rules_state import override_dir
from caseworker.store.database import Store
from caseworker.store.tables import HouseholdRow

CHUNK = 2_000  # households per task: big enough to amortise pickling, small enough to share
READ_PARTS = 16  # with worker processes, the store is read in this many parts
FORK_PARTS = 8  # forked workers each read and compare parts of the store: this many in all
PARALLEL_FROM = 20_000  # below this, starting processes costs more than it saves


class DraftRulesInvalid(ServiceError):
    """The draft (or the current) rules do not load; ``problems`` say file, line and fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- the report ---------------------------------------------------------------------


@dataclass
class ClauseChange:
    """One clause's outcome changes: households for which it is now met / no longer met.

    For eligibility clauses ``gained`` and ``lost`` count the households whose
    overall eligibility changed with it.
    """

    clause: str
    title: str
    now_met: int = 0
    no_longer_met: int = 0
    gained: int = 0
    lost: int = 0

    def merge(self, other: ClauseChange) -> None:
        self.now_met += other.now_met
        self.no_longer_met += other.no_longer_met
        self.gained += other.gained
        self.lost += other.lost

    def to_json(self, eligibility: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"clause": self.clause, "title": self.title}
        if eligibility:
            data |= {
                "now_met": self.now_met,
                "no_longer_met": self.no_longer_met,
                "households_gaining": self.gained,
                "households_losing": self.lost,
            }
        else:
            data |= {"now_made": self.now_met, "no_longer_made": self.no_longer_met}
        return data


@dataclass(frozen=True)
class HouseholdChange:
    """A household whose recommended total differs under the draft."""

    household_id: uuid.UUID
    reference: str
    visit_date: date
    current_pence: int
    draft_pence: int
    current_eligible: bool
    draft_eligible: bool

    @property
    def difference_pence(self) -> int:
        return self.draft_pence - self.current_pence

    def to_json(self) -> dict[str, Any]:
        return {
            "household_id": str(self.household_id),
            "reference": self.reference,
            "visit_date": self.visit_date.isoformat(),
            "current_total_pence": self.current_pence,
            "draft_total_pence": self.draft_pence,
            "difference_pence": self.difference_pence,
            "current_eligible": self.current_eligible,
            "draft_eligible": self.draft_eligible,
        }


@dataclass
class ImpactReport:
    """The difference the draft makes, over every household's latest visit."""

    households: int = 0
    evaluated: int = 0
    no_visit: int = 0
    before_rules: int = 0  # visit before the first version of both rule sets
    invalid: int = 0  # stored facts the domain model refuses (reported, never guessed)
    gained_eligibility: int = 0
    lost_eligibility: int = 0
    eligibility: dict[str, ClauseChange] = field(default_factory=dict)
    referrals: dict[str, ClauseChange] = field(default_factory=dict)
    changed: list[HouseholdChange] = field(default_factory=list)
    current_spend_pence: int = 0
    draft_spend_pence: int = 0
    current_versions: list[str] = field(default_factory=list)
    draft_versions: list[str] = field(default_factory=list)

    @property
    def spend_change_pence(self) -> int:
        return self.draft_spend_pence - self.current_spend_pence

    def merge(self, part: ImpactReport) -> None:
        for name in (
            "households",
            "evaluated",
            "no_visit",
            "before_rules",
            "invalid",
            "gained_eligibility",
            "lost_eligibility",
            "current_spend_pence",
            "draft_spend_pence",
        ):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        for mine, theirs in (
            (self.eligibility, part.eligibility),
            (self.referrals, part.referrals),
        ):
            for clause, change in theirs.items():
                if clause in mine:
                    mine[clause].merge(change)
                else:
                    mine[clause] = change
        self.changed.extend(part.changed)

    def eligibility_changes(self) -> list[ClauseChange]:
        """Clauses whose outcome changed for at least one household, in policy order."""
        return _changes(self.eligibility)

    def referral_changes(self) -> list[ClauseChange]:
        return _changes(self.referrals)

    def to_json(self) -> dict[str, Any]:
        return {
            "current_versions": self.current_versions,
            "draft_versions": self.draft_versions,
            "households": {
                "total": self.households,
                "evaluated": self.evaluated,
                "no_visit": self.no_visit,
                "visit_before_the_rules": self.before_rules,
                "facts_not_valid": self.invalid,
            },
            "eligibility": {
                "households_gaining": self.gained_eligibility,
                "households_losing": self.lost_eligibility,
                "by_clause": [c.to_json(eligibility=True) for c in self.eligibility_changes()],
            },
            "referrals": {"by_clause": [c.to_json(False) for c in self.referral_changes()]},
            "total_changes": [c.to_json() for c in self.changed],
            "spend": {
                "current_pence": self.current_spend_pence,
                "draft_pence": self.draft_spend_pence,
                "change_pence": self.spend_change_pence,
            },
        }

    def lines(self) -> list[str]:
        """The report as a readable table, for the terminal."""
        out = [
            f"Current rules: versions {', '.join(self.current_versions)}. "
            f"Draft: versions {', '.join(self.draft_versions)}.",
            f"Households: {self.households:,}. Latest visit evaluated: {self.evaluated:,}; "
            f"no visit: {self.no_visit:,}; visit before the rules: {self.before_rules:,}; "
            f"facts not valid: {self.invalid:,}.",
            "",
            f"Eligibility (part 4): {self.gained_eligibility:,} household(s) gain a cash award, "
            f"{self.lost_eligibility:,} lose one.",
        ]
        eligibility = self.eligibility_changes()
        if eligibility:
            out.append(
                f"  {'clause':<7} {'title':<44} {'now met':>8} {'no longer':>10} "
                f"{'gaining':>8} {'losing':>7}"
            )
            out += [
                f"  {c.clause:<7} {c.title[:44]:<44} {c.now_met:>8,} {c.no_longer_met:>10,} "
                f"{c.gained:>8,} {c.lost:>7,}"
                for c in eligibility
            ]
        referrals = self.referral_changes()
        out += ["", f"Referrals (part 7): {len(referrals)} clause(s) change."]
        if referrals:
            out.append(f"  {'clause':<7} {'service':<44} {'now made':>8} {'no longer':>10}")
            out += [
                f"  {c.clause:<7} {c.title[:44]:<44} {c.now_met:>8,} {c.no_longer_met:>10,}"
                for c in referrals
            ]
        out += ["", f"Recommended total changes for {len(self.changed):,} household(s)."]
        if self.changed:
            out.append(
                f"  {'reference':<14} {'visit':<10} {'current':>12} {'draft':>12} "
                f"{'difference':>12}"
            )
            out += [
                f"  {c.reference:<14} {c.visit_date:%d/%m/%Y} {format_pence(c.current_pence):>12} "
                f"{format_pence(c.draft_pence):>12} {_signed(c.difference_pence):>12}"
                for c in self.changed
            ]
        out += [
            "",
            f"Total recommended spend: current {format_pence(self.current_spend_pence)}, "
            f"draft {format_pence(self.draft_spend_pence)}, "
            f"change {_signed(self.spend_change_pence)}.",
        ]
        return out


def _signed(pence: int) -> str:
    return ("+" if pence > 0 else "") + format_pence(pence)


def _changes(by_clause: dict[str, ClauseChange]) -> list[ClauseChange]:
    return [
        by_clause[c]
        for c in sorted_clauses(set(by_clause))
        if by_clause[c].now_met or by_clause[c].no_longer_met
    ]


# -- the rules --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFolders:
    """The folders each rule set is layered from, in order; picklable for worker processes."""

    current: tuple[Path, ...]
    draft: tuple[Path, ...]


def rule_folders(
    draft_dir: Path, base: Path | None = None, override: Path | None = None
) -> RuleFolders:
    """Current: shipped (+ the council's override). Draft: the same with ``draft_dir`` on top."""
    current = [base or default_rules_dir()]
    extra = override if override is not None else override_dir()
    if extra is not None:
        current.append(extra)
    return RuleFolders(tuple(current), (*current, draft_dir))


def _load(folders: Sequence[Path]) -> RuleSet:
    ruleset, problems = load_folders(folders)
    if ruleset is None:
        raise DraftRulesInvalid(problems)
    return ruleset


def load_rule_sets(folders: RuleFolders) -> tuple[RuleSet, RuleSet]:
    """Both rule sets, or :class:`DraftRulesInvalid` naming each file and line to fix."""
    if not folders.draft[-1].is_dir():
        raise DraftRulesInvalid([Problem(str(folders.draft[-1]), None, "no such folder")])
    return _load(folders.current), _load(folders.draft)


def identical_versions(current: RuleSet, draft: RuleSet) -> frozenset[str]:
    """The versions the draft leaves exactly as they are: the same policy file and the same
    parameters (compared as validated models, so a comment or layout change is nothing).

    A segment is compiled from the policy, the version in force and the clauses in force
    on its dates (``compile._segment``), so on a day when both rule sets have one of these
    versions in force, the current and draft segments give the same recommendation for
    any facts, and the draft need not be evaluated (:func:`compare`).
    """
    mine, theirs = current.sources, draft.sources  # as validated when loaded
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return frozenset()
    return frozenset(
        name for name, params in mine[1].items() if name in theirs[1] and theirs[1][name] == params
    )


# -- reading the store in bulk --------------------------------------------------------


def read_cases(store: Store, ids: IdRange = (None, None)) -> tuple[int, list[Case]]:
    """Every live household's latest visit in the id range (see ``facts_reader.read_cases``)."""
    with store.read() as session, _collecting_later():
        return facts_reader.read_cases(session, ids)


@contextlib.contextmanager
def _collecting_later() -> Iterator[None]:
    """No cyclic garbage collection while rows are read: they make only tuples, dicts and
    lists (no cycles), and each collection would walk every row read so far (reading a
    part of the store took twice as long with it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- comparing ------------------------------------------------------------------------


def _segment_on(day: date, rules: RuleSet) -> Segment | None:
    try:
        return rules.segment_for(day)
    except NoRulesInForce:
        return None


def compare(
    cases: Iterable[Case],
    current: RuleSet,
    draft: RuleSet,
    identical: Collection[str] = frozenset(),
) -> ImpactReport:
    """Evaluate each case under both rule sets and count the differences.

    ``identical``: versions the draft leaves as they are (:func:`identical_versions`);
    on a day when both rule sets have the same one of them in force, the current
    recommendation is the draft's too, so the draft is not evaluated.
    """
    report = ImpactReport()
    for case in cases:
        # Checked as the services and rules evaluate check them (checked_facts): every
        # date against this visit's own date, never the clock, under the version in force
        # on it (the current rules', else the draft's).
        day = _as_date(case[2][1])
        in_force, in_draft = _segment_on(day, current), _segment_on(day, draft)
        if in_force is None and in_draft is None:
            report.before_rules += 1
            continue
        try:
            facts = checked_facts(case_facts(case), current if in_force is not None else draft)
        except FactsRefused:
            report.invalid += 1
            continue
        if (
            in_force is not None
            and in_draft is not None
            and in_force.version.name == in_draft.version.name
            and in_force.version.name in identical
        ):
            before: Decided | None = decide_under(facts, [in_force])[0]
            after: Decided | None = before
        else:
            # The facts are derived once for both when the definitions are the same.
            decided = decide_under(facts, [s for s in (in_force, in_draft) if s is not None])
            before = decided[0] if in_force is not None else None
            after = decided[-1] if in_draft is not None else None
        report.evaluated += 1
        was_eligible = before is not None and before.eligible
        now_eligible = after is not None and after.eligible
        gained = now_eligible and not was_eligible
        lost = was_eligible and not now_eligible
        report.gained_eligibility += gained
        report.lost_eligibility += lost
        _count_clauses(
            report.eligibility,
            {c: (title, outcome is True) for c, title, outcome in before.eligibility}
            if before
            else {},
            {c: (title, outcome is True) for c, title, outcome in after.eligibility}
            if after
            else {},
            gained,
            lost,
        )
        _count_clauses(
            report.referrals,
            {c: (service, True) for c, service in before.referrals} if before else {},
            {c: (service, True) for c, service in after.referrals} if after else {},
            False,
            False,
        )
        was = before.total_pence if before is not None else 0
        now = after.total_pence if after is not None else 0
        report.current_spend_pence += was
        report.draft_spend_pence += now
        if was != now:
            report.changed.append(
                HouseholdChange(
                    facts.household.id,
                    case[0][1],
                    facts.visit.visit_date,
                    was,
                    now,
                    was_eligible,
                    now_eligible,
                )
            )
    return report


def _count_clauses(
    counts: dict[str, ClauseChange],
    before: dict[str, tuple[str, bool]],
    after: dict[str, tuple[str, bool]],
    gained: bool,
    lost: bool,
) -> None:
    if before == after:
        return
    for clause in before.keys() | after.keys():
        was = before.get(clause, ("", False))[1]
        now = after.get(clause, ("", False))[1]
        if was == now:
            continue
        change = counts.get(clause)
        if change is None:
            title = (after.get(clause) or before[clause])[0]
            change = counts[clause] = ClauseChange(clause, title)
        if now:
            change.now_met += 1
            change.gained += gained
        else:
            change.no_longer_met += 1
            change.lost += lost


# -- worker processes -----------------------------------------------------------------

# Spawned workers: the rules, loaded again in each (cases are read here and sent).
_worker_rules: tuple[RuleSet, RuleSet, frozenset[str]] | None = None


def _start_worker(folders: RuleFolders, identical: frozenset[str]) -> None:
    global _worker_rules
    _worker_rules = (*load_rule_sets(folders), identical)


def _ready() -> None:
    """A no-op task: submitting it starts a worker process."""


def _work(cases: list[Case]) -> ImpactReport:
    assert _worker_rules is not None, "the worker was started without its rules"
    return compare(cases, *_worker_rules)


def _chunks(cases: list[Case], size: int) -> Iterator[list[Case]]:
    for start in range(0, len(cases), size):
        yield cases[start : start + size]


# Forked workers: what they inherit from the process that forked them (the store, both
# rule sets, the identical versions), set just before the fork; and the process that
# last made the store's connections its own.
_forked: tuple[Store, RuleSet, RuleSet, frozenset[str]] | None = None
_forked_pid: int | None = None


def _work_part(ids: IdRange) -> ImpactReport:
    """In a forked worker: read one part of the store and compare it."""
    global _forked_pid
    assert _forked is not None, "the worker was forked without its store and rules"
    store, current, draft, identical = _forked
    if _forked_pid != os.getpid():
        # The parent's pooled connections must not be used (nor closed) here: SQLite
        # and PostgreSQL connections are not shared across fork. This process opens its own.
        store.engine.dispose(close=False)
        _forked_pid = os.getpid()
    return _read_and_compare(store, ids, current, draft, identical)


def _read_and_compare(
    store: Store, ids: IdRange, current: RuleSet, draft: RuleSet, identical: frozenset[str]
) -> ImpactReport:
    part, cases = read_in_force(store, ids, _first_day(current, draft))
    part.merge(compare(cases, current, draft, identical))
    return part


def read_in_force(store: Store, ids: IdRange, first: date) -> tuple[ImpactReport, list[Case]]:
    """The cases in ``ids`` whose latest visit is on or after ``first`` (the first version
    of either rule set), and a report counting the part's households, those with no visit
    and those whose latest visit is before any rules: only counted, never read in full."""
    with store.read() as session, _collecting_later():
        read = facts_reader.read_cases_since(session, ids, first)
    counted = ImpactReport(
        households=read.households,
        no_visit=read.households - read.visited,
        before_rules=read.visited - len(read.cases),
    )
    return counted, read.cases


def _first_day(current: RuleSet, draft: RuleSet) -> date:
    return min(current.versions[0].in_force_from, draft.versions[0].in_force_from)


def fork_is_safe(store: Store) -> bool:
    """Whether worker processes may be forked from this one rather than spawned:
    where :func:`~caseworker.services.processes.fork_available`, and never for an
    in-memory database (a child could not reach it) nor inside a unit of work joined
    to a session (a child would read through that session's connection, the parent's).
    """
    return (
        fork_available()
        and store.engine.url.database not in (None, "", ":memory:")
        and store._joined_session() is None
    )


def policy_impact(
    store: Store,
    draft_dir: Path,
    *,
    base: Path | None = None,
    override: Path | None = None,
    workers: int | None = None,
    start: str | None = None,
) -> ImpactReport:
    """The difference ``draft_dir`` makes to every household's latest visit.

    ``workers``: processes sharing the evaluation. By default one per core for
    stores of ``PARALLEL_FROM`` households or more, else none (1: evaluate in
    this process). ``start``: how they are started, ``"fork"`` (each reads its
    own parts of the store) or ``"spawn"`` (this process reads the store and
    sends the cases); by default fork where :func:`fork_is_safe`. Raises
    :class:`DraftRulesInvalid`, before reading the store, if either rule set
    does not load.
    """
    global _forked
    folders = rule_folders(draft_dir, base, override)
    current, draft = load_rule_sets(folders)
    identical = identical_versions(current, draft)
    count = workers if workers is not None else default_workers()
    if workers is None and not _households_at_least(store, PARALLEL_FROM):
        count = 1
    if start is None:
        start = "fork" if fork_is_safe(store) else "spawn"
    report = ImpactReport()
    if count <= 1:
        report.merge(_read_and_compare(store, (None, None), current, draft, identical))
    elif start == "fork":
        _forked = (store, current, draft, identical)
        try:
            with forked_pool(count) as pool:
                for part in pool.map(_work_part, id_ranges(FORK_PARTS)):
                    report.merge(part)
        finally:
            _forked = None
    else:
        report = _spawned(store, folders, current, draft, identical, count)
    report.current_versions = [v.name for v in current.versions]
    report.draft_versions = [v.name for v in draft.versions]
    report.changed.sort(key=lambda c: (c.reference, str(c.household_id)))
    return report


def _spawned(
    store: Store,
    folders: RuleFolders,
    current: RuleSet,
    draft: RuleSet,
    identical: frozenset[str],
    count: int,
) -> ImpactReport:
    """Spawned workers (each loads the rules) evaluate the cases this process reads."""
    report = ImpactReport()
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(folders, identical),
    ) as pool:
        # Start the processes (each loads the rules) while this one reads the store.
        for _ in range(count):
            pool.submit(_ready)
        pending = []
        # Read the store in parts and hand each part over at once, so the evaluation
        # starts while the rest is read.
        first = _first_day(current, draft)
        for ids in id_ranges(READ_PARTS):
            counted, in_force = read_in_force(store, ids, first)
            report.merge(counted)
            pending += [pool.submit(_work, chunk) for chunk in _chunks(in_force, CHUNK)]
        for future in pending:
            report.merge(future.result())
    return report


def _as_date(value: date | str) -> date:
    """A stored date: SQLite hands back its ISO text (see ``_raw``), PostgreSQL a date."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def _households_at_least(store: Store, count: int) -> bool:
    """Whether the store holds ``count`` live households or more: the scan stops at the
    ``count``-th (counting them all took about as long as loading both rule sets)."""
    with store.read() as session:
        found = session.exec(
            select(col(HouseholdRow.id))
            .where(col(HouseholdRow.archived).is_(False))
            .offset(count - 1)
            .limit(1)
        ).first()
        return found is not None


def report_json(report: ImpactReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=_plain)


def _plain(value: object) -> str:
    if isinstance(value, date | datetime | uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")
