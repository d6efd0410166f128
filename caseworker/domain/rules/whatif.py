"""What-if: the smallest change of the facts that would change an outcome.

For a failing eligibility clause, the failing tests of its condition say what
would have to hold (a threshold becomes "savings below £6,000.00 (now
£6,000.00)"; the stage names the smallest score rise). For an item cut by the
household cap, the room it needs is how much less in prior awards would
restore it, and the date on which enough earlier awards leave the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from caseworker.domain.money import format_pence
from caseworker.domain.rules.compile import Clause
from caseworker.domain.rules.derive import Derived, FactValue, days_text, long_date
from caseworker.domain.rules.facts import PriorAward
from caseworker.domain.rules.model import Limits
from caseworker.domain.rules.results import Cut, WhatIf


def clause_what_if(clause: Clause, d: Derived) -> WhatIf:
    """What would make a failing clause hold."""
    needed = clause.when.needed(d)
    return WhatIf(clause.clause, clause.facts, f"{needed} would meet clause {clause.clause}.")


def clause_changes(clause: Clause, d: Derived) -> list[dict[str, FactValue]]:
    """The changes :func:`clause_what_if` describes, as new fact values (one per option).

    Worked out on demand (a test applies them), not on every evaluation.
    """
    return clause.when.changes(d)


def cap_what_if(
    cuts: Sequence[Cut],
    counted: Sequence[PriorAward],
    room: int,
    limits: Limits,
    window_days: int,
    d: Derived,
) -> list[WhatIf]:
    """For each cut item, the smallest drop in counted prior awards that gives it back.

    Cuts are made lowest priority first, so restoring an item also needs the
    room taken from every item cut after it (a higher priority one). Only
    awards that count towards the cap can be taken away, and no package
    exceeds ``package_max``: when that leaves the item short, the answer is
    how far it would rise; when nothing can raise it, there is no answer.
    """
    results = []
    prior = sum(a.amount_pence for a in counted)
    free = limits.household_cap - prior  # room before 6.2's package maximum
    best_room = min(limits.household_cap, limits.package_max)  # with no counted awards
    reduced = sum(c.from_pence - c.to_pence for c in cuts)
    expiries = sorted((a.award_date + timedelta(days=window_days), a.amount_pence) for a in counted)
    for index, cut in enumerate(cuts):
        head = f"{cut.clause} {cut.item}"
        wanted = room + sum(c.from_pence - c.to_pence for c in cuts[index:])
        if wanted <= best_room:
            less, to = wanted - free, cut.from_pence
            text = (
                f"{format_pence(less)} less in approved awards in the {window_days} days "
                f"before the visit would restore {head} in full"
            )
        else:
            less = best_room - free
            if less <= 0:
                continue  # the package maximum already binds: fewer awards change nothing
            to = _after_cuts(cuts, index, reduced - (best_room - room))
            if to <= cut.to_pence:
                continue
            why = (
                f"a package is at most {format_pence(limits.package_max)} (6.2)"
                if limits.package_max < limits.household_cap
                else f"only {format_pence(prior)} of approved awards counts towards the cap"
            )
            text = (
                f"{format_pence(less)} less in approved awards in the {window_days} days "
                f"before the visit would raise {head} to {format_pence(to)} "
                f"(now {format_pence(cut.to_pence)}); it cannot be restored in full: {why}"
            )
        freed = 0
        for day, amount in expiries:
            freed += amount
            if freed >= less:
                text += (
                    f"; enough earlier awards leave the window on {long_date(day)}"
                    f" ({days_text((day - d.visit_date).days)} after this visit)"
                )
                break
        change = ((("counted_prior_awards_pence", prior - less),),)
        results.append(WhatIf(cut.clause, ("prior_awards",), text + ".", change, to))
    return results


def _after_cuts(cuts: Sequence[Cut], index: int, excess: int) -> int:
    """The amount of ``cuts[index]`` once ``excess`` is cut, lowest priority first."""
    for cut in cuts[:index]:
        excess -= min(cut.from_pence, excess)
    return cuts[index].from_pence - min(cuts[index].from_pence, excess)
