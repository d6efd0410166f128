"""What both case documents share: the council's details and logo, the referral
directory, styles, wording helpers, page furniture and the document template.

Council details live in ``resources/council/council.yaml`` and the logo in
``resources/council/logo.png``; the referral directory in
``resources/referrals.yaml``. A council replaces those files, never code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from caseworker import __version__, paths
from caseworker.domain.dates import local_time
from caseworker.domain.money import format_pence
from caseworker.reports.fonts import PRIMARY, bold_name, draw_string, markup, register_fonts

NOT_RECORDED = "not recorded"
LANGUAGE = "en-GB"
PAGE_WIDTH: float = A4[0]
PAGE_HEIGHT: float = A4[1]
MARGIN: float = 18 * mm

INK = colors.HexColor("#0b0c0c")  # GOV.UK text colour
SECONDARY = colors.HexColor("#505a5f")
RULE = colors.HexColor("#b1b4b6")
BRAND = colors.HexColor("#005e67")
SHADE = colors.HexColor("#f3f2f1")


class _Config(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Council(_Config):
    name: str = "Council"
    team: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    opening_hours: str = ""


class ReferralService(_Config):
    name: str
    what: str = ""
    phone: str = ""
    web: str = ""
    address: str = ""


def _yaml(path: Path) -> dict[str, Any]:
    data: Any = yaml.safe_load(path.read_text("utf-8"))
    return data if isinstance(data, dict) else {}


@functools.cache
def council() -> Council:
    return Council.model_validate(_yaml(paths.resources_dir() / "council" / "council.yaml"))


@functools.cache
def referral_directory() -> dict[str, ReferralService]:
    """Referral services by clause (``"7.1"``), from ``resources/referrals.yaml``."""
    data = _yaml(paths.resources_dir() / "referrals.yaml")
    return {str(k): ReferralService.model_validate(v) for k, v in data.items()}


@functools.cache
def logo() -> ImageReader | None:
    """The council's logo (``resources/council/logo.png``), read once per process."""
    path = paths.resources_dir() / "council" / "logo.png"
    return ImageReader(str(path)) if path.exists() else None


def logo_size(height: float) -> tuple[float, float]:
    image = logo()
    if image is None:
        return 0.0, 0.0
    w, h = image.getSize()
    return float(height * w / h), height


# -- wording ----------------------------------------------------------------------------


def long_date(day: date | None) -> str:
    """GOV.UK style: 20 November 2026."""
    return f"{day.day} {day:%B %Y}" if day is not None else NOT_RECORDED


def short_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day is not None else NOT_RECORDED


def instant(moment: datetime | None, zone: bool = True) -> str:
    """An instant in UK time, as people read it: 20 Nov 2026 14:03 GMT (or BST)."""
    if moment is None:
        return NOT_RECORDED
    local = local_time(moment)
    return f"{short_date(local.date())} {local:%H:%M}" + (f" {local:%Z}" if zone else "")


def money(pence: int | None) -> str:
    return format_pence(pence) if pence is not None else NOT_RECORDED


def text_or_not_recorded(value: str | None) -> str:
    return value.strip() if value and value.strip() else NOT_RECORDED


def yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("Yes" if value else "No")


# -- styles -----------------------------------------------------------------------------


