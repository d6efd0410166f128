"""The manager dashboard: the pilot's evaluation figures and charts on screen, for a chosen period.

A team manager sees what the evaluation report says (policy part 8) without
making a PDF first: figure tiles on top, the report's own charts below. Both
come from the same anonymised tables as the report (``present`` does the
disclosure control), so a count from 1 to 4 reads "fewer than 5" here exactly
as it does on paper. The charts are the report's ReportLab drawings, turned
into SVG and drawn by Qt's SVG image plugin: one set of charts, not two that
drift apart. The figures are read in the background (a large store takes
seconds), and "Save evaluation report…" writes the same PDF and CSV as
``caseworker report evaluation``.

Why not ``QSvgWidget``: the installer leaves out the QtSvg and QtSvgWidgets
Python modules (packaging/caseworker.spec) but keeps the ``qsvg`` image
plugin, so the charts are drawn through ``QImageReader``, which the bundle has.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QImage,
    QImageReader,
    QPainter,
    QPaintEvent,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.users import Role, User
from caseworker.reports.evaluation import (
    CAPITALS,
    CHART_FONT_SIZE,
    chart_svg,
    evaluation_charts,
    report_tables,
    write_evaluation_csv,
    write_evaluation_pdf,
)
from caseworker.services import evaluation as ev
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.evaluation import EvaluationFigures, evaluation_figures, present
from caseworker.services.forms import parse_date
from caseworker.store.database import Store
from caseworker.ui.context import AppContext
from caseworker.ui.fonts import add_shipped_fonts
from caseworker.ui.widgets import (
    REFRESH_KEY,
    banner,
    button,
    heading,
    help_text,
    on_refresh_key,
    scrolling,
    show_banner,
)

TILE_COLUMNS = 4
# A chart grows until its text is as large as the window's, and shrinks (a narrow
# window, 200% text) until its text is this many pixels per point, 9 px: below
# that the page scrolls sideways instead.
MIN_SCALE = 1.2
FOCUS_COLOUR = QColor("#1d70b8")  # the stylesheet's focus border
# The tiles, in rows of four: (table, row label or its start, caption if not the label).
TILES: tuple[tuple[str, str, str | None], ...] = (
    ("summary", "Households seen", None),
    ("summary", "Visits", None),
    ("summary", "Packages made", None),
    ("summary", "Packages approved in the period", None),
    ("summary", "Awards approved in the period", None),
    ("summary", "Awards paid (of those approved)", None),
    ("fund", "Share of the budget approved in the period", None),
    ("summary", "Estimated costs avoided (estimates)", None),
    ("reviews", "Due in the period", "Reviews due in the period"),
    ("summary", "Reviews recorded", None),
    ("reviews", "Recorded by the due date", "Reviews recorded by the due date"),
    ("summary", "Reviews overdue on ", None),  # the label carries the day
)
_TILE_STYLE = """
QFrame#tile { border: 1px solid #b1b4b6; background: #f3f2f1; }
QLabel#tile_caption { color: #0b0c0c; }
"""


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months: this month so far and the 11 whole months before it.

    Whole months, so the spend chart has twelve bars and no sliver of a thirteenth.
    """
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), today


def tiles(tables: dict[str, ev.Table]) -> list[tuple[str, str]]:
    """(caption, what it shows) for each tile: the report's words and disclosure control."""
    out = []
    for key, label, caption in TILES:
        row = next(r for r in tables[key].rows if r.label.startswith(label))
        out.append((caption or row.label, present(row.cells[0])))
    return out


def describe(table: ev.Table) -> str:
    """A table's figures in words: what a chart says, for someone who cannot see it."""
    parts = []
    for row in table.rows:
        if len(table.columns) == 1:
            cells = present(row.cells[0])
        else:
            cells = ", ".join(
                f"{column} {present(cell)}"
                for column, cell in zip(table.columns, row.cells, strict=True)
            )
        parts.append(f"{row.label}: {cells}")
    return "; ".join(parts) + "." if parts else "Nothing in this period."


@dataclass(frozen=True)
class ShownChart:
    """A chart ready for the screen: made off the GUI thread, drawn on it."""

    key: str
    section: str
    title: str
    description: str
    note: str
    svg: bytes
    width: float  # the drawing's size, in points
    height: float


@dataclass(frozen=True)
class Dashboard:
    figures: EvaluationFigures
    tables: dict[str, ev.Table]
    charts: tuple[ShownChart, ...]


