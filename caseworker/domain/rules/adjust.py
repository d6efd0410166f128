"""Clause 6.5: the officer's changes to a recommended package.

Lowering or removing an item is free. Raising an item above its recommended
amount, or adding an item whose condition does not hold (or is not decided),
is an exception: it needs a written reason and sends the package to a team
manager. Nothing may go above the item's cap or the household cap's room.
The UI calls :func:`apply_adjustments` on every edit and shows ``problems``
beside the fields; a package with problems cannot be submitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from caseworker.domain.money import format_pence
from caseworker.domain.rules.approval import decide_route
from caseworker.domain.rules.results import Recommendation, Route

Change = Literal["unchanged", "lowered", "removed", "raised", "added"]


@dataclass(frozen=True, slots=True)
class Adjustment:
    """The officer sets item ``clause`` to ``amount_pence`` (0 removes it)."""

    clause: str
    amount_pence: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AdjustedItem:
    clause: str
    item: str
    amount_pence: int
    recommended_pence: int
    change: Change
    exception: bool
    reason: str
    explanation: str


@dataclass(frozen=True, slots=True)
class AdjustmentProblem:
    clause: str | None
    message: str


@dataclass(frozen=True, slots=True)
class AdjustedPackage:
    items: tuple[AdjustedItem, ...]
    total_pence: int
    route: Route
    route_explanation: str
    exceptions: tuple[str, ...]
    problems: tuple[AdjustmentProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def apply_adjustments(
    recommendation: Recommendation, adjustments: Sequence[Adjustment]
) -> AdjustedPackage:
    """The package after the officer's changes, its route and anything not allowed."""
    terms = {t.clause: t for t in recommendation.terms}
    problems: list[AdjustmentProblem] = []
    if not recommendation.eligible:
        failed = ", ".join(c.clause for c in recommendation.eligibility if c.outcome is not True)
        if adjustments:
            problems.append(
                AdjustmentProblem(
                    None, f"No cash award is possible: {failed} not met or not decided."
                )
            )
        route, route_text = decide_route(0, recommendation.officer_limit_pence, None)
        return AdjustedPackage((), 0, route, route_text, (), tuple(problems))
    wanted = {t.clause: t.recommended_pence for t in recommendation.terms}
    reasons: dict[str, str] = {}
    for adj in adjustments:
        if adj.clause not in terms:
            problems.append(AdjustmentProblem(adj.clause, f"{adj.clause} is not an award item."))
        elif adj.amount_pence < 0:
            problems.append(AdjustmentProblem(adj.clause, "The amount must not be negative."))
        else:
            wanted[adj.clause] = adj.amount_pence
            reasons[adj.clause] = adj.reason.strip()

    items = []
    exceptions = []
    for clause, term in terms.items():
        amount = wanted[clause]
        recommended = term.recommended_pence
        head = f"{clause} {term.item}"
        reason = reasons.get(clause, "")
        change: Change = "unchanged"
        exception = False
        if amount > recommended:
            exception = True
            change = "raised" if recommended else "added"
            if not reason:
                problems.append(
                    AdjustmentProblem(clause, f"{head}: an exception needs a written reason (6.5).")
                )
            if amount > term.item_cap_pence:
                problems.append(
                    AdjustmentProblem(
                        clause,
                        f"{head}: at most {format_pence(term.item_cap_pence)}, "
                        "the item's cap (6.5).",
                    )
                )
        elif amount < recommended:
            change = "lowered" if amount else "removed"
        if amount == 0 and change == "unchanged":
            continue
        if exception:
            exceptions.append(clause)
        items.append(
            AdjustedItem(
                clause,
                term.item,
                amount,
                recommended,
                change,
                exception,
                reason,
                _explain(head, change, amount, recommended, term.condition, reason),
            )
        )

    total = sum(i.amount_pence for i in items)
    cap = recommendation.cap_reduction
    if cap is not None and total > cap.room_pence:
        problems.append(
            AdjustmentProblem(
                None,
                f"The package {format_pence(total)} is above the {format_pence(cap.room_pence)} "
                "left under the household cap (6.1).",
            )
        )
    route, route_text = decide_route(
        total, recommendation.officer_limit_pence, recommendation.allowance_left_pence, exceptions
    )
    return AdjustedPackage(
        tuple(items), total, route, route_text, tuple(exceptions), tuple(problems)
    )


def _explain(
    head: str, change: Change, amount: int, recommended: int, condition: bool | None, reason: str
) -> str:
    money, was = format_pence(amount), format_pence(recommended)
    because = f" Reason: {reason}" if reason else ""
    if change == "unchanged":
        return f"{head} {money}, as recommended."
    if change == "lowered":
        return f"{head} lowered by the officer from {was} to {money}."
    if change == "removed":
        return f"{head} removed by the officer (recommended {was})."
    if change == "raised":
        return f"{head} raised by the officer from {was} to {money}: an exception (6.5).{because}"
    why = "its condition does not hold" if condition is False else "its condition is not decided"
    if condition:
        why = "it was cut by the household cap"
    return f"{head} {money} added by the officer although {why}: an exception (6.5).{because}"
