"""The report's charts, one function each: the PDF prints them, the dashboard shows them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing

from caseworker.reports.common import (
    content_width,
)
from caseworker.reports.evaluation.chart_kinds import (
    bar_chart,
    cumulative_chart,
    pie_chart,
)
from caseworker.reports.fonts import bold_name, shipped_fonts
from caseworker.services import evaluation as ev
from caseworker.services.evaluation import (
    EvaluationFigures,
    Figure,
)

Tables = Mapping[str, ev.Table]
ChartBuilder = Callable[[EvaluationFigures, Tables, float | None], Drawing | None]

# The report's sections, in reading order (the dashboard groups its charts by them too).
HOUSEHOLDS = "Households and visits"
PACKAGES = "Packages"
SPEND = "Spend against the fund"
REFERRALS = "Referrals by service"
REVIEWS = "Reviews and outcomes"
CAPITALS = "The four capitals between visit and review"


def pie_width() -> float:
    """A pie sits beside its table in the PDF, in two fifths of the width."""
    return content_width() * 0.4 - 12


def report_tables(figures: EvaluationFigures) -> dict[str, ev.Table]:
    """The anonymised tables by key, as the charts below read them."""
    return {t.key: t for t in ev.anonymised_tables(figures)}


def _labels(t: ev.Table) -> list[str]:
    return [r.label for r in t.rows]


def _column(t: ev.Table, index: int) -> list[Figure]:
    return [r.cells[index] for r in t.rows]


def _month_names(figures: EvaluationFigures) -> list[str]:
    return [f"{m.month:%b}\n{m.month:%Y}" for m in figures.spend_by_month]


def visits_by_stage_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["visits_by_stage"]
    return bar_chart(_labels(t), [("Visits", _column(t, 0))], width=width)


def packages_by_stage_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["packages_by_stage"]
    return bar_chart(_labels(t), [("Packages", _column(t, 0))], width=width)


def packages_by_route_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["packages_by_route"]
    return pie_chart(_labels(t), _column(t, 0), width=width or pie_width())


def packages_by_status_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["packages_by_status"]
    return bar_chart(
        _labels(t), [("Packages", _column(t, 0))], horizontal=True, height=120, width=width
    )


SPEND_BY_MONTH = "Approved and paid by month"


def spend_by_month_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["spend_by_month"]
    return bar_chart(
        _month_names(figures),
        [("Approved", _column(t, 1)), ("Paid", _column(t, 2))],
        height=170,
        width=width,
    )


SPEND_AGAINST_BUDGET = "Approved so far against the fund budget"


def spend_against_budget_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["spend_by_month"]
    return cumulative_chart(
        _month_names(figures), _column(t, 1), figures.fund_budget_pence, width=width
    )


REFERRALS_MADE_AND_TAKEN_UP = "Referrals made and taken up"


def referrals_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing | None:
    """None when no referral was made or asked about: there is nothing to draw."""
    t = tables["referrals"]
    if not t.rows:
        return None
    return bar_chart(
        _labels(t),
        [("Made at visits", _column(t, 0)), ("Taken up", _column(t, 2))],
        horizontal=True,
        height=40 + 26 * len(t.rows),
        width=width,
    )


def home_chart(figures: EvaluationFigures, tables: Tables, width: float | None = None) -> Drawing:
    t = tables["home"]
    return pie_chart(_labels(t), _column(t, 0), width=width or pie_width())


def outcomes_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["outcomes"]
    return bar_chart(
        _labels(t), [("Count", _column(t, 0))], horizontal=True, height=125, width=width
    )


CAPITAL_SCORES = "Average score at the visit and at the review (0 to 3)"


def capitals_chart(
    figures: EvaluationFigures, tables: Tables, width: float | None = None
) -> Drawing:
    t = tables["capitals"]
    return bar_chart(
        _labels(t),
        [("At the visit", _column(t, 1)), ("At the review", _column(t, 2))],
        height=140,
        width=width,
    )


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the report: where it goes, the table it draws, how to draw it."""

    key: str
    section: str
    table: str  # the key of the table whose figures it draws
    title: str | None  # None: the table's own title (the PDF sets it under its table)
    build: ChartBuilder
    pie: bool = False  # drawn narrow, at ``pie_width``


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("visits_by_stage", HOUSEHOLDS, "visits_by_stage", None, visits_by_stage_chart),
    ChartSpec("packages_by_stage", PACKAGES, "packages_by_stage", None, packages_by_stage_chart),
    ChartSpec(
        "packages_by_route", PACKAGES, "packages_by_route", None, packages_by_route_chart, True
    ),
    ChartSpec("packages_by_status", PACKAGES, "packages_by_status", None, packages_by_status_chart),
    ChartSpec("spend_by_month", SPEND, "spend_by_month", SPEND_BY_MONTH, spend_by_month_chart),
    ChartSpec(
        "spend_against_budget",
        SPEND,
        "spend_by_month",
        SPEND_AGAINST_BUDGET,
        spend_against_budget_chart,
    ),
    ChartSpec("referrals", REFERRALS, "referrals", REFERRALS_MADE_AND_TAKEN_UP, referrals_chart),
    ChartSpec("home", REVIEWS, "home", None, home_chart, True),
    ChartSpec("outcomes", REVIEWS, "outcomes", None, outcomes_chart),
    ChartSpec("capitals", CAPITALS, "capitals", CAPITAL_SCORES, capitals_chart),
)


@dataclass(frozen=True)
class Chart:
    """A chart drawn for one period, with its title and the table it draws."""

    key: str
    section: str
    title: str
    table: ev.Table
    drawing: Drawing


def evaluation_charts(
    figures: EvaluationFigures, tables: Tables | None = None, width: float | None = None
) -> list[Chart]:
    """Every chart of the report in reading order; ``width`` for all but the pies.

    A chart with nothing to draw (no referrals at all) is left out, as in the PDF.
    """
    tables = tables if tables is not None else report_tables(figures)
    bold_name(0)  # the charts measure their labels in the shipped font: register it first
    charts = []
    for spec in CHARTS:
        drawing = spec.build(figures, tables, None if spec.pie else width)
        if drawing is not None:
            t = tables[spec.table]
            charts.append(Chart(spec.key, spec.section, spec.title or t.title, t, drawing))
    return charts


_FONT_STYLE = re.compile(r"font-family: ?(CW-Font\d+)(-Bold)?;")


def chart_svg(drawing: Drawing) -> str:
    """A chart as SVG text, for the screen.

    The clip goes in an attribute, not a ``clipPath`` (Qt's SVG renderer paints
    a clip path's rectangle as a black box), and the fonts by their real family
    names (DejaVu Sans), since "CW-Font0" means something only to ReportLab.
    """
    svg: str = renderSVG.drawToString(drawing, useClip=True)
    families = {font.name: font.label for font in shipped_fonts()}

    def family(match: re.Match[str]) -> str:
        name = families.get(match[1], match[1])
        return f"font-family: '{name}';" + (" font-weight: bold;" if match[2] else "")

    return _FONT_STYLE.sub(family, svg)