def build_dashboard(
    store: Store, manager: User, date_from: date, date_to: date, today: date
) -> Dashboard:
    """Everything the screen shows, worked out in the background (no Qt in here)."""
    figures = evaluation_figures(store, manager, date_from, date_to, today=today)
    tables = {key: ev.for_the_team(t) for key, t in report_tables(figures).items()}
    charts = tuple(
        ShownChart(
            key=c.key,
            section=c.section,
            title=c.title,
            description=describe(c.table),
            note=c.table.note,
            svg=chart_svg(c.drawing).encode("utf-8"),
            width=float(c.drawing.width),
            height=float(c.drawing.height),
        )
        for c in evaluation_charts(figures, tables)
    )
    return Dashboard(figures, tables, charts)


def render_svg(svg: bytes, size: QSize) -> QImage:
    """The SVG drawn at ``size`` pixels by Qt's SVG image plugin (a null image if it cannot)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(svg))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(size)
    image = reader.read()
    buffer.close()
    return image


class ChartView(QWidget):
    """One chart, drawn as large as the page allows but never with its text larger than the
    window's, keeping its shape (height follows width)."""

    def __init__(self, chart: ShownChart) -> None:
        super().__init__()
        self.chart = chart
        self._image = QImage()
        self.setObjectName(f"chart_{chart.key}")
        self.setAccessibleName(chart.title)
        self.setAccessibleDescription(chart.description)
        self.setToolTip(chart.description)
        # A Tab stop: the keyboard scrolls the page chart by chart, and a screen reader
        # reads each chart's figures (its description) as it lands there.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _scale(self) -> float:
        """Pixels per point that make the chart's text the size of the window's text."""
        return QFontInfo(self.font()).pixelSize() / CHART_FONT_SIZE

    def sizeHint(self) -> QSize:
        scale = self._scale()
        return QSize(math.ceil(self.chart.width * scale), math.ceil(self.chart.height * scale))

    def minimumSizeHint(self) -> QSize:
        width = math.ceil(self.chart.width * min(MIN_SCALE, self._scale()))
        return QSize(width, self.heightForWidth(width))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height at ``width``, or at the widest it grows to (the layout asks with the
        width of the whole column)."""
        width = min(width, self.sizeHint().width())
        return math.ceil(width * self.chart.height / self.chart.width)

    def image(self) -> QImage:
        """The chart at the size shown (drawn again only when that size changes)."""
        ratio = self.devicePixelRatioF()
        width = min(self.width(), math.floor(self.height() * self.chart.width / self.chart.height))
        size = QSize(
            max(1, round(width * ratio)), max(1, round(self.heightForWidth(width) * ratio))
        )
        if self._image.size() != size:
            self._image = render_svg(self.chart.svg, size)
            self._image.setDevicePixelRatio(ratio)
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))  # drawn for paper: dark text on white
        image = self.image()
        if image.isNull():
            painter.setPen(QColor("#0b0c0c"))
            painter.drawText(
                self.rect(),
                Qt.TextFlag.TextWordWrap,
                f"This chart cannot be drawn here. {self.chart.description}",
            )
        else:
            painter.drawImage(0, 0, image)
        if self.hasFocus():  # as the stylesheet marks a focused field
            pen = QPen(FOCUS_COLOUR)
            pen.setWidth(2)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # 200% text: the chart grows with it
            self.updateGeometry()
        super().changeEvent(event)


class Tile(QFrame):
    """One figure, large, with what it counts beneath."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("tile")
        column = QVBoxLayout(self)
        self.value = QLabel()
        self.value.setObjectName("tile_value")
        self.value.setWordWrap(True)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)  # relative: it follows text scaling
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel()
        self.caption.setObjectName("tile_caption")
        self.caption.setWordWrap(True)
        column.addWidget(self.value)
        column.addWidget(self.caption)
        column.addStretch(1)

    def show_figure(self, caption: str, text: str) -> None:
        self.value.setText(text)
        self.caption.setText(caption)
        self.value.setAccessibleName(caption)
        self.value.setAccessibleDescription(text)