class Styles:
    """Paragraph styles at one base size (family copy: larger; case file: denser)."""

    def __init__(self, size: float) -> None:
        register_fonts()
        bold = bold_name(0)
        lead = size * 1.35
        self.body = ParagraphStyle(
            "body",
            fontName=PRIMARY,
            bulletFontName=PRIMARY,
            fontSize=size,
            leading=lead,
            textColor=INK,
            spaceAfter=4,
        )
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=size - 1.5, leading=(size - 1.5) * 1.3
        )
        self.cell = ParagraphStyle(
            "cell", parent=self.body, fontSize=size - 1, leading=(size - 1) * 1.3, spaceAfter=0
        )
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=bold)
        self.label = ParagraphStyle(
            "label", parent=self.small, fontName=bold, spaceBefore=size * 0.5, keepWithNext=1
        )
        self.title = ParagraphStyle(
            "title",
            parent=self.body,
            fontName=bold,
            fontSize=size * 1.9,
            leading=size * 2.3,
            spaceAfter=6,
            alignment=TA_LEFT,
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.body,
            fontName=bold,
            fontSize=size * 1.4,
            leading=size * 1.75,
            spaceBefore=size * 0.9,
            spaceAfter=4,
            keepWithNext=1,
        )
        self.h3 = ParagraphStyle(
            "h3",
            parent=self.body,
            fontName=bold,
            fontSize=size * 1.12,
            leading=size * 1.45,
            spaceBefore=size * 0.6,
            spaceAfter=3,
            keepWithNext=1,
        )
        self.after = ParagraphStyle("after", parent=self.body, spaceBefore=size * 0.5)
        self.bullet = ParagraphStyle(
            "bullet", parent=self.body, leftIndent=size * 1.3, bulletIndent=size * 0.3
        )
        self.note = ParagraphStyle(
            "note",
            parent=self.body,
            backColor=SHADE,
            borderPadding=(4, 6, 4, 6),
            leftIndent=6,
            rightIndent=6,
            spaceBefore=4,
            spaceAfter=8,
        )

    def para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped, with font fallback)."""
        return Paragraph(markup(text), style or self.body)

    def bold(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(f"<b>{markup(text)}</b>", style or self.body)

    def bullets(self, lines: Sequence[str]) -> list[Flowable]:
        return [Paragraph(markup(line), self.bullet, bulletText="•") for line in lines]

    def table(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        header: bool = True,
        label_column: bool = False,
        bold_rows: Sequence[int] = (),
    ) -> Table:
        """A ruled table of plain-text cells that wrap; rows split across pages."""
        data = [
            [
                Paragraph(
                    markup(cell),
                    self.cell_bold
                    if (header and r == 0) or (label_column and c == 0) or r in bold_rows
                    else self.cell,
                )
                for c, cell in enumerate(row)
            ]
            for r, row in enumerate(rows)
        ]
        style = [
            ("FONTNAME", (0, 0), (-1, -1), PRIMARY),  # else ReportLab sets Helvetica per cell
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if header:
            style += [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ]
        table = Table(
            data,
            colWidths=list(widths),
            repeatRows=1 if header else 0,
            splitInRow=1,
            hAlign="LEFT",
        )
        table.setStyle(TableStyle(style))
        return table


# -- the document ----------------------------------------------------------------------


class KeepWithNext(KeepTogether):  # type: ignore[misc]  # ReportLab is untyped
    """What ReportLab groups for ``keepWithNext`` (a heading and what follows it).

    ReportLab's own grouping moves the whole group to a new page whenever it does
    not fit, which leaves most of a page empty before a long table or note. This
    one keeps the heading on this page when there is room for it and a few lines
    of what follows, and lets the rest split onto the next page.
    """

    FOLLOWING = 48.0  # points of the next flowable that must fit under its heading

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        self._heights = [f.wrapOn(self.canv, aW, aH)[1] + f.getSpaceAfter() for f in self._content]
        return super().wrap(aW, aH)  # type: ignore[no-any-return]

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        content: list[Flowable] = list(self._content)
        frame = getattr(self, "_frame", None)
        at_top = bool(getattr(frame, "_atTop", False))
        heads = sum(self._heights[:-1])
        if aH >= self._H or at_top or aH >= heads + min(self.FOLLOWING, self._heights[-1]):
            return content
        return [self.FrameBreak(), *content]


class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab is untyped
    """Holds pages back until the end so each can say "Page N of M"."""

    footer_right = PAGE_WIDTH - MARGIN
    footer_y = 9 * mm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFillColor(SECONDARY)
            draw_string(
                self,
                self.footer_right,
                self.footer_y,
                f"Page {self._pageNumber} of {total}",
                8.5,
                align="right",
            )
            super().showPage()
        super().save()


def build(
    path: Path,
    story: list[Flowable],
    *,
    title: str,
    subject: str,
    keywords: Sequence[str],
    first_page: Callable[[Canvas, BaseDocTemplate], None],
    later_pages: Callable[[Canvas, BaseDocTemplate], None],
    top_first: float,
    top_later: float,
) -> None:
    """Lay out ``story`` on A4 with the council as author and the metadata set."""
    register_fonts()
    path = Path(path)
    doc = BaseDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top_later,
        bottomMargin=17 * mm,
        title=title,
        author=council().name,
        subject=subject,
        keywords=list(keywords),
        creator=f"Caseworker {__version__}",
        lang=LANGUAGE,
        displayDocTitle=True,
        initialFontName=PRIMARY,
        keepTogetherClass=KeepWithNext,
    )
    frame_width = PAGE_WIDTH - 2 * MARGIN
    bottom = 17 * mm
    doc.addPageTemplates(
        [
            PageTemplate(
                id="first",
                frames=[Frame(MARGIN, bottom, frame_width, PAGE_HEIGHT - top_first - bottom)],
                onPage=first_page,
                autoNextPageTemplate="later",
            ),
            PageTemplate(
                id="later",
                frames=[Frame(MARGIN, bottom, frame_width, PAGE_HEIGHT - top_later - bottom)],
                onPage=later_pages,
            ),
        ]
    )
    tmp = path.with_name(path.name + ".part")
    doc.filename = str(tmp)
    try:
        doc.build(story, canvasmaker=NumberedCanvas)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def draw_logo(canvas: Canvas, x: float, top: float, height: float) -> float:
    """The council's logo with its top-left corner at (x, top); returns its width."""
    image = logo()
    if image is None:
        return 0.0
    width, height = logo_size(height)
    canvas.drawImage(image, x, top - height, width, height, mask="auto")
    return width


def content_width() -> float:
    return PAGE_WIDTH - 2 * MARGIN
