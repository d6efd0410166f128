"""Drawing the report's anonymised tables in the PDF: ruled grids under their titles."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)

from caseworker.reports.common import (
    INK,
    RULE,
    SHADE,
    Styles,
    content_width,
)
from caseworker.reports.fonts import PRIMARY, markup
from caseworker.services import evaluation as ev
from caseworker.services.evaluation import (
    present,
)

# -- tables -------------------------------------------------------------------------------


class _Cells:
    """Cell styles: labels wrap on the left, figures sit on the right."""

    def __init__(self, s: Styles) -> None:
        self.label = s.cell
        self.label_bold = s.cell_bold
        self.figure = ParagraphStyle("figure", parent=s.cell, alignment=TA_RIGHT)
        self.figure_bold = ParagraphStyle("figureb", parent=s.cell_bold, alignment=TA_RIGHT)


def grid(s: Styles, t: ev.Table, sizes: Sequence[float]) -> Table:
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
    grid = Table(data, colWidths=list(sizes), repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle(style))
    return grid


def widths(t: ev.Table, label_share: float) -> list[float]:
    w = content_width()
    rest = (1 - label_share) * w / len(t.columns)
    return [label_share * w, *([rest] * len(t.columns))]


def section(s: Styles, title: str) -> list[Flowable]:
    return [CondPageBreak(70 * mm), s.para(title, s.h2)]


def titled(
    s: Styles, t: ev.Table, label_share: float = 0.62, shares: Sequence[float] = ()
) -> list[Flowable]:
    """A table under its title; ``shares`` of the width per column, if not even."""
    sizes = [x * content_width() for x in shares] if shares else widths(t, label_share)
    out: list[Flowable] = [s.para(t.title, s.h3), grid(s, t, sizes)]
    if t.note:
        out.append(s.para(t.note, s.small))
    return out
