"""The report's savings tables: gross and net side by side, with a range, and the factors.

Fiscal savings and social value are separate tables, and social value is never
in a savings total. Money resting on an outcome counted 1 to 4 times is
suppressed, and such outcomes are left out of the totals (their count could
be worked out from them), so a total is then an underestimate and says so.
"""

from __future__ import annotations

from caseworker.services.evaluation.disclosure import Figure, Kind, Table, count, money, table
from caseworker.services.evaluation.figures import EvaluationFigures
from caseworker.services.evaluation.savings import Savings, SavingsLine, Spread
from caseworker.services.evaluation.unit_costs import OUTCOME_LABELS, UnitCostKind

LEFT_OUT = (
    "Outcomes counted fewer than 5 times are left out of the totals, so that their count "
    "cannot be worked out from them; the totals are then an underestimate."
)
RANGE = (
    "Net = gross x (1 - deadweight) x attribution x (1 - optimism bias). Low takes the high "
    "deadweight, the low attribution and the higher optimism bias; high the reverse."
)


def line_label(line: SavingsLine) -> str:
    """The outcome and the unit cost's name, with its bound when it is not a central estimate."""
    label = f"{OUTCOME_LABELS[line.unit.outcome]}: {line.unit.name}"
    return f"{label} ({line.unit.bound_label})" if line.unit.bound else label


def _columns(price_year: str) -> list[str]:
    return [
        "Count",
        f"Unit value ({price_year} prices)",
        "Gross",
        "Net: low",
        "Net: central",
        "Net: high",
    ]


def _lines_table(key: str, title: str, s: Savings, kind: UnitCostKind, note: str) -> Table:
    rows: list[tuple[str, list[Figure]]] = []
    for line in s.of_kind(kind):
        net = line.net
        rows.append(
            (
                line_label(line),
                [
                    count(line.count),
                    Figure(line.unit_pence, Kind.MONEY),
                    money(line.gross_pence, line.count),
                    money(net.low, line.count),
                    money(net.central, line.count),
                    money(net.high, line.count),
                ],
            )
        )
    basis, total = s.basis(kind), s.net(kind)
    rows.append(
        (
            "Total (outcomes counted 5 times or more)",
            [
                Figure(None),  # one outcome can have two unit values: a count would mislead
                Figure(None, Kind.MONEY),
                money(s.gross_pence(kind), basis),
                money(total.low, basis),
                money(total.central, basis),
                money(total.high, basis),
            ],
        )
    )
    return table(key, title, "Outcome and unit value", _columns(s.price_year), rows, note=note)


def _percents(spread: Spread) -> list[Figure]:
    return [Figure(float(v * 100), Kind.PERCENT) for v in (spread.low, spread.central, spread.high)]


def factors_table(s: Savings) -> Table:
    """Each factor applied, as low, central and high percentages."""
    rows: list[tuple[str, list[Figure]]] = []
    for outcome in dict.fromkeys(line.unit.outcome for line in s.lines if line.unit.pence):
        factors = s.factors.for_outcome(outcome)
        assert factors is not None  # work_out_savings() checked every outcome has its factors
        label = OUTCOME_LABELS[outcome]
        rows.append((f"{label}: deadweight", _percents(factors.deadweight)))
        rows.append((f"{label}: attribution", _percents(factors.attribution)))
    for line in s.lines:
        if line.unit.pence:
            rows.append(
                (
                    f"{line.unit.name}: optimism bias (confidence grade {line.unit.confidence})",
                    _percents(line.optimism_bias),
                )
            )
    return table(
        "savings_factors",
        "Deadweight, attribution and optimism bias applied",
        "Factor",
        ["Low", "Central", "High"],
        rows,
        note="Deadweight: the share that would have happened anyway. Attribution: the share "
        "due to this scheme rather than other services. Optimism bias: by the unit value's "
        "confidence grade (GMCA guidance), low and high one grade better and weaker.",
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def savings_tables(f: EvaluationFigures) -> list[Table]:
    """The fiscal savings, the social value, the factors and savings against spend."""
    s = f.savings
    basis, net = s.basis("fiscal"), s.net("fiscal")
    gross = s.gross_pence("fiscal")

    def per_pound(pence: int) -> Figure:
        return Figure(_ratio(pence, f.reviewed_awards_pence), Kind.RATIO, f.reviews_done)

    return [
        _lines_table(
            "costs",
            f"Estimated costs avoided by public services, gross and net ({s.price_year} prices)",
            s,
            "fiscal",
            f"{RANGE} {LEFT_OUT}",
        ),
        _lines_table(
            "social_value",
            f"Social value (wellbeing values, {s.price_year} prices): not savings",
            s,
            "social",
            "Social value is what the gain in wellbeing is worth to the person (HACT wellbeing "
            "valuation). It is not money public services save, and is never added to the "
            f"savings above. {LEFT_OUT}",
        ),
        factors_table(s),
        table(
            "value",
            "Estimated costs avoided set against what was spent (estimates)",
            "Measure",
            ["Value"],
            [
                ("Estimated costs avoided, gross", [money(gross, basis)]),
                ("Estimated costs avoided, net: low", [money(net.low, basis)]),
                ("Estimated costs avoided, net: central", [money(net.central, basis)]),
                ("Estimated costs avoided, net: high", [money(net.high, basis)]),
                (
                    "Awarded in the packages reviewed in the period",
                    [money(f.reviewed_awards_pence, f.reviews_done)],
                ),
                ("Estimated costs avoided, gross, for each £1 awarded", [per_pound(gross)]),
                (
                    "Estimated costs avoided, net central, for each £1 awarded",
                    [per_pound(net.central)],
                ),
                ("Awards approved in the period", [money(f.approved_pence, f.approvals)]),
            ],
            note="The awards are in the prices of the day they were made; the savings in "
            f"{s.price_year} prices.",
        ),
    ]


def summary_rows(f: EvaluationFigures) -> list[tuple[str, list[Figure]]]:
    """The summary's savings lines: gross and the net range side by side, social apart."""
    s = f.savings
    basis, net = s.basis("fiscal"), s.net("fiscal")
    social = s.basis("social")
    return [
        (
            f"Estimated costs avoided (estimates), gross, {s.price_year} prices",
            [money(s.gross_pence("fiscal"), basis)],
        ),
        ("Estimated costs avoided, net: low", [money(net.low, basis)]),
        ("Estimated costs avoided, net: central", [money(net.central, basis)]),
        ("Estimated costs avoided, net: high", [money(net.high, basis)]),
        (
            "Social value, net central (wellbeing, not costs avoided)",
            [money(s.net("social").central, social)],
        ),
    ]
