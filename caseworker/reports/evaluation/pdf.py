"""The evaluation report as a PDF: its layout, sections and method notes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    KeepTogether,
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
    SECONDARY,
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
from caseworker.reports.evaluation.pdf_tables import grid, section, titled
from caseworker.reports.evaluation.savings_section import savings_section
from caseworker.reports.fonts import PRIMARY, bold_name, draw_string
from caseworker.services import evaluation as ev
from caseworker.services.evaluation import (
    FEWER_THAN_5,
    EvaluationFigures,
)

TITLE = "Today's yes: evaluation report"
ANONYMISED = "Anonymised statistics: no names, addresses, postcodes, dates of birth or references"
_TOP = 24 * mm


def period_text(figures: EvaluationFigures) -> str:
    return f"{long_date(figures.date_from)} to {long_date(figures.date_to)}"


def _with_chart(s: Styles, t: ev.Table, chart: Drawing, share: float = 0.62) -> Flowable:
    return KeepTogether([*titled(s, t, share), Spacer(1, 2 * mm), chart])


def _beside_pie(s: Styles, t: ev.Table, pie: Drawing) -> Flowable:
    """A table with its pie chart to the right: a pie needs little width, so it sits beside."""
    w = content_width()
    left, right = w * 0.6, w * 0.4
    drawn = grid(s, t, [left * 0.66, *([left * 0.34 / len(t.columns)] * len(t.columns))])
    layout = Table([[drawn, pie]], colWidths=[left, right], hAlign="LEFT")
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
    story += titled(s, tables["summary"], 0.7)
    f, ts = figures, tables

    story += section(s, HOUSEHOLDS)
    story.append(
        s.para(
            "Households seen are the households with a visit in the period; the stage is the "
            "one the visit's four capitals assessment gives (policy part 3).",
            s.small,
        )
    )
    story.append(_with_chart(s, ts["visits_by_stage"], visits_by_stage_chart(f, ts)))

    story += section(s, PACKAGES)
    story.append(
        s.para("Packages made at visits in the period, whatever happened to them since.", s.small)
    )
    story.append(_with_chart(s, ts["packages_by_stage"], packages_by_stage_chart(f, ts)))
    story.append(_beside_pie(s, ts["packages_by_route"], packages_by_route_chart(f, ts)))
    story.append(_with_chart(s, ts["packages_by_status"], packages_by_status_chart(f, ts)))

    story += section(s, SPEND)
    story.append(
        s.para(
            "Awards approved in the period and still approved or paid (a withdrawn award gave "
            "its money back), by month of approval; paid is the part of them paid so far.",
            s.small,
        )
    )
    story += titled(s, ts["fund"], 0.7)
    story += titled(s, ts["spend_by_month"], 0.22)
    story.append(Spacer(1, 2 * mm))
    story.append(_captioned(SPEND_BY_MONTH, s, spend_by_month_chart(f, ts)))
    story.append(_captioned(SPEND_AGAINST_BUDGET, s, spend_against_budget_chart(f, ts)))

    story += section(s, REFERRALS)
    story.append(
        s.para(
            "Referrals made at visits in the period (policy part 7), and the answers recorded at "
            "the reviews of the period: whether each referral was taken up.",
            s.small,
        )
    )
    story += titled(s, ts["referrals"], 0.46)
    referrals = referrals_chart(f, ts)
    if referrals is not None:
        story.append(Spacer(1, 2 * mm))
        story.append(_captioned(REFERRALS_MADE_AND_TAKEN_UP, s, referrals))

    story += section(s, REVIEWS)
    story.append(
        s.para(
            "Every approved package has a review 12 weeks (84 days) after approval. Outcomes are "
            "those recorded at the reviews of the period.",
            s.small,
        )
    )
    story += titled(s, ts["reviews"], 0.7)
    story.append(_beside_pie(s, ts["home"], home_chart(f, ts)))
    story.append(_with_chart(s, ts["outcomes"], outcomes_chart(f, ts)))

    story += section(s, CAPITALS)
    story += titled(s, ts["capitals"], 0.28)
    story.append(Spacer(1, 2 * mm))
    story.append(_captioned(CAPITAL_SCORES, s, capitals_chart(f, ts)))
    story += titled(s, ts["stage_movement"], 0.7)

    story += savings_section(s, figures, tables)
    story += _method(s, figures)
    return story


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
        "Estimated savings leave out outcomes counted fewer than 5 times, so that the "
        "count cannot be worked out from the money; the totals are then an underestimate.",
        "Savings: gross is each outcome's count times its unit value in "
        f"{figures.savings.price_year} prices (GDP deflator); net takes away deadweight, "
        "the part due to other services (attribution) and optimism bias, shown low, "
        "central and high. Social value (wellbeing) is reported apart and never added to "
        "savings. The method: docs/savings.md.",
    ]
    return [*section(s, "How the figures are counted"), *s.bullets(lines)]


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
