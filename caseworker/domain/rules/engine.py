"""Evaluate one visit under the rules in force on its date (policy parts 3 to 7).

Pure: facts in, recommendation out. The steps follow the policy's order:
stage (part 3), eligibility (part 4, all must hold), items (part 5), the
household cap (6.1), the approval route (6.2, 6.3) and referrals (part 7,
whether or not there is a cash award). Nothing is guessed: an undecided clause
says which recorded fact it is waiting for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from caseworker.domain.money import format_pence
from caseworker.domain.rules.approval import decide_route
from caseworker.domain.rules.compile import Clause, Item, RuleSet, Segment, StageDecision
from caseworker.domain.rules.conditions import (
    Node,
    compile_eligibility,
    compile_referrals,
    unique,
)
from caseworker.domain.rules.derive import (
    KEYS,
    UNKNOWN,
    Derived,
    Missing,
    Tri,
    derive,
    derive_item_facts,
    long_date,
    missing_labels,
)
from caseworker.domain.rules.facts import COUNTED_STATUSES, Facts, PriorAward
from caseworker.domain.rules.results import (
    CapReduction,
    ClauseOutcome,
    Cut,
    Decided,
    ItemLine,
    ItemTerms,
    MissingFact,
    NotRecommended,
    Recommendation,
    Referral,
    WhatIf,
)
from caseworker.domain.rules.whatif import cap_what_if, clause_what_if

_Line = Any  # a clause's line and what goes with it (what-if, missing facts)
# A NamedTuple made with every field given: ``_made(Recommendation, (fields...))`` is
# ``Recommendation(fields...)`` without the call of its generated Python ``__new__``.
_made: Any = tuple.__new__


class _Gaps(dict[tuple[str, str | None], tuple[Missing, list[str]]]):
    """Unrecorded facts, grouped by field, with the clauses each one decides.

    A dict (field and member to the gap and its clauses): made without a Python
    ``__init__``, and empty for most visits.
    """

    __slots__ = ()

    def add(self, missing: Iterable[Missing], clause: str) -> None:
        for gap in missing:
            key = (gap.field, gap.member_id)
            entry = self.get(key)
            if entry is None:
                self[key] = (gap, [clause])
            elif clause not in entry[1]:
                entry[1].append(clause)

    def result(self) -> tuple[MissingFact, ...]:
        if not self:
            return ()
        return tuple(
            MissingFact(
                gap.field,
                gap.label,
                gap.member_id,
                tuple(clauses),
                f"{gap.label[0].upper()}{gap.label[1:]} not recorded: "
                f"needed to decide {', '.join(clauses)}.",
            )
            for gap, clauses in self.values()
        )


def evaluate(
    facts: Facts, rules: RuleSet, *, allowance_left_pence: int | None = None
) -> Recommendation:
    """Recommend a package for ``facts`` under the version in force on the visit date.

    ``allowance_left_pence`` (the officer's offline allowance left, 6.3)
    overrides ``facts.allowance_left_pence``. Raises
    :class:`~caseworker.domain.rules.compile.NoRulesInForce` for a visit
    before the first version. Each clause's explanation comes from the
    compiled policy's table (built once per distinct set of facts it reads);
    the result is the same as :func:`evaluate_reference`'s.
    """
    return _evaluate(facts, rules, allowance_left_pence, True)


def evaluate_reference(
    facts: Facts, rules: RuleSet, *, allowance_left_pence: int | None = None
) -> Recommendation:
    """:func:`evaluate`, building every explanation afresh (what the tables must match)."""
    return _evaluate(facts, rules, allowance_left_pence, False)


def _reasons(node: Node, d: Derived, outcome: bool, fresh: bool) -> list[str]:
    """Why ``node`` comes out as ``outcome``: its compiled closures, or (``fresh``, for
    :func:`evaluate_reference`) its methods, so the two are checked against each other."""
    return node.reasons(d, outcome) if fresh else node.because[outcome](d)


def _eligibility_met(clause: Clause, reasons: list[str]) -> _Line:
    """A part 4 clause's line when it is met, from the reasons it holds for."""
    # conditions.unique, in C: a dict's keys are the phrases once each, in order
    text = f"{clause.head}: met ({'; '.join(dict.fromkeys(reasons))})."
    return _made(ClauseOutcome, (clause.clause, clause.title, True, text)), None


def _eligibility_line(clause: Clause, d: Derived, outcome: Tri, fresh: bool = False) -> _Line:
    """A part 4 clause's line, and what would meet it if it fails."""
    head = clause.head
    if outcome:
        return _eligibility_met(clause, _reasons(clause.when, d, True, fresh))
    if outcome is None:
        missing = clause.when.missing(d)
        text = f"{head}: not decided ({missing_labels(missing)})."
        return ClauseOutcome(clause.clause, clause.title, outcome, text), tuple(missing)
    text = f"{head}: not met ({'; '.join(unique(_reasons(clause.when, d, False, fresh)))})."
    line = ClauseOutcome(clause.clause, clause.title, outcome, text)
    return line, clause_what_if(clause, d)


def _referral_line(clause: Clause, d: Derived, outcome: Tri, fresh: bool = False) -> _Line:
    """A part 7 referral that applies, or what it is waiting for (not decided)."""
    if outcome:
        return _referral_met(clause, _reasons(clause.when, d, True, fresh))
    return None, tuple(clause.when.missing(d))


def _referral_met(clause: Clause, reasons: list[str]) -> _Line:
    """A part 7 referral that applies, from the reasons its condition holds for."""
    because = "; ".join(dict.fromkeys(reasons))  # conditions.unique, in C
    return _made(Referral, (clause.clause, clause.title, f"{clause.head}: {because}.")), None


def decide(facts: Facts, rules: RuleSet) -> Decided:
    """:func:`evaluate`'s decisions alone: eligibility clause by clause, the referrals
    that apply and the package total, with no explanation built (the policy-change
    impact report counts these for every household). An eligible household's total
    is worked out by the steps :func:`evaluate`'s package takes (``_room``, ``_fit``)."""
    return decide_under(facts, [rules.segment_for(facts.visit.visit_date)])[0]


def decide_under(facts: Facts, segments: Sequence[Segment]) -> list[Decided]:
    """:func:`decide` for one visit under each of ``segments`` (a policy and its draft),
    deriving the facts once for consecutive segments with the same part 2 definitions."""
    found: list[Decided] = []
    d: Derived | None = None
    defined: object = None  # the definitions d was derived under
    items = False  # whether d holds the facts award items read (derive.ITEM_FACTS)
    for segment in segments:
        if d is None or segment.definitions != defined:
            d = derive(facts, segment.definitions, item_facts=segment.item_facts_early)
            defined = segment.definitions
            items = segment.item_facts_early
        elif segment.item_facts_early and not items:
            derive_item_facts(d)
            items = True
        _with_stage(d, segment)
        eligibility = tuple([(c.clause, c.title, c.check(d)) for c in segment.eligibility])
        eligible = True
        for _, _, outcome in eligibility:
            if outcome is not True:
                eligible = False
                break
        total = 0
        if eligible:
            if not items:
                derive_item_facts(d)
                items = True
            total = _package_total(facts, segment, d)
        referrals = tuple([(c.clause, c.title) for c in segment.referrals if c.check(d)])
        found.append(
            _made(Decided, (segment.version.name, eligible, eligibility, referrals, total))
        )
    return found


def _evaluate(
    facts: Facts, rules: RuleSet, allowance_left_pence: int | None, tabled: bool
) -> Recommendation:
    visit_date = facts.visit.visit_date
    segment = rules.segment_for(visit_date)
    d, decision = derive_with_stage(facts, segment)
    row = decision.row
    gaps = _Gaps()
    if row is None:
        gaps.add(decision.missing, "3")

    eligibility: list[ClauseOutcome] = []
    what_if: list[WhatIf] = []
    failed: list[str] = []  # not met or not decided
    if tabled:
        deciders = segment.deciders
        if deciders is None:
            deciders = _deciders(segment)
        deciders[0](d, gaps, eligibility, failed, what_if)
    else:
        for clause in segment.eligibility:
            outcome = clause.when.test(d)
            line, extra = _eligibility_line(clause, d, outcome, True)
            eligibility.append(line)
            if outcome is not True:
                failed.append(clause.clause)
                if outcome is None:
                    gaps.add(extra, clause.clause)
                else:
                    what_if.append(extra)
    eligible = not failed

    allowance = allowance_left_pence
    if allowance is None:
        allowance = facts.allowance_left_pence
    lines: tuple[ItemLine, ...] = ()
    skipped: list[NotRecommended] = []
    cap: CapReduction | None = None
    terms: tuple[ItemTerms, ...] = ()
    if eligible:
        if not segment.item_facts_early:
            derive_item_facts(d)
        lines, skipped, cap, terms = _package(facts, segment, d, gaps, what_if, not tabled)
    total = sum([line.amount_pence for line in lines]) if lines else 0
    if eligible:
        route, route_text = decide_route(total, segment.limits.officer_limit, allowance)
        if route == "manager" and allowance is None and total <= segment.limits.officer_limit:
            gaps.add([Missing("allowance_left_pence", "officer's allowance left")], "6.3")
    else:
        route = "none"
        route_text = _no_award(failed)

    referrals: list[Referral] = []
    if tabled:
        deciders[1](d, gaps, referrals)
    else:
        for clause in segment.referrals:
            outcome = clause.when.test(d)
            if outcome is False:
                continue
            referral, missing = _referral_line(clause, d, outcome, True)
            if outcome:
                referrals.append(referral)
            else:
                gaps.add(missing, clause.clause)

    result: Recommendation = _made(
        Recommendation,
        (
            segment.version.name,
            visit_date,
            row.stage if row else None,
            row.name if row else None,
            decision.text,
            eligible,
            tuple(eligibility),
            lines,
            tuple(skipped),
            cap,
            total,
            route,
            route_text,
            tuple(referrals),
            gaps.result() if gaps else (),
            tuple(what_if),
            allowance,
            segment.limits.officer_limit,
            terms,
        ),
    )
    return result


def _deciders(segment: Segment) -> Any:
    """The segment's eligibility and referral clauses, each part as one generated
    function (conditions.compile_eligibility, compile_referrals), made once."""
    segment.deciders = (
        compile_eligibility(segment.eligibility, _eligibility_line, _eligibility_met, KEYS),
        compile_referrals(segment.referrals, _referral_line, _referral_met, KEYS),
    )
    return segment.deciders


_NO_AWARD: dict[tuple[str, ...], str] = {}


def _no_award(failed: list[str]) -> str:
    """Why there is no cash award (one sentence per set of clauses, made once)."""
    key = tuple(failed)
    text = _NO_AWARD.get(key)
    if text is None:
        text = _NO_AWARD[key] = f"No cash award: {', '.join(failed)} not met or not decided."
    return text


def derive_with_stage(facts: Facts, segment: Segment) -> tuple[Derived, StageDecision]:
    """The named facts, the ``stage`` fact included (part 3), for one visit."""
    d = derive(facts, segment.definitions, item_facts=segment.item_facts_early)
    return d, _with_stage(d, segment)


def _with_stage(d: Derived, segment: Segment) -> StageDecision:
    """Set the ``stage`` fact of ``d`` under ``segment``'s stage table (part 3)."""
    decision = segment.decide_stage(d)
    row = decision.row
    if row is None:
        # Undecided: the stages the facts still allow, so a clause that holds for
        # each of them is decided (4.2 "stage 3 or 4" when it is 3 or 4).
        options = decision.options
        d.values["stage"] = (options[0], options[-1]) if options else UNKNOWN
        d.detail["stage"] = options
        d.missing["stage"] = decision.missing
    else:
        d.values["stage"] = (row.stage, row.stage)
        if "stage" in d.detail:  # undecided under another segment's table
            del d.detail["stage"], d.missing["stage"]
    return decision


def _package(
    facts: Facts,
    segment: Segment,
    d: Derived,
    gaps: _Gaps,
    what_if: list[WhatIf],
    fresh: bool = False,
) -> tuple[tuple[ItemLine, ...], list[NotRecommended], CapReduction, tuple[ItemTerms, ...]]:
    """Part 5 items, then 6.1: cut lowest priority first until the package fits."""
    amounts: dict[str, int] = {}
    reasons: dict[str, str] = {}
    conditions: dict[str, bool | None] = {}
    skipped = []
    for item in segment.items:
        outcome = item.when.test(d) if fresh else item.when.check(d)  # check: compiled
        conditions[item.clause] = outcome
        head = item.head
        if outcome is None:
            missing = item.when.missing(d)
            gaps.add(missing, item.clause)
            skipped.append(
                NotRecommended(
                    item.clause,
                    item.item,
                    None,
                    f"{head}: not decided ({missing_labels(missing)}).",
                )
            )
            continue
        if not outcome:
            because = "; ".join(unique(_reasons(item.when, d, False, fresh)))
            skipped.append(
                NotRecommended(
                    item.clause, item.item, False, f"{head}: not recommended ({because})."
                )
            )
            continue
        amount, note = _amount(item, d, gaps)
        amounts[item.clause] = amount
        reasons[item.clause] = ", ".join(unique(_reasons(item.when, d, True, fresh))) + note

    limits = segment.limits
    window = segment.definitions.award_window_days
    visit_date = d.visit_date
    counted, prior, room = _room(facts, segment, visit_date)
    before = sum(amounts.values())
    final, taken = _fit(amounts, room, segment.cut_order)
    cuts = []
    for item, amount, to in taken:
        change = f"reduced to {format_pence(to)}" if to else "removed"
        cuts.append(
            Cut(
                item.clause,
                item.item,
                amount,
                to,
                f"{item.clause} {item.item} {format_pence(amount)} {change} "
                "to fit the household cap (6.1).",
            )
        )
    if before > room:
        what_if.extend(cap_what_if(cuts, counted, room, limits, window, d))
    reduced = before - sum(final.values())
    cap_text = (
        f"6.1 Household cap {format_pence(limits.household_cap)}: {format_pence(prior)} "
        f"approved in the {window} days to {long_date(visit_date)} leaves "
        f"{format_pence(room)}"
    )
    if room < limits.household_cap - prior:
        cap_text += f" (a package is at most {format_pence(limits.package_max)}, 6.2)"
    cap_text += (
        f"; the package of {format_pence(before)} is reduced by {format_pence(reduced)}."
        if reduced
        else f"; the package of {format_pence(before)} fits."
    )
    cap = CapReduction(limits.household_cap, prior, room, before, reduced, tuple(cuts), cap_text)

    lines = []
    terms = []
    for item in segment.items:
        amount = final.get(item.clause, 0)
        terms.append(
            ItemTerms(item.clause, item.item, conditions[item.clause], amount, item.cap_pence)
        )
        if amount <= 0:
            continue
        text = f"{item.clause} {item.item} {format_pence(amount)}: {reasons[item.clause]}"
        if amount < amounts[item.clause]:
            text += (
                f", reduced from {format_pence(amounts[item.clause])} by the household cap (6.1)"
            )
        lines.append(
            ItemLine(
                item.clause, item.item, amount, amounts[item.clause], item.cap_pence, text + "."
            )
        )
    return tuple(lines), skipped, cap, tuple(terms)


def _room(facts: Facts, segment: Segment, visit_date: date) -> tuple[list[PriorAward], int, int]:
    """6.1 and 6.2: the prior awards that count towards the household cap (approved in
    the award window up to the visit), their sum, and the room left for this package."""
    limits = segment.limits
    earliest = visit_date - timedelta(days=segment.definitions.award_window_days - 1)
    counted = [
        a
        for a in facts.prior_awards
        if a.status in COUNTED_STATUSES and earliest <= a.award_date <= visit_date
    ]
    prior = sum(a.amount_pence for a in counted)
    return counted, prior, max(0, min(limits.household_cap - prior, limits.package_max))


def _fit(
    amounts: dict[str, int], room: int, cut_order: list[Item]
) -> tuple[dict[str, int], list[tuple[Item, int, int]]]:
    """6.1: cut lowest priority first until the package fits ``room``. The final amount
    of each item, and each cut as (item, amount before, amount after)."""
    excess = sum(amounts.values()) - room
    final = dict(amounts)
    taken: list[tuple[Item, int, int]] = []
    if excess > 0:
        for item in cut_order:
            amount = final.get(item.clause, 0)
            if excess <= 0 or amount == 0:
                continue
            take = min(amount, excess)
            final[item.clause] = amount - take
            excess -= take
            taken.append((item, amount, amount - take))
    return final, taken


def _package_total(facts: Facts, segment: Segment, d: Derived) -> int:
    """:func:`_package`'s total alone, by the same steps, with no sentence built."""
    amounts: dict[str, int] = {}
    gaps = _Gaps()
    for item in segment.items:
        if item.when.check(d):
            amounts[item.clause] = _amount(item, d, gaps)[0]
    final, _ = _fit(amounts, _room(facts, segment, d.visit_date)[2], segment.cut_order)
    return sum(final.values())


def _amount(item: Item, d: Derived, gaps: _Gaps) -> tuple[int, str]:
    """The stated need capped at the item's cap, and a note on the cap or a gap."""
    if item.amount_fact is None:
        return min(item.amount_pence, item.cap_pence), ""
    need = d.number(item.amount_fact)
    cap = item.cap_pence
    if need[0] >= cap:
        note = f", capped at {format_pence(cap)}" if need[0] > cap else ""
        return cap, note
    if need[1] is None:
        missing = list(d.missing.get(item.amount_fact, ()))
        gaps.add(missing, item.clause)
        return need[0], f"; it may be more ({missing_labels(missing)})"
    return need[0], ""
