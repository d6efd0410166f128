"""Turn validated rule files into a RuleSet: one compiled segment per period in force.

Everything that can be worked out before a visit is worked out here, once, at
start-up: which version and which clauses are in force over each period,
parameter references replaced by that version's values, type checks (money
compared with money, known facts only), the cap order. Problems carry the file
and line so a council can fix them; evaluation itself then has nothing left to
check.
"""

from __future__ import annotations

import bisect
import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from caseworker.domain.assessment import CAPITALS
from caseworker.domain.money import format_pence
from caseworker.domain.rules import model as m
from caseworker.domain.rules.conditions import (
    NUMBER_OPERATORS,
    AllOf,
    AnyOf,
    ClauseRef,
    ConstValue,
    Leaf,
    Node,
    NotOf,
    StageLeaf,
    compile_decide,
    reasons_key,
    unique,
)
from caseworker.domain.rules.derive import (
    FACTS,
    ITEM_FACTS,
    KEYS,
    Derived,
    Kind,
    Missing,
    Tri,
    missing_labels,
)
from caseworker.domain.rules.yamlsource import Path_, Problem, SourceMap

MAX_SCORE = 3
_NO_HIGHER = "no higher stage applies"
_SCORE_NAMES = tuple(f"{c}_score" for c in CAPITALS)
_scores = operator.itemgetter(*_SCORE_NAMES)
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
FileT = TypeVar("FileT", bound=m.RuleModel)


@dataclass(frozen=True)
class Loaded(Generic[FileT]):
    """A validated rule file with what is needed to point at its lines."""

    model: FileT
    data: object
    source: SourceMap

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        return self.source.problem(self.data, path, message)


@dataclass(frozen=True)
class Version:
    name: str
    in_force_from: date
    changes: str
    file: str


@dataclass(frozen=True)
class StageRow:
    stage: int
    name: str
    when: Node | None


@dataclass(frozen=True)
class StageDecision:
    """Part 3's answer: the row that matched (None if undecided) and why."""

    row: StageRow | None
    missing: tuple[Missing, ...]
    text: str
    options: tuple[int, ...] = ()  # when undecided: the stages the facts still allow


_MEMO_TRIAL = 512  # distinct explanations a clause keeps before the table is judged
# ... and the share of its look-ups it must have answered from what it held to stay: a
# miss costs only the key and the entry, a hit saves building the sentence.
_MEMO_HITS = 0.25
ExplainT = TypeVar("ExplainT")


