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
    ]
    for t in ev.anonymised_tables(figures):
        lines = [*t.rows, t.total] if t.total is not None else list(t.rows)
        for row in lines:
            for column, figure in zip(t.columns, row.cells, strict=True):
                measure = row.label if len(t.columns) == 1 else f"{row.label}: {column}"
                rows.append(
                    (t.title, measure + _CSV_UNITS.get(figure.kind, ""), present(figure, True))
                )
    for cost in figures.costs:
        unit = cost.unit
        name = f"{ev.OUTCOME_LABELS[unit.outcome]}: {unit.name}"
        rows += [
            (
                "Unit costs (estimates)",
                f"{name}: unit cost (£)",
                present(Figure(unit.pence, Kind.MONEY), True),
            ),
            ("Unit costs (estimates)", f"{name}: source", unit.source),
            ("Unit costs (estimates)", f"{name}: year", unit.year),
            ("Unit costs (estimates)", f"{name}: note", unit.note),
        ]
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
