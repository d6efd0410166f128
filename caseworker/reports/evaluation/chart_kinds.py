"""The kinds of chart the report draws (bar, pie, cumulative line), on ReportLab's charts."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from caseworker.reports.common import (
    BRAND,
    INK,
    SECONDARY,
    content_width,
)
from caseworker.reports.fonts import PRIMARY
from caseworker.services.evaluation import (
    FEWER_THAN_5,
    SUPPRESSED,
    WITHHELD,
    Figure,
    Kind,
    present,
)

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