@dataclass(frozen=True)
class Clause:
    """An eligibility clause or a referral."""

    clause: str
    title: str
    when: Node
    head: str = field(init=False)  # "4.4 Savings below the limit", made once
    facts: tuple[str, ...] = field(init=False)  # the facts its condition reads
    # Its explanations when not met and when met, by the facts' values and what
    # derive.KEYS says their descriptions read.
    memo: list[dict[object, object] | None] = field(init=False, compare=False, repr=False)
    uses: list[int] = field(init=False, compare=False, repr=False)
    check: Callable[[Derived], Tri] = field(init=False, compare=False, repr=False)
    # The facts whose explanation reads more than their value, with what it reads.
    keyed: tuple[tuple[str, Callable[[Derived, str], object]], ...] = field(
        init=False, compare=False, repr=False
    )
    key: Callable[[Derived], object] = field(init=False, compare=False, repr=False)
    # A "met" line reads only the reasons it holds (conditions.reasons_key).
    met_key: Callable[[Derived], object] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head", f"{self.clause} {self.title}")
        object.__setattr__(self, "facts", tuple(dict.fromkeys(self.when.facts())))
        object.__setattr__(self, "memo", [{}, {}])  # not met, met
        object.__setattr__(self, "uses", [0, 0])
        object.__setattr__(self, "check", self.when.check)
        keyed = tuple((n, KEYS[n]) for n in self.facts if n in KEYS)
        object.__setattr__(self, "keyed", keyed)
        object.__setattr__(self, "key", _table_key(self.facts, keyed))
        object.__setattr__(self, "met_key", reasons_key(self.when, True, KEYS))

    def run(
        self, d: Derived, build: Callable[[Clause, Derived, Tri], ExplainT]
    ) -> tuple[Tri, ExplainT]:
        """The outcome (:attr:`check`) and its explanation (:meth:`explain`) in one call."""
        outcome = self.check(d)
        return outcome, self.explain(d, build, outcome)

    def explain(
        self, d: Derived, build: Callable[[Clause, Derived, Tri], ExplainT], outcome: Tri
    ) -> ExplainT:
        """``build``'s explanation of ``outcome`` (from :attr:`check`), built once per key.

        The key is everything the explanation reads (derive.KEYS), so the
        table gives what ``build`` would. An undecided outcome names the
        household's own members, so it is always built. A "met" line is keyed
        by the reasons that hold only (conditions.reasons_key). A clause whose
        explanation names what nearly every household has its own of (a
        member's name, a sum of debts) gives up its table: when, after
        ``_MEMO_TRIAL`` distinct keys, fewer than ``_MEMO_HITS`` of its
        look-ups were answered from it, it only costs. A table that stays
        starts again empty, so none grows without bound.
        """
        if outcome is None:
            return build(self, d, outcome)
        index = 1 if outcome else 0  # a table per outcome: "met" names members, "not met" rarely
        memo = self.memo[index]
        if memo is None:
            return build(self, d, outcome)
        key = self.met_key(d) if outcome else self.key(d)
        self.uses[index] += 1
        found: Any = memo.get(key, memo)  # Any: typing.cast is a call on every look-up
        if found is memo:
            found = self.store(d, build, outcome, index, key)
        return found  # type: ignore[no-any-return]

    def store(
        self,
        d: Derived,
        build: Callable[[Clause, Derived, Tri], ExplainT],
        outcome: Tri,
        index: int,
        key: object,
    ) -> ExplainT:
        """A look-up that missed (already counted in :attr:`uses`): build, keep, judge."""
        found = build(self, d, outcome)
        memo = self.memo[index]
        assert memo is not None
        memo[key] = found
        if len(memo) >= _MEMO_TRIAL:
            uses = self.uses
            rare = uses[index] - len(memo) < _MEMO_HITS * uses[index]
            self.memo[index] = None if rare else {}
            uses[index] = 0
        return found

    def decider(
        self, build: Callable[[Clause, Derived, Tri], ExplainT], skip_false: bool = False
    ) -> Callable[[Derived], tuple[Tri, ExplainT | None]]:
        """:attr:`check` and :meth:`explain` as one generated function (see
        conditions.compile_decide): ``(outcome, explanation)``, the explanation
        ``None`` for a False outcome when ``skip_false`` (a referral that does
        not apply says nothing)."""
        return compile_decide(self, build, skip_false, KEYS)


def _table_key(
    facts: tuple[str, ...], keyed: tuple[tuple[str, Callable[[Derived, str], object]], ...]
) -> Callable[[Derived], object]:
    """What a clause's explanation reads: its facts' values, then what ``keyed`` reads."""
    if len(facts) == 1 and not keyed:
        (only,) = facts

        def value(d: Derived) -> object:
            return d.values.get(only)

        return value
    if len(facts) == 1 and len(keyed) == 1:
        name, fn = keyed[0]

        def value_and_detail(d: Derived) -> object:
            return (d.values.get(name), fn(d, name))

        return value_and_detail

    def values_and_details(d: Derived) -> object:
        found = d.values.get
        key: tuple[object, ...] = tuple([found(name) for name in facts])
        if keyed:
            key += tuple([fn(d, name) for name, fn in keyed])
        return key

    return values_and_details


@dataclass(frozen=True)
class Item:
    clause: str
    item: str
    when: Node
    amount_fact: str | None
    amount_pence: int
    cap_pence: int
    head: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head", f"{self.clause} {self.item}")


