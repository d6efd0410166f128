"""The evaluation report as a PDF: its layout, sections and method notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
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
from caseworker.reports.evaluation.charts import (
    CAPITAL_SCORES,
    CAPITALS,
    HOUSEHOLDS,
    PACKAGES,
    REFERRALS,
    REFERRALS_MADE_AND_TAKEN_UP,
    REVIEWS,
    SPEND,
    SPEND_AGAINST_BUDGET,
    SPEND_BY_MONTH,
    capitals_chart,
    home_chart,
    outcomes_chart,
    packages_by_route_chart,
    packages_by_stage_chart,
    packages_by_status_chart,
    referrals_chart,
    report_tables,
    spend_against_budget_chart,
    spend_by_month_chart,
    visits_by_stage_chart,
)
from caseworker.reports.fonts import PRIMARY, bold_name, draw_string, markup
from caseworker.services import evaluation as ev
from caseworker.services.evaluation import (
    FEWER_THAN_5,
    EvaluationFigures,
    Figure,
    Kind,
    present,
)

TITLE = "Today's yes: evaluation report"
ANONYMISED = "Anonymised statistics: no names, addresses, postcodes, dates of birth or references"
_TOP = 24 * mm


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
