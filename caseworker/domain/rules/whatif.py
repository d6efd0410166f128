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
from caseworker.domain.rules.derive import Derived, days_text, long_date
from caseworker.domain.rules.facts import PriorAward
from caseworker.domain.rules.model import Limits
from caseworker.domain.rules.results import Cut, WhatIf


def clause_what_if(clause: Clause, d: Derived) -> WhatIf:
    """What would make a failing clause hold."""
    needed = clause.when.needed(d)
    return WhatIf(clause.clause, clause.facts, f"{needed} would meet clause {clause.clause}.")


def cap_what_if(
    cuts: Sequence[Cut],
    counted: Sequence[PriorAward],
    room: int,
    limits: Limits,
    window_days: int,
    d: Derived,
) -> list[WhatIf]:
    """For each cut item, the extra room that would restore it in full.

    Cuts are made lowest priority first, so restoring an item also needs the
    room taken from every item cut after it (a higher priority one).
    """
    results = []
    prior_room = limits.household_cap - sum(a.amount_pence for a in counted)
    capped_by_package = room < prior_room
    expiries = sorted((a.award_date + timedelta(days=window_days), a.amount_pence) for a in counted)
    for index, cut in enumerate(cuts):
        extra = sum(c.from_pence - c.to_pence for c in cuts[index:])
        head = f"{cut.clause} {cut.item}"
        if capped_by_package:
            text = (
                f"{head} cannot be restored: a package is at most "
                f"{format_pence(limits.package_max)} (6.2)."
            )
        else:
            text = (
                f"{format_pence(extra)} less in approved awards in the {window_days} days "
                f"before the visit would restore {head} in full"
            )
            freed = 0
            for day, amount in expiries:
                freed += amount
                if freed >= extra:
                    text += (
                        f"; enough earlier awards leave the window on {long_date(day)}"
                        f" ({days_text((day - d.visit_date).days)} after this visit)"
                    )
                    break
            text += "."
        results.append(WhatIf(cut.clause, ("prior_awards",), text))
    return results