@dataclass
class Segment:
    """The version and clauses in force from ``starts`` until the next segment."""

    starts: date
    version: Version
    definitions: m.Definitions
    limits: m.Limits
    stages: list[StageRow]
    eligibility: list[Clause]
    items: list[Item]
    referrals: list[Clause]
    cut_order: list[Item] = field(default_factory=list)  # lowest priority first
    bounds: m.Bounds = field(default_factory=m.Bounds)  # what facts the version accepts
    item_facts_early: bool = True  # a stage, eligibility or referral rule reads an item fact
    # The default stage table reads only the four scores: its answers are memoised.
    scores_only: bool = False
    # Directory taxonomy terms each referral clause matches (policy ``directory_terms``).
    directory_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _stage_memo: dict[object, StageDecision] = field(default_factory=dict)
    _hint_memo: dict[object, str] = field(default_factory=dict)
    # The engine's generated clause functions (Clause.decider), made on first use.
    deciders: Any = field(default=None, compare=False, repr=False)

    def decide_stage(self, d: Derived) -> StageDecision:
        """Part 3: the first row that holds wins; an undecided row stops the search."""
        if not self.scores_only:
            return self._decide_stage(d)
        key = _scores(d.values)  # derive sets all four
        found = self._stage_memo.get(key)
        if found is None:
            found = self._stage_memo[key] = self._decide_stage(d)
        return found

    def _decide_stage(self, d: Derived) -> StageDecision:
        for row in self.stages:
            if row.when is None:
                return StageDecision(row, (), f"3 Stage {row.stage}, {row.name}: {_NO_HIGHER}.")
            result = row.when.test(d)
            if result:
                because = ", ".join(unique(row.when.because[True](d)))
                return StageDecision(row, (), f"3 Stage {row.stage}, {row.name}: {because}.")
            if result is None:
                missing = tuple(row.when.missing(d))
                options = self._possible_stages(d, row)
                text = (
                    f"3 Stage not decided ({_choices([str(s) for s in options])}): "
                    f"{missing_labels(missing)}."
                )
                return StageDecision(None, missing, text, options)
        raise AssertionError("the last stage row has no condition (checked when compiled)")

    def _possible_stages(self, d: Derived, undecided: StageRow) -> tuple[int, ...]:
        """The stages the recorded facts still allow, from the first undecided row on.

        Rows above it do not hold; it may hold; a later row may win only if it
        is not known to fail, and nothing after a row that holds can win.
        """
        found = [undecided.stage]
        rows = self.stages
        for row in rows[rows.index(undecided) + 1 :]:
            result = True if row.when is None else row.when.test(d)
            if result is False:
                continue
            found.append(row.stage)
            if result:
                break
        return tuple(sorted(found))

    def stage_hint(self, d: Derived, leaf: Leaf) -> str:
        """The smallest single score rise that would give a stage passing ``leaf``."""
        if not self.scores_only:
            return self._stage_hint(d, leaf)
        key = (id(leaf), _scores(d.values))
        found = self._hint_memo.get(key)
        if found is None:
            found = self._hint_memo[key] = self._stage_hint(d, leaf)
        return found

    def _stage_hint(self, d: Derived, leaf: Leaf) -> str:
        for rise in range(1, MAX_SCORE + 1):
            for capital in CAPITALS:
                name = f"{capital}_score"
                now, high = d.number(name)
                if high is None or now + rise > MAX_SCORE:
                    continue
                # Try it, then put it back; with texts of its own (the household's read
                # ``now``), since decide_stage keeps the decision for these scores.
                d.values[name], texts, d.texts = (now + rise, now + rise), d.texts, {}
                decision = self.decide_stage(d)
                d.values[name], d.texts = (now, now), texts
                stages = (decision.row.stage,) if decision.row else decision.options
                if stages and all(leaf.run((s, s), leaf.const) for s in stages):
                    return f" (for example {capital} score {now + rise}, now {now})"
        return ""


