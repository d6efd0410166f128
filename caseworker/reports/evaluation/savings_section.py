"""The PDF's savings section: gross and net side by side with a range, social value apart,
and where every unit value, factor and deflator comes from.
"""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from caseworker.reports.common import Styles
from caseworker.reports.evaluation.pdf_tables import section, titled
from caseworker.reports.fonts import markup
from caseworker.services import evaluation as ev
from caseworker.services.evaluation import EvaluationFigures, Figure, Kind, present
from caseworker.services.evaluation.savings import SavingsLine
from caseworker.services.evaluation.unit_costs import KIND_LABELS

TITLE = "Estimated savings: gross and net"
# Label, count, unit value, gross, net low, central, high.
LINE_SHARES = (0.26, 0.07, 0.13, 0.15, 0.13, 0.13, 0.13)


def _pounds(pence: int) -> str:
    return present(Figure(pence, Kind.MONEY))


def _percent(share: object) -> str:
    return f"{float(str(share)) * 100:g}%"


def _source_of(styles: Styles, line: SavingsLine, figures: EvaluationFigures) -> Flowable:
    unit, s = line.unit, figures.savings
    stated = f"{_pounds(unit.pence)} in {unit.price_year} prices"
    if unit.price_year != s.price_year:
        index = s.deflators.index
        stated += (
            f", {_pounds(line.unit_pence)} in {s.price_year} prices (GDP deflator "
            f"{index[s.price_year]} / {index[unit.price_year]})"
        )
    bound = f" <b>{unit.bound_label.capitalize()}.</b>" if unit.bound else ""
    late = (
        f" <b>Check:</b> this figure stopped holding on {unit.valid_until:%-d %B %Y}, "
        "before the period ended; look for the newer one."
        if unit.out_of_date_on(figures.date_to)
        else ""
    )
    valid = unit.valid_text()
    valid = valid[0].upper() + valid[1:]
    return KeepTogether(
        [
            styles.bold(f"{ev.OUTCOME_LABELS[unit.outcome]}: {unit.name}, {stated}", styles.small),
            Paragraph(
                f"{markup(KIND_LABELS[unit.kind])}.{bound} {markup(valid)}. "
                f"Confidence grade {unit.confidence} (GMCA).{late}",
                styles.small,
            ),
            styles.para(f"Source: {unit.source}.", styles.small),
            styles.para(f"Note: {unit.note}", styles.small),
        ]
    )


def savings_section(
    s: Styles, figures: EvaluationFigures, tables: Mapping[str, ev.Table]
) -> list[Flowable]:
    """Gross and net with a range, social value apart, the factors, and every source."""
    sv = figures.savings
    out = section(s, TITLE)
    out.append(
        Paragraph(
            f"<b>ESTIMATES.</b> {markup(figures.unit_costs_label)} {markup(sv.factors.label)} "
            f"Every figure is in {sv.price_year} prices. The unit values come from "
            "resources/unit_costs.toml and the factors from resources/savings_factors.toml, "
            "which the council checks and edits.",
            s.note,
        )
    )
    out.append(KeepTogether(titled(s, tables["costs"], shares=LINE_SHARES)))
    out.append(KeepTogether(titled(s, tables["social_value"], shares=LINE_SHARES)))
    out += titled(s, tables["savings_factors"], 0.58)
    out += titled(s, tables["value"], 0.7)

    out.append(s.para("Where each factor comes from", s.h3))
    valued = {line.unit.outcome for line in sv.lines if line.unit.pence}
    for factors in (f for f in sv.factors.factor if f.outcome in valued):
        dw, at = factors.deadweight, factors.attribution
        out.append(
            s.para(
                f"{ev.OUTCOME_LABELS[factors.outcome]}: deadweight {_percent(dw.central)} "
                f"({_percent(dw.low)} to {_percent(dw.high)}), attribution "
                f"{_percent(at.central)} ({_percent(at.low)} to {_percent(at.high)}). "
                f"Source: {factors.source}",
                s.small,
            )
        )
    bias = sv.factors.optimism_bias
    grades = ", ".join(f"grade {g} {_percent(v)}" for g, v in sorted(bias.by_grade.items()))
    out.append(
        s.para(
            f"Optimism bias by confidence grade: {grades}. Source: {bias.source}. {bias.note}",
            s.small,
        )
    )
    out.append(
        s.para(
            f"Price year: {sv.price_year}. Deflators: {sv.deflators.series}. "
            f"Source: {sv.deflators.source}. {sv.deflators.release}.",
            s.small,
        )
    )

    out.append(s.para("Where each unit value comes from (estimates)", s.h3))
    out += [_source_of(s, line, figures) for line in sv.lines]
    return out
