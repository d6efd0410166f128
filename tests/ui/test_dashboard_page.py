"""The manager dashboard over the pilot seeded in ``tests/services/test_evaluation.py``.

The figures there are worked out from the seed's own records; here a manager
opens the dashboard by its shortcut, types the period, and the tiles must say
what the service computes, in full: the team's own managers see small counts too
(suppression is for the report they save, which stays anonymised). The save
dialog is answered through the dialog service, as a person would answer it,
and the PDF and CSV must be those ``caseworker report evaluation`` writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from caseworker.domain.money import format_pence
from caseworker.reports.evaluation import CHARTS, write_evaluation_csv, write_evaluation_pdf
from caseworker.services import evaluation as ev
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.main_window import MainWindow
from caseworker.ui.pages.dashboard import DashboardPage, default_period, report_paths
from tests.conftest import PASSWORD
from tests.reports.pdf_tools import text_of
from tests.services.test_evaluation import (
    PERIOD_FROM,
    PERIOD_TO,
    TODAY,
    Seeded,
    expected_figures,
    seed_pilot,
)
from tests.ui.conftest import Key, Officer

SHORTCUT = "Ctrl+Shift+E"
OVERDUE = f"Reviews overdue on {PERIOD_TO:%d/%m/%Y}"


class AnsweringDialogs(DialogService):
    """Answers "save where?" with ``answer`` (None: cancelled); notes what was asked and opened."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, str]] = []
        self.opened: list[Path] = []

    def save_path(self, parent: QWidget, title: str, suggested: str, filter: str) -> Path | None:
        self.asked.append((title, suggested, filter))
        return self.answer

    def open_file(self, path: Path) -> None:
        self.opened.append(path)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The pilot, seeded once for the module (the screen only reads it)."""
    store = Store.open_local(tmp_path_factory.mktemp("pilot") / "store.db")
    yield seed_pilot(store)
    store.dispose()


@pytest.fixture
def manager_ui(seeded: Seeded, qtbot: QtBot, open_window: Callable[..., MainWindow]) -> Officer:
    ui = Officer(qtbot, open_window(seeded.store))
    ui.sign_in("TM01", PASSWORD)
    ui.window.dashboard.today = lambda: TODAY  # the seed's "today", after the period
    return ui


def wait_for_figures(ui: Officer, page: DashboardPage) -> None:
    ui.qtbot.waitUntil(lambda: not page.running and page.dashboard is not None, timeout=20_000)


def open_dashboard(ui: Officer) -> DashboardPage:
    """Manager > Evaluation dashboard, by its shortcut; the figures for the default period."""
    ui.shortcut(SHORTCUT)
    page = ui.window.dashboard
    assert ui.window.stack.currentWidget() is page
    wait_for_figures(ui, page)
    return page


def show_period(ui: Officer, page: DashboardPage, start: date, end: date) -> None:
    """Type the period over the dates, Enter, and wait while it is worked out."""
    ui.replace(page.date_from, f"{start:%d/%m/%Y}")
    ui.replace(page.date_to, f"{end:%d/%m/%Y}")
    ui.press(Key.Key_Return)
    # Worked out in the background: a busy bar meanwhile, and nothing to save yet.
    assert page.running and page.progress.isVisible() and not page.save_button.isEnabled()
    wait_for_figures(ui, page)
    assert not page.progress.isVisible() and page.save_button.isEnabled()


def non_white(view: QWidget) -> int:
    """How many pixels of the chart as drawn on screen are not white: 0 means nothing drawn."""
    image = view.grab().toImage()
    white = QColor("white").rgb()
    step = 3
    return sum(
        image.pixel(x, y) != white
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def test_default_period_is_the_last_12_whole_months() -> None:
    assert default_period(date(2026, 11, 27)) == (date(2025, 12, 1), date(2026, 11, 27))
    assert default_period(date(2027, 1, 15)) == (date(2026, 2, 1), date(2027, 1, 15))
    assert default_period(date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_opens_on_the_last_12_months_with_the_services_figures(
    manager_ui: Officer, seeded: Seeded
) -> None:
    page = open_dashboard(manager_ui)
    assert manager_ui.focused is page.date_from
    assert (page.date_from.text(), page.date_to.text()) == ("01/02/2026", "15/01/2027")
    figures = ev.evaluation_figures(
        seeded.store, seeded.manager, date(2026, 2, 1), TODAY, today=TODAY
    )
    tiles = page.tile_texts()
    assert tiles["Households seen"] == f"{figures.households_seen:,}"
    assert tiles["Visits"] == f"{figures.visits:,}"
    assert tiles["Packages made"] == f"{figures.packages:,}"
    assert figures.households_seen == 17  # the visits before and after the seed's period too


def test_tiles_and_charts_for_the_seeded_period(manager_ui: Officer, seeded: Seeded) -> None:
    page = open_dashboard(manager_ui)
    show_period(manager_ui, page, PERIOD_FROM, PERIOD_TO)
    figures = ev.evaluation_figures(
        seeded.store, seeded.manager, PERIOD_FROM, PERIOD_TO, today=TODAY
    )
    expected = expected_figures(seeded)  # worked out from the seed's own records
    assert page.dashboard is not None and page.dashboard.figures == figures
    assert page.tile_texts() == {
        "Households seen": f"{expected.households_seen}",
        "Visits": f"{expected.visits}",
        "Packages made": f"{sum(expected.packages_by_status.values())}",
        "Packages approved in the period": f"{figures.approvals}",
        "Awards approved in the period": format_pence(figures.approved_pence),
        # Two payments: too few for the published report, shown to the team's manager.
        "Awards paid (of those approved)": format_pence(figures.paid_pence),
        "Share of the budget approved in the period": (
            f"{100 * figures.approved_pence / figures.fund_budget_pence:.1f}%"
        ),
        "Estimated costs avoided (estimates), gross, 2025-26 prices": format_pence(
            expected.costs_avoided
        ),
        "Reviews due in the period": f"{expected.reviews_due}",
        "Reviews recorded": f"{expected.reviews_done}",
        "Reviews recorded by the due date": f"{expected.reviews_on_time}",
        OVERDUE: f"{expected.reviews_overdue}",
    }
    assert (figures.households_seen, figures.visits, figures.reviews_done) == (15, 16, 8)
    assert expected.reviews_overdue == 2 and 0 < expected.reviews_on_time < 5
    assert page.status.text() == (
        "Figures for 01/06/2026 to 31/12/2026; reviews overdue counted on 31/12/2026."
    )

    # Every chart of the report, drawn (referrals were made, so none is left out).
    views = {view.chart.key: view for view in page.chart_views}
    assert list(views) == [spec.key for spec in CHARTS]
    # New widgets show, and are laid out, on the event loop's next pass.
    manager_ui.qtbot.waitUntil(
        lambda: all(v.isVisible() and v.width() > 200 for v in views.values()), timeout=2000
    )
    for view in views.values():
        assert view.height() > 100
        assert view.chart.svg.startswith(b"<?xml") and b"<svg" in view.chart.svg
        assert b"CW-Font" not in view.chart.svg  # fonts by their real names
        assert not view.image().isNull()
        assert non_white(view) > 100, view.chart.key
        # Its shape kept: drawn at the drawing's proportions.
        ratio = view.chart.height / view.chart.width
        assert abs(view.height() - view.width() * ratio) <= 2, view.chart.key

    # Small counts in full on the team's own screen (the saved report has "<5").
    outcomes = views["outcomes"]
    assert b">&lt;5<" not in outcomes.chart.svg
    assert 0 < figures.outcomes.job_started < 5 and 0 < figures.outcomes.home_lost < 5
    assert f"Job started: {figures.outcomes.job_started};" in outcomes.accessibleDescription()
    assert f"Home lost: {figures.outcomes.home_lost}".encode() in views["home"].chart.svg
    assert b"Made at visits" in views["referrals"].chart.svg


def test_tab_goes_chart_by_chart_and_scrolls_to_each(manager_ui: Officer) -> None:
    """Nothing else on the page takes the keyboard below the buttons: the charts do, so
    Tab scrolls through them and a screen reader reads each one's figures."""
    page = open_dashboard(manager_ui)
    views = page.chart_views
    manager_ui.qtbot.waitUntil(lambda: all(v.isVisible() for v in views), timeout=2000)
    page.save_button.setFocus(Qt.FocusReason.TabFocusReason)
    for view in views:
        manager_ui.press(Key.Key_Tab)
        assert manager_ui.focused is view
        assert not view.visibleRegion().isEmpty(), view.chart.key
        assert view.accessibleName() == view.chart.title and view.accessibleDescription()
    assert page.results.verticalScrollBar().value() > 0


