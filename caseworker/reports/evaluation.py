"""The pilot's evaluation report: an anonymised PDF with tables and charts, and a CSV.

Both are made from ``services.evaluation.anonymised_tables``, so the PDF and the
CSV show the same figures with the same disclosure control (``present``): a
count from 1 to 4 reads "fewer than 5" in both, and a chart never draws a bar
the table does not show. Charts are ReportLab's own (``reportlab.graphics.charts``:
bar, line and pie charts), not painted by hand, so they stay vector and their
labels stay text. Nothing here reads the store: no name, address, postcode,
date of birth or case reference is ever at hand to print.

Each chart is a function returning a ReportLab ``Drawing`` (``CHARTS`` lists
them in reading order), so the manager dashboard shows the very charts the PDF
prints, as SVG (``chart_svg``), rather than a second set drawn another way.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caseworker import __version__
from caseworker.domain import clock
from caseworker.reports.common import (
    BRAND,
    INK,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    SECONDARY,
    SHADE,
    Styles,
    build,
    content_width,
    council,
    draw_logo,
    long_date,
)
from caseworker.reports.fonts import PRIMARY, bold_name, draw_string, markup, shipped_fonts
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

TITLE = "Today's yes: evaluation report"
ANONYMISED = "Anonymised statistics: no names, addresses, postcodes, dates of birth or references"
_TOP = 24 * mm
_PALETTE = [
    BRAND,
    colors.HexColor("#f47738"),  # GOV.UK orange
    colors.HexColor("#1d70b8"),  # blue
    colors.HexColor("#85994b"),  # green
    colors.HexColor("#912b88"),  # purple
    colors.HexColor("#b58840"),  # brown
    colors.HexColor("#d4351c"),  # red
]
CHART_FONT_SIZE = 7.5
_SHORT = {FEWER_THAN_5: "<5", SUPPRESSED: "<5", WITHHELD: "w"}
_CSV_UNITS = {Kind.MONEY: " (£)", Kind.PERCENT: " (%)", Kind.RATIO: " (£ per £1)"}


def period_text(figures: EvaluationFigures) -> str:
    return f"{long_date(figures.date_from)} to {long_date(figures.date_to)}"


# -- tables -------------------------------------------------------------------------------


class _Cells:
    """Cell styles: labels wrap on the left, figures sit on the right."""

    def __init__(self, s: Styles) -> None:
        self.label = s.cell
        self.label_bold = s.cell_bold
        self.figure = ParagraphStyle("figure", parent=s.cell, alignment=TA_RIGHT)
        self.figure_bold = ParagraphStyle("figureb", parent=s.cell_bold, alignment=TA_RIGHT)


def _grid(s: Styles, t: ev.Table, widths: Sequence[float]) -> Table:
    """An anonymised table as a ruled ReportLab table (header shaded, total in bold)."""
    cells = _Cells(s)
    data: list[list[Paragraph]] = [
        [Paragraph(markup(t.label_header), cells.label_bold)]
        + [Paragraph(markup(c), cells.figure_bold) for c in t.columns]
    ]
    rows = [*t.rows, t.total] if t.total is not None else list(t.rows)
    for row in rows:
        bold = row is t.total
        data.append(
            [Paragraph(markup(row.label), cells.label_bold if bold else cells.label)]
            + [
                Paragraph(markup(present(f)), cells.figure_bold if bold else cells.figure)
                for f in row.cells
            ]
        )
    style = [
        ("FONTNAME", (0, 0), (-1, -1), PRIMARY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
    ]
    if t.total is not None:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK))
    grid = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle(style))
    return grid


def _widths(t: ev.Table, label_share: float) -> list[float]:
    w = content_width()
    rest = (1 - label_share) * w / len(t.columns)
    return [label_share * w, *([rest] * len(t.columns))]


# -- charts -------------------------------------------------------------------------------


def chart_label(figure: Figure) -> str:
    """A bar's label: the table's text, shortened for what is not drawn (<5, w).

    Money is labelled in whole pounds and a bar of £0 is left unlabelled, so
    that the labels of a month chart do not run into each other.
    """
    text = present(figure)
    if text in _SHORT:
        return _SHORT[text]
    if figure.kind is Kind.MONEY:
        return f"£{float(figure.value or 0) / 100:,.0f}" if figure.value else ""
    return text


def _nice_step(top: float, integers: bool) -> float:
    """A round axis step (1, 2, 2.5 or 5 times a power of ten) giving about five gridlines."""
    if top <= 0:
        return 1.0
    raw = top / 5
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and (not integers or step == int(step)):
            return float(step)
    return 10 * magnitude


def _axis_format(kind: Kind) -> Callable[[float], str]:
    if kind is Kind.MONEY:
        return lambda v: f"£{v:,.0f}"
    if kind in (Kind.SCORE, Kind.CHANGE):
        return lambda v: f"{v:.1f}"
    return lambda v: f"{v:,.0f}"


def _plotted(figure: Figure) -> float:
    """Money is drawn in pounds; everything else as it is."""
    value = figure.plotted()
    return value / 100 if figure.kind is Kind.MONEY else value


def _style_axis_labels(axis: Any, size: float = CHART_FONT_SIZE) -> None:
    axis.labels.fontName = PRIMARY
    axis.labels.fontSize = size
    axis.labels.fillColor = INK
    axis.strokeColor = SECONDARY


def _legend(pairs: Sequence[tuple[Any, str]], x: float, y: float, columns: int = 1) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = PRIMARY
    legend.fontSize = CHART_FONT_SIZE
    legend.boxAnchor = "nw"
    legend.alignment = "right"
    legend.columnMaximum = max(1, -(-len(pairs) // columns))
    legend.dx = legend.dy = 7
    legend.deltay = 10
    legend.colorNamePairs = list(pairs)
    legend.strokeColor = None
    return legend


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose text starts in the shipped font (ReportLab's default, Helvetica,
    would be a font the PDF does not embed)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = PRIMARY
    drawing.initialFontSize = CHART_FONT_SIZE
    return drawing


def _caption(drawing: Drawing, text: str, y: float = 2) -> None:
    drawing.add(
        String(0, y, text, fontName=PRIMARY, fontSize=CHART_FONT_SIZE - 0.5, fillColor=SECONDARY)
    )


_NOT_DRAWN = "Bars labelled <5 (fewer than 5) or w (withheld) are not drawn."


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Figure]]],
    *,
    horizontal: bool = False,
    height: float = 150,
    width: float | None = None,
) -> Drawing:
    """Bars for one or more series of figures; each bar labelled with what the table shows.

    From the bottom up: a caption line, the legend (two series or more), the
    axis labels, then the chart, so that none of them overlap. ``width``
    defaults to the PDF page's text width.
    """
    width = width or content_width()
    kind = series[0][1][0].kind if series and series[0][1] else Kind.COUNT
    data = [[_plotted(f) for f in figures] for _name, figures in series]
    top = max((v for row in data for v in row), default=0.0)
    drawing = _drawing(width, height)
    y = 11.0  # the caption's line
    legend_top = y + 9
    if len(series) > 1:
        y = legend_top + 4
    chart: Any
    if horizontal:
        chart = HorizontalBarChart()
        label_width = max((stringWidth(c, PRIMARY, CHART_FONT_SIZE) for c in categories), default=0)
        chart.x = min(label_width + 10, width * 0.45)
        chart.y = y + 14
        chart.width = width - chart.x - 40
        chart.height = height - chart.y - 4
        chart.categoryAxis.reverseDirection = 1  # first category at the top, as in the table
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -4
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
    else:
        chart = VerticalBarChart()
        rotated = len(categories) > 24
        lines = max((c.count("\n") + 1 for c in categories), default=1)
        chart.x, chart.y = 42, y + (26 if rotated else 4 + 10 * lines)
        chart.width = width - chart.x - 6
        chart.height = height - chart.y - 12
        chart.barLabels.boxAnchor = "s"
        chart.barLabels.dy = 2
        if rotated:
            chart.categoryAxis.labels.angle = 30
            chart.categoryAxis.labels.boxAnchor = "ne"
            chart.categoryAxis.labels.dy = -2
    # A horizontal chart draws its series bottom up within each group; reversed, the
    # first series (the first in the legend) comes first, as it reads in the table.
    order = list(reversed(range(len(series)))) if horizontal else list(range(len(series)))
    chart.data = [data[i] for i in order]
    chart.categoryAxis.categoryNames = list(categories)
    _style_axis_labels(chart.categoryAxis)
    _style_axis_labels(chart.valueAxis)
    chart.valueAxis.valueMin = 0
    if kind is Kind.SCORE:  # scores always on their own scale, 0 to 3
        chart.valueAxis.valueStep, chart.valueAxis.valueMax = 0.5, 3
    else:
        step = _nice_step(top, integers=kind is Kind.COUNT)
        chart.valueAxis.valueStep = step
        chart.valueAxis.valueMax = max(step, top * 1.15)
    chart.valueAxis.labelTextFormat = _axis_format(kind)
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e5e5e5")
    chart.barLabelFormat = "values"
    # Many money bars have no room for their amounts (the table has them); the
    # marks for what is not drawn stay.
    crowded = kind is Kind.MONEY and len(categories) > 6

    def label(figure: Figure) -> str:
        text = chart_label(figure)
        return text if not crowded or text in _SHORT.values() else ""

    chart.barLabelArray = [[label(f) for f in series[i][1]] for i in order]
    chart.barLabels.fontName = PRIMARY
    chart.barLabels.fontSize = CHART_FONT_SIZE - 0.5
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for n, i in enumerate(order):
        chart.bars[n].fillColor = _PALETTE[i % len(_PALETTE)]
        chart.bars[n].strokeColor = None
    drawing.add(chart)
    if len(series) > 1:
        pairs = [(_PALETTE[i % len(_PALETTE)], name) for i, (name, _f) in enumerate(series)]
        drawing.add(_legend(pairs, chart.x, legend_top, columns=len(series)))
    if any(not f.shown and f.value for _n, figures in series for f in figures):
        _caption(drawing, _NOT_DRAWN)
    return drawing


def pie_chart(
    labels: Sequence[str], figures: Sequence[Figure], width: float, size: float = 64
) -> Drawing:
    """Shares of a whole, legend underneath; slices the table does not show are left out."""
    legend_height = 10 * len(labels) + 4
    drawing = _drawing(width, size + legend_height + 4)
    shown = [(i, f) for i, f in enumerate(figures) if f.shown and f.plotted() > 0]
    top = drawing.height
    if shown:
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 8, legend_height + 4, size, size
        pie.data = [f.plotted() for _i, f in shown]
        pie.labels = None
        pie.startAngle = 90
        pie.direction = "clockwise"
        pie.slices.strokeColor = colors.white
        pie.slices.strokeWidth = 1
        for n, (i, _f) in enumerate(shown):
            pie.slices[n].fillColor = _PALETTE[i % len(_PALETTE)]
        drawing.add(pie)
    else:
        _caption(drawing, "Nothing to draw: every count is 0 or fewer than 5.", y=top - 20)
    pairs = [
        (_PALETTE[i % len(_PALETTE)], f"{label}: {present(f)}")
        for i, (label, f) in enumerate(zip(labels, figures, strict=True))
    ]
    drawing.add(_legend(pairs, 0, legend_height))
    return drawing


def cumulative_chart(
    months: Sequence[str],
    approved: Sequence[Figure],
    budget_pence: int,
    height: float = 150,
    width: float | None = None,
) -> Drawing:
    """Approvals added up month by month, against the fund's budget.

    Months not shown in the table add nothing, so the line cannot give a
    suppressed month away; the caption says so.
    """
    width = width or content_width()
    running, total = [], 0.0
    for figure in approved:
        total += _plotted(figure)
        running.append(total)
    budget = budget_pence / 100
    series: list[tuple[str, list[float]]] = [("Approved, added up", running)]
    if budget > 0:
        series.append(("Fund budget", [budget] * len(months)))
    drawing = _drawing(width, height)
    chart = HorizontalLineChart()
    rotated = len(months) > 24
    lines = max((m.count("\n") + 1 for m in months), default=1)
    legend_top = 20.0
    chart.x, chart.y = 52, legend_top + 4 + (26 if rotated else 4 + 10 * lines)
    chart.width, chart.height = width - chart.x - 6, height - chart.y - 10
    chart.data = [values for _name, values in series]
    chart.categoryAxis.categoryNames = list(months)
    _style_axis_labels(chart.categoryAxis)
    _style_axis_labels(chart.valueAxis)
    if rotated:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    top = max([*running, budget, 0.0])
    step = _nice_step(top, integers=True)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = max(step, top * 1.1)
    chart.valueAxis.labelTextFormat = _axis_format(Kind.MONEY)
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e5e5e5")
    for i in range(len(series)):
        chart.lines[i].strokeColor = _PALETTE[i]
        chart.lines[i].strokeWidth = 1.6
    chart.lines[1].strokeDashArray = (4, 3)
    drawing.add(chart)
    pairs = [(_PALETTE[i], name) for i, (name, _v) in enumerate(series)]
    drawing.add(_legend(pairs, chart.x, legend_top, len(pairs)))
    if any(not f.shown and f.value for f in approved):
        _caption(drawing, "Months with fewer than 5 approvals (or withheld) add nothing here.")
    return drawing


# -- the report's charts, one function each: the PDF prints them, the dashboard shows them --

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


# -- the story ----------------------------------------------------------------------------


def _section(s: Styles, title: str) -> list[Flowable]:
    return [CondPageBreak(70 * mm), s.para(title, s.h2)]


def _titled(
    s: Styles, t: ev.Table, label_share: float = 0.62, shares: Sequence[float] = ()
) -> list[Flowable]:
    """A table under its title; ``shares`` of the width per column, if not even."""
    widths = [x * content_width() for x in shares] if shares else _widths(t, label_share)
    out: list[Flowable] = [s.para(t.title, s.h3), _grid(s, t, widths)]
    if t.note:
        out.append(s.para(t.note, s.small))
    return out


def _with_chart(s: Styles, t: ev.Table, chart: Drawing, share: float = 0.62) -> Flowable:
    return KeepTogether([*_titled(s, t, share), Spacer(1, 2 * mm), chart])


def _beside_pie(s: Styles, t: ev.Table, pie: Drawing) -> Flowable:
    """A table with its pie chart to the right: a pie needs little width, so it sits beside."""
    w = content_width()
    left, right = w * 0.6, w * 0.4
    grid = _grid(s, t, [left * 0.66, *([left * 0.34 / len(t.columns)] * len(t.columns))])
    layout = Table([[grid, pie]], colWidths=[left, right], hAlign="LEFT")
    layout.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), PRIMARY),  # else Helvetica, not embedded
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 12),
                ("LEFTPADDING", (1, 0), (1, 0), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([s.para(t.title, s.h3), layout])


def _captioned(title: str, s: Styles, chart: Drawing) -> Flowable:
    """A chart under its title, never split from it."""
    return KeepTogether([s.para(title, s.label), chart])


def _story(figures: EvaluationFigures, tables: dict[str, ev.Table]) -> list[Flowable]:
    s = Styles(9.5)
    story: list[Flowable] = [
        s.para(TITLE, s.title),
        s.para(f"{council().name}. Period: {period_text(figures)}.", s.h3),
        s.para(
            f"Made by Caseworker {__version__} on {long_date(clock.today())} from the records "
            "officers keep (policy part 8). Anonymised: the report holds no names, addresses, "
            "postcodes, dates of birth or case references. Any count from 1 to 4 is shown as "
            f"\u201c{FEWER_THAN_5}\u201d, and money or averages resting on so few records are "
            "suppressed; where a table has a total, one more cell is withheld so that a small "
            "count cannot be worked out by subtraction. Costs avoided are estimates.",
            s.note,
        ),
    ]
    story += _titled(s, tables["summary"], 0.7)
    f, ts = figures, tables

    story += _section(s, HOUSEHOLDS)
    story.append(
        s.para(
            "Households seen are the households with a visit in the period; the stage is the "
            "one the visit's four capitals assessment gives (policy part 3).",
            s.small,
        )
    )
    story.append(_with_chart(s, ts["visits_by_stage"], visits_by_stage_chart(f, ts)))

    story += _section(s, PACKAGES)
    story.append(
        s.para("Packages made at visits in the period, whatever happened to them since.", s.small)
    )
    story.append(_with_chart(s, ts["packages_by_stage"], packages_by_stage_chart(f, ts)))
    story.append(_beside_pie(s, ts["packages_by_route"], packages_by_route_chart(f, ts)))
    story.append(_with_chart(s, ts["packages_by_status"], packages_by_status_chart(f, ts)))

    story += _section(s, SPEND)
    story.append(
        s.para(
            "Awards approved in the period and still approved or paid (a withdrawn award gave "
            "its money back), by month of approval; paid is the part of them paid so far.",
            s.small,
        )
    )
    story += _titled(s, ts["fund"], 0.7)
    story += _titled(s, ts["spend_by_month"], 0.22)
    story.append(Spacer(1, 2 * mm))
    story.append(_captioned(SPEND_BY_MONTH, s, spend_by_month_chart(f, ts)))
    story.append(_captioned(SPEND_AGAINST_BUDGET, s, spend_against_budget_chart(f, ts)))

    story += _section(s, REFERRALS)
    story.append(
        s.para(
            "Referrals made at visits in the period (policy part 7), and the answers recorded at "
            "the reviews of the period: whether each referral was taken up.",
            s.small,
        )
    )
    story += _titled(s, ts["referrals"], 0.46)
    referrals = referrals_chart(f, ts)
    if referrals is not None:
        story.append(Spacer(1, 2 * mm))
        story.append(_captioned(REFERRALS_MADE_AND_TAKEN_UP, s, referrals))

    story += _section(s, REVIEWS)
    story.append(
        s.para(
            "Every approved package has a review 12 weeks (84 days) after approval. Outcomes are "
            "those recorded at the reviews of the period.",
            s.small,
        )
    )
    story += _titled(s, ts["reviews"], 0.7)
    story.append(_beside_pie(s, ts["home"], home_chart(f, ts)))
    story.append(_with_chart(s, ts["outcomes"], outcomes_chart(f, ts)))

    story += _section(s, CAPITALS)
    story += _titled(s, ts["capitals"], 0.28)
    story.append(Spacer(1, 2 * mm))
    story.append(_captioned(CAPITAL_SCORES, s, capitals_chart(f, ts)))
    story += _titled(s, ts["stage_movement"], 0.7)

    story += _costs(s, figures, tables)
    story += _method(s, figures)
    return story


def _costs(s: Styles, figures: EvaluationFigures, tables: dict[str, ev.Table]) -> list[Flowable]:
    out = _section(s, "Estimated costs avoided")
    out.append(
        Paragraph(
            f"<b>ESTIMATES.</b> {markup(figures.unit_costs_label)} Each outcome recorded at a "
            "review is multiplied by the unit costs below, from resources/unit_costs.toml, "
            "which the council checks and edits.",
            s.note,
        )
    )
    out += _titled(s, tables["costs"], shares=(0.44, 0.14, 0.18, 0.24))
    out += _titled(s, tables["value"], 0.7)
    out.append(s.para("Where each unit cost comes from (estimates)", s.h3))
    for cost in figures.costs:
        unit = cost.unit
        out.append(
            KeepTogether(
                [
                    s.bold(
                        f"{ev.OUTCOME_LABELS[unit.outcome]}: {unit.name}, "
                        f"{present(Figure(unit.pence, Kind.MONEY))} (estimate)",
                        s.small,
                    ),
                    s.para(f"Source: {unit.source}. Year: {unit.year}.", s.small),
                    s.para(f"Note: {unit.note}", s.small),
                ]
            )
        )
    return out


def _method(s: Styles, figures: EvaluationFigures) -> list[Flowable]:
    lines = [
        f"Period: {period_text(figures)}, both days included. Overdue reviews are counted "
        f"as at {long_date(figures.as_at)}.",
        "Households seen and visits: visits dated in the period, de-identified households "
        "included (their visits are kept for these statistics).",
        "Packages: made at visits in the period, by the stage of that visit, the approval "
        "route and their status now.",
        "Spend: awards approved in the period, still approved or paid, by month of approval. "
        "The budget is the team fund's for the financial years the period touches.",
        "Reviews: of packages still approved or paid. Overdue: due before the day above and not "
        "recorded by it, de-identified households left out (as in the officers' lists).",
        "Outcomes and the four capitals: reviews recorded in the period, each against the "
        "visit that led to its package.",
        f"Small numbers: a count from 1 to 4 is shown as \u201c{FEWER_THAN_5}\u201d; money, "
        "averages and shares resting on 1 to 4 records are suppressed. Where a table has a "
        "total and only one cell of a column is suppressed, the next smallest cell is withheld.",
        "Estimated costs avoided leave out outcomes counted fewer than 5 times, so that the "
        "count cannot be worked out from the cost; the total is then an underestimate.",
    ]
    return [*_section(s, "How the figures are counted"), *s.bullets(lines)]


def _page(figures: EvaluationFigures) -> Callable[[Canvas, BaseDocTemplate], None]:
    period = period_text(figures)

    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - 10 * mm
        width = draw_logo(canvas, MARGIN, top, 8 * mm)
        canvas.setFillColor(INK)
        draw_string(canvas, MARGIN + width + 3 * mm, top - 5.5 * mm, council().name, 9, bold=True)
        draw_string(
            canvas,
            PAGE_WIDTH - MARGIN,
            top - 5.5 * mm,
            f"Evaluation report, {period}",
            9,
            align="right",
        )
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, top - 10 * mm, PAGE_WIDTH - MARGIN, top - 10 * mm)
        canvas.setFillColor(SECONDARY)
        draw_string(canvas, MARGIN, 9 * mm, ANONYMISED, 8)
        canvas.restoreState()

    return draw


def write_evaluation_pdf(figures: EvaluationFigures, path: Path) -> None:
    """Write the anonymised evaluation report as a PDF at ``path`` (replaced atomically)."""
    tables = report_tables(figures)
    page = _page(figures)
    bold_name(0)  # register the bold face before the charts name it
    build(
        Path(path),
        _story(figures, tables),
        title=f"{TITLE}, {period_text(figures)}",
        subject="Anonymised figures of the Today's yes pilot, with estimated costs avoided",
        keywords=["Today's yes", "evaluation", "anonymised", "estimates"],
        first_page=page,
        later_pages=page,
        top_first=_TOP,
        top_later=_TOP,
    )


# -- CSV ----------------------------------------------------------------------------------


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