_DAYS_KEPT = 4096  # visit dates whose segment a RuleSet keeps (about 11 years of visits)


@dataclass
class RuleSet:
    """All versions, compiled; pick the segment in force on a visit date."""

    title: str
    versions: list[Version]
    segments: list[Segment]
    files: list[str]
    _starts: list[date] = field(default_factory=list)
    # The validated policy and versions (by name) it was compiled from: what a draft is
    # compared by (services.impact.identical_versions), without reading the files again.
    sources: tuple[m.PolicyFile, dict[str, m.ParametersFile]] | None = field(
        default=None, compare=False, repr=False
    )
    # Visit dates repeat (a year has 365): the segment of each date seen, kept while few.
    _by_day: dict[date, Segment] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = [s.starts for s in self.segments]

    def segment_for(self, day: date) -> Segment:
        found = self._by_day.get(day)
        if found is not None:
            return found
        index = bisect.bisect_right(self._starts, day) - 1
        if index < 0:
            first = self.versions[0]
            raise NoRulesInForce(
                f"no rules are in force on {day.isoformat()}: the first version "
                f"({first.name}) starts on {first.in_force_from.isoformat()}"
            )
        found = self.segments[index]
        if len(self._by_day) >= _DAYS_KEPT:
            self._by_day.clear()
        self._by_day[day] = found
        return found


class NoRulesInForce(ValueError):
    """The visit date is before the first version of the rules."""


def _in_force(rule: m.InForce, day: date) -> bool:
    return (rule.in_force_from is None or rule.in_force_from <= day) and (
        rule.withdrawn_from is None or day < rule.withdrawn_from
    )