def test_saving_writes_the_same_pdf_and_csv_as_the_command(
    manager_ui: Officer, seeded: Seeded, tmp_path: Path
) -> None:
    page = open_dashboard(manager_ui)
    show_period(manager_ui, page, PERIOD_FROM, PERIOD_TO)
    dialogs = AnsweringDialogs(tmp_path / "pilot-evaluation")  # no ".pdf" typed
    manager_ui.window.context.dialogs = dialogs

    manager_ui.click(page.save_button)
    assert dialogs.asked == [
        (
            "Save the evaluation report",
            str(Path.home() / "evaluation-report-2026-06-01-to-2026-12-31.pdf"),
            "PDF documents (*.pdf)",
        )
    ]
    pdf, sheet = tmp_path / "pilot-evaluation.pdf", tmp_path / "pilot-evaluation.csv"
    manager_ui.qtbot.waitUntil(lambda: not page.saving, timeout=30_000)
    assert page.message.text() == (
        f"Saved the evaluation report: {pdf}, and its figures for analysts: {sheet}"
    )
    assert dialogs.opened == [pdf]

    # What `caseworker report evaluation --from --to -o --csv` writes for the same period.
    figures = ev.evaluation_figures(
        seeded.store, seeded.manager, PERIOD_FROM, PERIOD_TO, today=TODAY
    )
    their_pdf, their_csv = tmp_path / "cli.pdf", tmp_path / "cli.csv"
    write_evaluation_pdf(figures, their_pdf)
    write_evaluation_csv(figures, their_csv)
    assert sheet.read_bytes() == their_csv.read_bytes()
    text = text_of(pdf)
    assert text == text_of(their_pdf)
    assert "Households seen 15" in text and "Job started fewer than 5" in text