class DashboardPage(QWidget):
    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self.today = today  # tests set the day; the default period and overdue count use it
        self.dashboard: Dashboard | None = None
        self.running = False
        self.saving = False
        self._generation = 0  # a result for an older request is dropped
        self.setStyleSheet(_TILE_STYLE)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Evaluation dashboard"))
        intro = help_text(
            "The team's figures for the period, in full, from the records officers keep "
            "(policy part 8); costs avoided are estimates. The evaluation report you save from "
            "here is anonymised for sharing: in it a count from 1 to 4 reads \u201cfewer than "
            "5\u201d and money resting on so few records is suppressed."
        )
        layout.addWidget(intro)
        self.message = banner()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        self.date_from = self._date_field(row, "&From:", "From")
        self.date_to = self._date_field(row, "&To:", "To")
        self.show_button = button("&Show", f"Enter in either date, or {REFRESH_KEY}")
        row.addWidget(self.show_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # one query, no steps to count: a busy indicator
        self.progress.setAccessibleName("Working out the figures")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        row.addWidget(self.progress)
        row.addStretch(1)
        self.save_button = button(
            "Save evaluation &report…", "The anonymised PDF, and a CSV of its figures for analysts"
        )
        self.save_button.setEnabled(False)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.status = help_text()
        self.status.setAccessibleName("Dashboard status")
        layout.addWidget(self.status)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        self.tiles_box = QWidget()
        grid = QGridLayout(self.tiles_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: list[Tile] = []
        for i in range(len(TILES)):
            tile = Tile()
            grid.addWidget(tile, i // TILE_COLUMNS, i % TILE_COLUMNS)
            self.tiles.append(tile)
        for c in range(TILE_COLUMNS):
            grid.setColumnStretch(c, 1)
        column.addWidget(self.tiles_box)
        self.charts_box = QWidget()
        self._charts_layout = QVBoxLayout(self.charts_box)
        self._charts_layout.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.charts_box)
        column.addStretch(1)
        self.chart_views: list[ChartView] = []
        self.results = scrolling(inner)
        self.results.hide()  # until there are figures to show
        layout.addWidget(self.results, 1)
        layout.addStretch(0)  # takes the space while there is nothing to show

        self.show_button.clicked.connect(self.run)
        self.save_button.clicked.connect(self.save_report)
        self.date_from.returnPressed.connect(self.run)
        self.date_to.returnPressed.connect(self.run)
        on_refresh_key(self, self.run)
        QWidget.setTabOrder(self.date_from, self.date_to)
        QWidget.setTabOrder(self.date_to, self.show_button)
        QWidget.setTabOrder(self.show_button, self.save_button)

    def _date_field(self, row: QHBoxLayout, text: str, name: str) -> QLineEdit:
        caption = QLabel(text)
        edit = QLineEdit()
        edit.setObjectName(f"date_{name.lower()}")
        edit.setAccessibleName(name)
        edit.setPlaceholderText("dd/mm/yyyy")
        edit.setToolTip("A date like 31/12/2026; Enter shows the figures")
        edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("00/00/00000") * 2)
        caption.setBuddy(edit)
        row.addWidget(caption)
        row.addWidget(edit)
        return edit

    def showEvent(self, event: QShowEvent) -> None:
        """The keyboard lands on From when the page opens from the menu."""
        super().showEvent(event)
        focused = QApplication.focusWidget()
        if focused is None or not self.isAncestorOf(focused):
            self.date_from.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- working out the figures ---------------------------------------------------
    def refresh(self) -> None:
        """Opening the page (and after a sync): the figures for the period in the fields,
        the last 12 months the first time."""
        if not self.date_from.text().strip() and not self.date_to.text().strip():
            start, end = default_period(self.today())
            self.date_from.setText(f"{start:%d/%m/%Y}")
            self.date_to.setText(f"{end:%d/%m/%Y}")
        self.run()

    def _period(self) -> tuple[date, date] | None:
        """The period typed, or None after saying which date is wrong."""
        days = []
        for edit, name in ((self.date_from, "From"), (self.date_to, "To")):
            try:
                days.append(parse_date(edit.text()))
            except ValueError as exc:
                show_banner(self.message, f"{name}: {exc}.", error=True)
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                edit.selectAll()
                return None
        return days[0], days[1]

    def run(self) -> None:
        """Work the figures out in the background: the window stays usable meanwhile."""
        ctx = self._context
        if ctx.current_user is None or ctx.user.role is not Role.MANAGER:
            show_banner(self.message, "Only a team manager can see the dashboard.", error=True)
            return
        period = self._period()
        if period is None:
            return
        date_from, date_to = period
        store, user, today = ctx.store, ctx.user, self.today()
        self._generation += 1
        generation = self._generation
        self._set_running(True)
        self.message.hide()
        self.status.setText(
            f"Working out the figures for {date_from:%d/%m/%Y} to {date_to:%d/%m/%Y}…"
        )

        def work() -> Dashboard:
            return build_dashboard(store, user, date_from, date_to, today)

        ctx.tasks.run(work, lambda result, error: self._finished(generation, result, error))

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.progress.setVisible(running)
        self.save_button.setEnabled(not running and not self.saving and self.dashboard is not None)

    def _finished(self, generation: int, result: Any, error: BaseException | None) -> None:
        if generation != self._generation:
            return  # the period changed while this one was worked out
        self._set_running(False)
        if isinstance(error, InvalidInput):
            self.status.setText("")
            show_banner(self.message, " ".join(error.fields.values()), error=True)
            self.date_to.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if isinstance(error, ServiceError | OSError):
            self.status.setText("")
            show_banner(self.message, f"The figures could not be worked out: {error}", error=True)
            return
        if error is not None:
            raise error  # a bug: the notifier reports it
        assert isinstance(result, Dashboard)
        self.show_dashboard(result)

    # -- showing -------------------------------------------------------------------
    def show_dashboard(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        figures = dashboard.figures
        for tile, (caption, text) in zip(self.tiles, tiles(dashboard.tables), strict=True):
            tile.show_figure(caption, text)
        self._show_charts(dashboard)
        self.status.setText(
            f"Figures for {figures.date_from:%d/%m/%Y} to {figures.date_to:%d/%m/%Y}; reviews "
            f"overdue counted on {figures.as_at:%d/%m/%Y}."
        )
        self.status.setAccessibleDescription(self.status.text())
        self.results.show()
        self._set_running(False)

    def _show_charts(self, dashboard: Dashboard) -> None:
        add_shipped_fonts()  # the charts name the shipped fonts (the window has them)
        while (item := self._charts_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.chart_views = []
        column = self._charts_layout
        sections: set[str] = set()
        for chart in dashboard.charts:
            if chart.section not in sections:  # a heading, not a group box: at 200% text a
                sections.add(chart.section)  # group box's title runs into what it holds
                column.addWidget(_section_heading(chart.section))
            title = QLabel(chart.title)
            title.setProperty("role", "stage")  # bold, as the report's chart titles
            title.setWordWrap(True)
            view = ChartView(chart)
            column.addWidget(title)
            column.addWidget(view, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            if chart.note:
                column.addWidget(help_text(chart.note))
            previous = self.chart_views[-1] if self.chart_views else self.save_button
            QWidget.setTabOrder(previous, view)  # Tab goes on from Save, chart by chart
            self.chart_views.append(view)
        if CAPITALS in sections:  # the stage's movement, in words, under the capitals' chart
            t = dashboard.tables["stage_movement"]
            column.addWidget(help_text(f"{t.title}: {describe(t)}"))

    # -- the report ----------------------------------------------------------------
    def save_report(self) -> None:
        """Ask where (through the dialog service), then write the PDF and CSV in the background."""
        dashboard = self.dashboard
        if dashboard is None or self.running or self.saving:
            return
        figures = dashboard.figures
        suggested = Path.home() / (
            f"evaluation-report-{figures.date_from:%Y-%m-%d}-to-{figures.date_to:%Y-%m-%d}.pdf"
        )
        chosen = self._context.dialogs.save_path(
            self, "Save the evaluation report", str(suggested), "PDF documents (*.pdf)"
        )
        if chosen is None:
            return
        pdf, sheet = report_paths(chosen)
        self.saving = True
        self._set_running(False)
        show_banner(self.message, "Making the evaluation report…")

        def work() -> None:
            write_evaluation_pdf(figures, pdf)
            write_evaluation_csv(figures, sheet)

        def done(_result: object, error: BaseException | None) -> None:
            self.saving = False
            self._set_running(self.running)
            if isinstance(error, OSError):
                show_banner(
                    self.message,
                    f"The evaluation report was not saved: {error}. Choose another folder, or "
                    "check the disk has space.",
                    error=True,
                )
                return
            if error is not None:
                raise error  # a bug: the notifier reports it
            show_banner(
                self.message,
                f"Saved the evaluation report: {pdf}, and its figures for analysts: {sheet}",
            )
            self._context.dialogs.open_file(pdf)

        self._context.tasks.run(work, done)

    def tile_texts(self) -> dict[str, str]:
        """What each tile shows, by its caption (for tests and the screenshot script)."""
        return {t.caption.text(): t.value.text() for t in self.tiles}


def report_paths(chosen: Path) -> tuple[Path, Path]:
    """The PDF where the manager chose (".pdf" added if missing) and the CSV beside it."""
    pdf = chosen if chosen.suffix.lower() == ".pdf" else chosen.with_name(chosen.name + ".pdf")
    return pdf, pdf.with_suffix(".csv")


def _section_heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.25)  # relative, so it follows text scaling
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(0, label.fontMetrics().height() // 2, 0, 0)
    label.setAccessibleName(text)
    return label
