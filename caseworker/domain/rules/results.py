"""What an evaluation returns: every line carries its clause and a plain-English reason.

Results are immutable NamedTuples rather than pydantic models: an officer's
laptop re-evaluates the package as the visit form is filled in, and the
benchmark asks for 40,000 evaluations a second, so building a result must cost
almost nothing (validation already happened on the way in). ``to_json`` gives
the documented JSON shape (money in integer pence) for the CLI, store and PDFs.
"""

from __future__ import annotations

from datetime import date
from operator import attrgetter
from typing import Any, Literal, NamedTuple

from caseworker.domain.money import format_pence

Route = Literal["officer", "manager", "none"]
Outcome = bool | None
_OUTCOME_TEXT = {True: "met", False: "not met", None: "not decided"}
# Every line's ``explanation``, read in C by ``map``: no list comprehension (a
# function made and called) per part of the result.
_EXPLANATION = attrgetter("explanation")


class ClauseOutcome(NamedTuple):
    """An eligibility clause (part 4) and whether it holds."""

    clause: str
    title: str
    outcome: Outcome
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "title": self.title,
            "outcome": _OUTCOME_TEXT[self.outcome],
            "explanation": self.explanation,
        }


class ItemLine(NamedTuple):
    """A recommended award item (part 5) after the household cap."""

    clause: str
    item: str
    amount_pence: int
    before_cap_pence: int
    item_cap_pence: int
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "item": self.item,
            "amount_pence": self.amount_pence,
            "before_cap_pence": self.before_cap_pence,
            "item_cap_pence": self.item_cap_pence,
            "explanation": self.explanation,
        }


class NotRecommended(NamedTuple):
    """An award item whose condition does not hold (False) or is not decided (None)."""

    clause: str
    item: str
    outcome: Outcome
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "item": self.item,
            "outcome": _OUTCOME_TEXT[self.outcome],
            "explanation": self.explanation,
        }


class Cut(NamedTuple):
    """One item reduced by the household cap (6.1); ``to_pence`` 0 means dropped."""

    clause: str
    item: str
    from_pence: int
    to_pence: int
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "item": self.item,
            "from_pence": self.from_pence,
            "to_pence": self.to_pence,
            "explanation": self.explanation,
        }


class CapReduction(NamedTuple):
    """Clause 6.1 applied to this package."""

    household_cap_pence: int
    prior_awards_pence: int
    room_pence: int
    package_before_pence: int
    reduced_by_pence: int
    cuts: tuple[Cut, ...]
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "household_cap_pence": self.household_cap_pence,
            "prior_awards_pence": self.prior_awards_pence,
            "room_pence": self.room_pence,
            "package_before_pence": self.package_before_pence,
            "reduced_by_pence": self.reduced_by_pence,
            "cuts": [c.to_json() for c in self.cuts],
            "explanation": self.explanation,
        }


class Referral(NamedTuple):
    clause: str
    service: str
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {"clause": self.clause, "service": self.service, "explanation": self.explanation}


class MissingFact(NamedTuple):
    """A fact that was not recorded, the clauses it decides, and why it matters."""

    field: str
    label: str
    member_id: str | None
    clauses: tuple[str, ...]
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "member_id": self.member_id,
            "clauses": list(self.clauses),
            "explanation": self.explanation,
        }


class WhatIf(NamedTuple):
    """The smallest change of the facts that would change a clause's outcome.

    For the household cap, ``change`` says the same as the explanation in
    terms a test can apply (``counted_prior_awards_pence``: the approved
    awards counted towards the cap), and ``promised_pence`` the amount the
    item would then be. For a clause, ``whatif.clause_changes`` gives them.
    """

    clause: str
    facts: tuple[str, ...]
    explanation: str
    change: tuple[tuple[tuple[str, Any], ...], ...] = ()
    promised_pence: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"clause": self.clause, "facts": list(self.facts), "explanation": self.explanation}


class ItemTerms(NamedTuple):
    """What 6.5 needs to judge an officer's change to one item."""

    clause: str
    item: str
    condition: Outcome
    recommended_pence: int
    item_cap_pence: int