def _choices(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


class _Compiler:
    """Compiles the policy against one version; collects problems and used parameters."""

    def __init__(
        self,
        policy: Loaded[m.PolicyFile],
        version: Loaded[m.ParametersFile],
        used: set[str],
        problems: list[Problem],
    ) -> None:
        self.policy = policy
        self.version = version
        self.params = version.model
        self.used = used
        self.problems = problems
        self.compiled: dict[str, Node] = {}

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(self.policy.problem(path, message))

    def condition(self, cond: m.Condition, path: Path_) -> Node:
        if isinstance(cond, m.AllOf):
            return AllOf([self.condition(c, (*path, "all", i)) for i, c in enumerate(cond.all)])
        if isinstance(cond, m.AnyOf):
            return AnyOf([self.condition(c, (*path, "any", i)) for i, c in enumerate(cond.any)])
        if isinstance(cond, m.NotOf):
            return NotOf(self.condition(cond.not_, (*path, "not")))
        if isinstance(cond, m.ClauseHolds):
            target = self.compiled.get(cond.clause_holds)
            if target is None:
                self.fail(
                    (*path, "clause_holds"),
                    f"clause {cond.clause_holds} must be in force and listed above this one",
                )
                return AllOf([])
            return ClauseRef(cond.clause_holds, target)
        return self.leaf(cond, path)

    def rule(self, clause: str, cond: m.Condition, path: Path_) -> Node:
        """Compile a clause's condition and make it available to later ``clause_holds``."""
        node = self.condition(cond, path)
        self.compiled[clause] = node
        return node

    def leaf(self, test: m.FactTest, path: Path_) -> Node:
        spec = FACTS.get(test.fact)
        fallback = AllOf([])  # placeholder after a reported problem; never evaluated
        if spec is None:
            close = difflib.get_close_matches(test.fact, FACTS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.fail((*path, "fact"), f"unknown fact '{test.fact}'{hint} (see docs/rules.md)")
            return fallback
        value = self.resolve(test.value, (*path, "value"))
        if value is None:
            return fallback
        const, text, error = _typed(spec.kind, test.operator, value, spec.name)
        if error:
            self.fail((*path, "value"), error)
            return fallback
        assert const is not None
        if spec.name == "stage":
            return StageLeaf(spec, test.operator, const, text)
        return Leaf(spec, test.operator, const, text)

    def resolve(self, value: m.Value, path: Path_) -> m.Value | None:
        if not isinstance(value, m.ParamRef):
            return value
        name = value.param
        p = self.params
        found: m.Value | None = None
        if name in p.amounts:
            found = format_pence(p.amounts[name])
        elif name in p.numbers:
            found = p.numbers[name]
        elif name in p.lists:
            found = p.lists[name]
        if found is None:
            self.undefined(name, path)
            return None
        self.used.add(name)
        return found

    def undefined(self, name: str, path: Path_) -> None:
        p = self.params
        close = difflib.get_close_matches(name, [*p.amounts, *p.numbers, *p.lists], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.fail(
            (*path, "param"),
            f"parameter '{name}' is not defined in version {p.version} "
            f"({self.version.source.file}){hint}",
        )

    def money_param(self, ref: m.ParamRef, path: Path_) -> int | None:
        if ref.param in self.params.amounts:
            self.used.add(ref.param)
            return self.params.amounts[ref.param]
        if ref.param not in (*self.params.numbers, *self.params.lists):
            self.undefined(ref.param, path)
            return None
        self.fail(
            (*path, "param"),
            f"'{ref.param}' must be one of the amounts of version {self.params.version}",
        )
        return None


def _typed(
    kind: Kind, op: m.Operator, value: m.Value, fact: str
) -> tuple[ConstValue | None, str, str]:
    """Check ``value`` suits the fact and operator; return (constant, how it reads, error)."""
    listed = op in (m.Operator.IN, m.Operator.NOT_IN)
    if kind is Kind.BOOL:
        if listed or op not in (m.Operator.EQUAL, m.Operator.NOT_EQUAL):
            return None, "", f"'{fact}' is true or false: use operator equal or not_equal"
        if not isinstance(value, bool):
            return None, "", f"'{fact}' is true or false: the value must be true or false"
        return value, str(value).lower(), ""
    if kind is Kind.TEXT:
        items = value if listed else [value]
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            what = "a list of words" if listed else "a word"
            return None, "", f"'{fact}' is text: the value must be {what}"
        words = [str(v).strip().upper() for v in items]
        if fact == "postcode_district":
            bad = [w for w in words if not _DISTRICT.match(w)]
            if bad:
                return None, "", f"'{bad[0]}' is not a postcode district; write it like SE15"
        return (frozenset(words) if listed else words[0]), _choices(words), ""
    if listed:
        if kind is Kind.MONEY or not isinstance(value, list):
            return None, "", f"'{fact}' is a {kind.value}: compare it with a single value"
        ints = [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if len(ints) != len(value):
            return None, "", f"'{fact}' is a number: the list must hold whole numbers"
        return frozenset(ints), _choices([str(v) for v in ints]), ""
    if op not in NUMBER_OPERATORS:  # pragma: no cover - every operator is covered above
        return None, "", f"operator {op} does not apply to '{fact}'"
    if kind is Kind.MONEY:
        if not isinstance(value, str):
            return None, "", f"'{fact}' is money: write the value like £750.00"
        try:
            pence = m.parse_money(value)
        except ValueError as exc:
            return None, "", f"'{fact}' is money: {exc}"
        return pence, format_pence(pence), ""
    if not isinstance(value, int) or isinstance(value, bool):
        return None, "", f"'{fact}' is a number: the value must be a whole number"
    return value, str(value), ""


def build_ruleset(
    policy: Loaded[m.PolicyFile], versions: Sequence[Loaded[m.ParametersFile]]
) -> tuple[RuleSet | None, list[Problem]]:
    """Compile ``policy`` against every version; ``None`` and problems if anything is wrong."""
    problems: list[Problem] = []
    ordered = sorted(versions, key=lambda v: v.model.in_force_from)
    if not ordered:
        return None, [Problem(policy.source.file, None, "no parameters version files found")]
    _check_versions(ordered, problems)
    first = ordered[0].model.in_force_from
    boundaries = {v.model.in_force_from for v in ordered}
    for rule in (*policy.model.eligibility, *policy.model.items, *policy.model.referrals):
        boundaries.update(d for d in (rule.in_force_from, rule.withdrawn_from) if d and d > first)
    used: dict[str, set[str]] = {v.model.version: set() for v in ordered}
    segments = []
    starts = [v.model.in_force_from for v in ordered]
    for day in sorted(boundaries):
        version = ordered[bisect.bisect_right(starts, day) - 1]
        compiler = _Compiler(policy, version, used[version.model.version], problems)
        segments.append(_segment(compiler, day))
    for version in ordered:
        _check_unused(version, used[version.model.version], problems)
    unique = list(dict.fromkeys(problems))
    if unique:
        return None, unique
    infos = [
        Version(v.model.version, v.model.in_force_from, v.model.changes, v.source.file)
        for v in ordered
    ]
    files = [policy.source.file, *(v.source.file for v in ordered)]
    sources = (policy.model, {v.model.version: v.model for v in ordered})
    return RuleSet(policy.model.title, infos, segments, files, sources=sources), []


def _check_versions(ordered: Sequence[Loaded[m.ParametersFile]], problems: list[Problem]) -> None:
    seen: dict[object, str] = {}
    for v in ordered:
        for key, label in ((v.model.version, "version"), (v.model.in_force_from, "in_force_from")):
            if (label, key) in seen:
                problems.append(
                    v.problem([label], f"{label} {key} is also used by {seen[(label, key)]}")
                )
            seen[(label, key)] = v.source.file
        names = [*v.model.amounts, *v.model.numbers, *v.model.lists]
        for name in {n for n in names if names.count(n) > 1}:
            problems.append(v.problem(["numbers", name], f"'{name}' is defined twice"))
        defs = v.model.definitions
        if defs.young_person_min_age > defs.young_person_max_age:
            problems.append(
                v.problem(["definitions", "young_person_min_age"], "must not be above the max age")
            )


def _check_unused(
    version: Loaded[m.ParametersFile], used: set[str], problems: list[Problem]
) -> None:
    model = version.model
    for section, names in (
        ("amounts", model.amounts),
        ("numbers", model.numbers),
        ("lists", model.lists),
    ):
        for name in names:
            if name not in used:
                problems.append(
                    version.problem(
                        [section, name],
                        f"'{name}' is not used by any rule in force in version {model.version}; "
                        "check its spelling or remove it",
                    )
                )


def _segment(c: _Compiler, day: date) -> Segment:
    policy = c.policy.model
    stages = []
    for i, row in enumerate(policy.stages):
        when = c.condition(row.when, ("stages", i, "when")) if row.when is not None else None
        stages.append(StageRow(row.stage, row.name, when))
    _check_stages(c, policy.stages)
    eligibility = [
        Clause(r.clause, r.title, c.rule(r.clause, r.when, ("eligibility", i, "when")))
        for i, r in enumerate(policy.eligibility)
        if _in_force(r, day)
    ]
    items = [
        item
        for i, r in enumerate(policy.items)
        if _in_force(r, day) and (item := _item(c, r, ("items", i))) is not None
    ]
    referrals = [
        Clause(r.clause, r.service, c.rule(r.clause, r.when, ("referrals", i, "when")))
        for i, r in enumerate(policy.referrals)
        if _in_force(r, day)
    ]
    segment = Segment(
        day,
        Version(c.params.version, c.params.in_force_from, c.params.changes, c.version.source.file),
        c.params.definitions,
        c.params.limits,
        stages,
        eligibility,
        items,
        referrals,
        bounds=c.params.bounds,
        directory_terms={
            r.clause: tuple(r.directory_terms) for r in policy.referrals if _in_force(r, day)
        },
    )
    _check_clauses(c, policy, day)
    in_force = {r.clause for r in policy.items if _in_force(r, day)}
    segment.cut_order = _cut_order(c, items, in_force)
    _attach_stage_hints(segment)
    early: list[Node] = [r.when for r in (*eligibility, *referrals)]
    early_facts = {f for node in early for f in node.facts()}
    segment.item_facts_early = not ITEM_FACTS.isdisjoint(early_facts)
    stage_facts = {f for row in stages if row.when is not None for f in row.when.facts()}
    segment.scores_only = stage_facts <= set(_SCORE_NAMES)
    return segment


def _item(c: _Compiler, rule: m.ItemRule, path: Path_) -> Item | None:
    when = c.rule(rule.clause, rule.when, (*path, "when"))
    cap = c.money_param(rule.cap, (*path, "cap")) if rule.cap is not None else None
    if isinstance(rule.amount, m.FactRef):
        spec = FACTS.get(rule.amount.fact)
        if spec is None or spec.kind is not Kind.MONEY:
            c.fail((*path, "amount", "fact"), f"'{rule.amount.fact}' is not a money fact")
            return None
        if rule.cap is None:
            c.fail(path, f"{rule.clause}: an amount taken from a fact needs a cap")
            return None
        return None if cap is None else Item(rule.clause, rule.item, when, spec.name, 0, cap)
    amount = c.money_param(rule.amount, (*path, "amount"))
    if amount is None:
        return None
    return Item(rule.clause, rule.item, when, None, amount, amount if cap is None else cap)


def _check_stages(c: _Compiler, rows: list[m.StageRow]) -> None:
    for i, row in enumerate(rows):
        if row.when is None and i != len(rows) - 1:
            c.fail(("stages", i + 1), "this row can never match: the row above has no 'when'")
    if rows[-1].when is not None:
        c.fail(("stages", len(rows) - 1), "the last stage row must have no 'when' (otherwise)")
    numbers = [r.stage for r in rows]
    for i, number in enumerate(numbers):
        if numbers.index(number) != i:
            c.fail(("stages", i, "stage"), f"stage {number} appears twice")


def _check_clauses(c: _Compiler, policy: m.PolicyFile, day: date) -> None:
    seen: set[str] = set()
    sections: list[tuple[str, Sequence[m.ClauseRule]]] = [
        ("eligibility", policy.eligibility),
        ("items", policy.items),
        ("referrals", policy.referrals),
    ]
    for section, rules in sections:
        for i, rule in enumerate(rules):
            if not _in_force(rule, day):
                continue
            if rule.clause in seen:
                c.fail(
                    (section, i, "clause"),
                    f"clause {rule.clause} is used twice for {day.isoformat()}; "
                    "give one of them in_force_from / withdrawn_from dates",
                )
            seen.add(rule.clause)


def _cut_order(c: _Compiler, items: list[Item], in_force: set[str]) -> list[Item]:
    """Items lowest priority first; ``in_force`` avoids a second report for a broken item."""
    priority = c.params.limits.cap_priority
    by_clause = {item.clause: item for item in items}
    path = ("limits", "cap_priority")
    for clause in priority:
        if clause not in in_force:
            c.problems.append(c.version.problem(path, f"{clause} is not an award item in force"))
    for clause in by_clause:
        if clause not in priority:
            c.problems.append(c.version.problem(path, f"add item {clause} to cap_priority"))
    if len(set(priority)) != len(priority):
        c.problems.append(c.version.problem(path, "an item appears twice in cap_priority"))
    return [by_clause[cl] for cl in reversed(priority) if cl in by_clause]


def _attach_stage_hints(segment: Segment) -> None:
    def visit(node: Node | None) -> None:
        if isinstance(node, Leaf) and node.name == "stage":
            node.stage_hint = segment.stage_hint
        elif isinstance(node, AllOf):
            for child in node.children:
                visit(child)
        elif isinstance(node, NotOf):
            visit(node.child)

    conditions: list[Node] = [r.when for r in segment.eligibility]
    conditions += [i.when for i in segment.items]
    conditions += [r.when for r in segment.referrals]
    for node in conditions:
        visit(node)
