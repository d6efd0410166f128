"""Clauses 6.2, 6.3 and 6.5: who may approve a package.

Shared by the engine (a fresh recommendation) and by officer adjustments, so
the route can never be worked out two different ways.
"""

from __future__ import annotations

from collections.abc import Sequence

from caseworker.domain.money import format_pence
from caseworker.domain.rules.results import Route


def decide_route(
    total_pence: int,
    officer_limit_pence: int,
    allowance_left_pence: int | None,
    exceptions: Sequence[str] = (),
) -> tuple[Route, str]:
    """The approval route and the sentence that explains it.

    The package is never above the package maximum here: the engine and the
    adjustments both keep it within the household cap's room, which is bounded
    by that maximum.
    """
    total = format_pence(total_pence)
    if total_pence <= 0:
        return "none", "No cash award, so nothing to approve."
    if exceptions:
        listed = ", ".join(exceptions)
        return "manager", f"6.5 A team manager must approve {total}: exception to {listed}."
    limit = format_pence(officer_limit_pence)
    if total_pence > officer_limit_pence:
        return (
            "manager",
            f"6.2 A team manager must approve {total}: above the officer limit {limit}.",
        )
    if allowance_left_pence is None:
        return (
            "manager",
            f"6.3 A team manager must approve {total}: the officer's allowance left is not known.",
        )
    left = format_pence(allowance_left_pence)
    if total_pence > allowance_left_pence:
        return (
            "manager",
            f"6.3 A team manager must approve {total}: "
            f"more than the officer's allowance left {left}.",
        )
    return (
        "officer",
        f"6.2 The officer can say yes today to {total}: within the officer limit {limit} "
        f"and the allowance left {left} (6.3).",
    )