def test_cancelling_the_save_writes_nothing(manager_ui: Officer, tmp_path: Path) -> None:
    page = open_dashboard(manager_ui)
    dialogs = AnsweringDialogs(None)
    manager_ui.window.context.dialogs = dialogs
    manager_ui.click(page.save_button)
    assert len(dialogs.asked) == 1 and not page.saving and not page.message.isVisible()
    assert dialogs.opened == []


def test_a_wrong_date_or_period_is_explained(manager_ui: Officer) -> None:
    page = open_dashboard(manager_ui)
    before = page.dashboard
    manager_ui.replace(page.date_from, "31/02/2026")
    manager_ui.press(Key.Key_Return)
    assert page.message.text() == "From: must be a date written like 31/12/1985."
    assert manager_ui.focused is page.date_from and page.dashboard is before

    manager_ui.replace(page.date_from, "01/12/2026")
    manager_ui.replace(page.date_to, "01/06/2026")
    manager_ui.press(Key.Key_Return)
    manager_ui.qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert page.message.text() == "To: the end of the period must not be before its start"
    assert page.dashboard is before  # the figures shown are still the last good ones


def test_report_paths() -> None:
    assert report_paths(Path("/x/report.pdf")) == (Path("/x/report.pdf"), Path("/x/report.csv"))
    assert report_paths(Path("/x/report.PDF")) == (Path("/x/report.PDF"), Path("/x/report.csv"))
    assert report_paths(Path("/x/q3")) == (Path("/x/q3.pdf"), Path("/x/q3.csv"))


def test_an_officer_has_no_dashboard(ui: Officer) -> None:
    ui.sign_in()
    window = ui.window
    assert not window.manager_menu.menuAction().isVisible()
    assert not window.dashboard_action.isEnabled()
    ui.shortcut(SHORTCUT)
    assert window.stack.currentWidget() is window.today  # nothing opened
    window.dashboard.run()  # even reached some other way, the page refuses
    assert window.dashboard.message.text() == "Only a team manager can see the dashboard."
    assert window.dashboard.dashboard is None and not window.dashboard.running
