"""The visit on one screen at 1366x768: the form on the left, and beside it the live
stage, package and each item's full "why", the package needing no scroll (issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QComboBox

from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households, visits
from caseworker.store.database import Store
from caseworker.ui.main_window import MainWindow
from tests.services.packages_fixtures import household_with_arrears
from tests.ui.conftest import Officer


def test_the_package_and_its_why_sit_beside_the_form_as_the_officer_types(
    qtbot: object, store: Store, officer: User, open_window: Callable[..., MainWindow]
) -> None:
    household = households.create_household(store, officer, household_with_arrears(12_000))
    window, _ui = _visit_scored(qtbot, open_window, household)
    visit = window.visit
    panel = visit.panel
    qtbot.waitUntil(lambda: panel.items.rowCount() > 0, timeout=3000)  # type: ignore[attr-defined]
    assert "Stage 3" in panel.summary.text()
    view = panel.items_view
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: view.viewport().height() >= view.verticalHeader().length(), timeout=3000
    )

    # Beside the form, not below it, and all of it in view without scrolling.
    form, package = visit.form_area, visit.package_area
    assert package.geometry().left() >= form.geometry().right()
    assert package.geometry().top() == form.geometry().top()
    assert package.horizontalScrollBar().maximum() == 0
    # The package (stage, every item, total and route) in view without scrolling; the
    # referrals and what-ifs follow below it.
    assert package.verticalScrollBar().value() == 0
    for part in (panel.summary, panel.items_view, panel.total):
        bottom = part.mapTo(package.widget(), part.rect().bottomLeft()).y()
        assert bottom <= package.viewport().height(), part.accessibleName()
    assert not view.visibleRegion().isEmpty() and not panel.total.visibleRegion().isEmpty()
    # Every item and each "why" in full: every row in view, as tall as its wrapped text
    # needs, and no column pushed off the side.
    for table in (view, panel.referrals_view, panel.gaps_view):
        model = table.model()
        why = model.columnCount() - 1
        assert model.rowCount() > 0
        for row in range(model.rowCount()):
            cell = table.visualRect(model.index(row, why))
            assert table.rowHeight(row) >= table.sizeHintForIndex(model.index(row, why)).height()
            assert cell.bottom() <= table.viewport().height(), (table.accessibleName(), row)
            assert cell.right() <= table.viewport().width()


def test_facts_the_engine_refuses_are_said_beside_the_form_and_not_saved(
    qtbot: object, store: Store, officer: User, open_window: Callable[..., MainWindow]
) -> None:
    """A lead contact recorded as 10 years old: the visit screen says what
    ``caseworker rules evaluate`` would say, instead of a package, and Ctrl+S refuses."""
    family = household_with_arrears(12_000)
    child_lead = family.members[0].model_copy(update={"date_of_birth": date(2016, 5, 4)})
    household = households.create_household(
        store, officer, family.model_copy(update={"members": [child_lead]})
    )
    window, ui = _visit_scored(qtbot, open_window, household)
    visit = window.visit
    said = (
        "Member 1 (Ama Mensah): the lead contact must be an adult (18 or over on the "
        "visit date, policy part 2), and is 10."
    )
    assert visit.panel.summary.text() == said
    ui.shortcut("Ctrl+S")
    assert visit.message.text() == f"Not saved. {said}"
    assert visits.visits_of(store, household.id) == []


def _visit_scored(
    qtbot: object, open_window: Callable[..., MainWindow], household: Household
) -> tuple[MainWindow, Officer]:
    """At 1366x768, signed in, the household's new visit (Ctrl+R) scored 2, 1, 1, 1."""
    window = open_window(size=(1366, 768))
    ui = Officer(window=window, qtbot=qtbot)  # type: ignore[arg-type]
    ui.sign_in()
    ui.open_found(household.reference)
    ui.shortcut("Ctrl+R")
    for capital, score in (("financial", "2"), ("mental", "1"), ("social", "1"), ("human", "1")):
        combo = window.visit.fields.widgets[capital]
        assert isinstance(combo, QComboBox)
        ui.choose(combo, score)
    return window, ui
