"""The evaluation report as a CSV (section, measure, value), for analysts' tools."""

from __future__ import annotations

import csv
from pathlib import Path

from caseworker.services import evaluation as ev
from caseworker.services.evaluation import (
    FEWER_THAN_5,
    SUPPRESSED,
    WITHHELD,
    EvaluationFigures,
    Figure,
    Kind,
    present,
)

_CSV_UNITS = {Kind.MONEY: " (£)", Kind.PERCENT: " (%)", Kind.RATIO: " (£ per £1)"}


def _plain(pence: int) -> str:
    return present(Figure(pence, Kind.MONEY), True)


def csv_rows(figures: EvaluationFigures) -> list[tuple[str, str, str]]:
    """The report as (section, measure, value) rows, values plain (1234.50, not £1,234.50)."""
    rows = [
        ("Report", "Period from", figures.date_from.isoformat()),
        ("Report", "Period to", figures.date_to.isoformat()),
        ("Report", "Overdue reviews counted on", figures.as_at.isoformat()),
        (
            "Report",
            "Small numbers",
            f"counts from 1 to 4 are shown as '{FEWER_THAN_5}'; money and averages resting on "
            f"1 to 4 records as '{SUPPRESSED}'; '{WITHHELD}' protects a small count from "
            "subtraction",
        ),
        ("Report", "Estimates", figures.unit_costs_label),
        ("Report", "Savings", figures.savings.factors.label),
        ("Report", "Price year", figures.savings.price_year),
    ]
    for t in ev.anonymised_tables(figures):
        lines = [*t.rows, t.total] if t.total is not None else list(t.rows)
        for row in lines:
            for column, figure in zip(t.columns, row.cells, strict=True):
                measure = row.label if len(t.columns) == 1 else f"{row.label}: {column}"
                rows.append(
                    (t.title, measure + _CSV_UNITS.get(figure.kind, ""), present(figure, True))
                )
    sv = figures.savings
    section = "Unit values (estimates)"
    for line in sv.lines:
        unit = line.unit
        name = f"{ev.OUTCOME_LABELS[unit.outcome]}: {unit.name}"
        rows += [
            (section, f"{name}: kind", unit.kind),
            (section, f"{name}: value as stated (£)", _plain(unit.pence)),
            (section, f"{name}: price year", unit.price_year),
            (section, f"{name}: value in {sv.price_year} prices (£)", _plain(line.unit_pence)),
            (section, f"{name}: valid from", unit.valid_from.isoformat()),
            (
                section,
                f"{name}: valid until",
                unit.valid_until.isoformat() if unit.valid_until else "",
            ),
            (section, f"{name}: bound", unit.bound or "central estimate"),
            (section, f"{name}: confidence grade (GMCA)", str(unit.confidence)),
            (section, f"{name}: source", unit.source),
            (section, f"{name}: note", unit.note),
        ]
    section = "Savings factors"
    for factors in sv.factors.factor:
        label = ev.OUTCOME_LABELS[factors.outcome]
        for name, spread in (
            ("deadweight", factors.deadweight),
            ("attribution", factors.attribution),
        ):
            for end in ("low", "central", "high"):
                rows.append((section, f"{label}: {name}, {end}", str(getattr(spread, end))))
        rows.append((section, f"{label}: source", factors.source))
    bias = sv.factors.optimism_bias
    for grade, share in sorted(bias.by_grade.items()):
        rows.append((section, f"Optimism bias, confidence grade {grade}", str(share)))
    rows.append((section, "Optimism bias: source", bias.source))
    rows.append((section, "GDP deflators", sv.deflators.series))
    rows.append((section, "GDP deflators: source", sv.deflators.source))
    rows.append((section, "GDP deflators: release", sv.deflators.release))
    for year, index in sorted(sv.deflators.index.items()):
        rows.append((section, f"GDP deflator {year}", str(index)))
    return rows


def write_evaluation_csv(figures: EvaluationFigures, path: Path) -> None:
    """Write the same anonymised figures as a CSV (section, measure, value) for analysts.

    UTF-8 with a byte-order mark, so that spreadsheet programs read "£" right.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["section", "measure", "value"])
            writer.writerows(csv_rows(figures))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