class Recommendation(NamedTuple):
    """The engine's answer for one visit (``to_json`` is the CLI's output)."""

    policy_version: str
    visit_date: date
    stage: int | None
    stage_name: str | None
    stage_explanation: str
    eligible: bool
    eligibility: tuple[ClauseOutcome, ...]
    items: tuple[ItemLine, ...]
    not_recommended: tuple[NotRecommended, ...]
    cap_reduction: CapReduction | None
    total_pence: int
    route: Route
    route_explanation: str
    referrals: tuple[Referral, ...]
    missing_facts: tuple[MissingFact, ...]
    what_if: tuple[WhatIf, ...]
    allowance_left_pence: int | None
    officer_limit_pence: int
    terms: tuple[ItemTerms, ...] = ()

    @property
    def failed_clauses(self) -> list[str]:
        return [c.clause for c in self.eligibility if c.outcome is False]

    @property
    def undecided_clauses(self) -> list[str]:
        return [c.clause for c in self.eligibility if c.outcome is None]

    def explanation_lines(self) -> list[str]:
        """Every line of the result in reading order, for the UI and the case PDF."""
        explanation = _EXPLANATION
        lines = [self.stage_explanation]
        lines += map(explanation, self.eligibility)
        if self.items:
            lines += map(explanation, self.items)
        if self.not_recommended:
            lines += map(explanation, self.not_recommended)
        if self.cap_reduction is not None:
            lines.append(self.cap_reduction.explanation)
            lines += map(explanation, self.cap_reduction.cuts)
        lines.append(_total_line(self.total_pence, self.route_explanation))
        if self.referrals:
            lines += map(explanation, self.referrals)
        if self.missing_facts:
            lines += map(explanation, self.missing_facts)
        if self.what_if:
            lines += map(explanation, self.what_if)
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "visit_date": self.visit_date.isoformat(),
            "stage": self.stage,
            "stage_name": self.stage_name,
            "stage_explanation": self.stage_explanation,
            "eligible": self.eligible,
            "failed_clauses": self.failed_clauses,
            "undecided_clauses": self.undecided_clauses,
            "eligibility": [c.to_json() for c in self.eligibility],
            "items": [i.to_json() for i in self.items],
            "not_recommended": [n.to_json() for n in self.not_recommended],
            "cap_reduction": self.cap_reduction.to_json() if self.cap_reduction else None,
            "total_pence": self.total_pence,
            "route": self.route,
            "route_explanation": self.route_explanation,
            "allowance_left_pence": self.allowance_left_pence,
            "referrals": [r.to_json() for r in self.referrals],
            "missing_facts": [m.to_json() for m in self.missing_facts],
            "what_if": [w.to_json() for w in self.what_if],
            "explanation": self.explanation_lines(),
        }


class Decided(NamedTuple):
    """What a visit's recommendation decides, without a word of why.

    The policy-change impact report counts these for every household under two
    rule sets and prints no explanation; :func:`~caseworker.domain.rules.engine.decide`
    gives them without building the sentences (``evaluate`` would give the same).
    """

    policy_version: str
    eligible: bool
    eligibility: tuple[tuple[str, str, Outcome], ...]  # clause, title, outcome (part 4)
    referrals: tuple[tuple[str, str], ...]  # clause, service: the referrals that apply
    total_pence: int


_TOTAL_LINES: dict[tuple[int, str], str] = {}
_TOTAL_LINES_KEPT = 4096  # most households share a few (no award, the usual packages)


def _total_line(total_pence: int, route_explanation: str) -> str:
    """ "Total £0.00. No cash award: ...", made once per total and route sentence."""
    key = (total_pence, route_explanation)
    line = _TOTAL_LINES.get(key)
    if line is None:
        if len(_TOTAL_LINES) >= _TOTAL_LINES_KEPT:
            _TOTAL_LINES.clear()
        line = _TOTAL_LINES[key] = f"Total {format_pence(total_pence)}. {route_explanation}"
    return line
