"""Documents from the household screen: PDFs written in the background, subject access."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QWidget

from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households, visits
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from tests.conftest import PASSWORD, make_household
from tests.ui.conftest import Officer


class AnsweringDialogs(DialogService):
    """Answers as the officer would, and notes what the app asked to open."""

    def __init__(self, save_to: Path | None, folder: Path | None = None) -> None:
        self.save_to, self.folder, self.opened = save_to, folder, []

    def save_path(self, parent: QWidget, title: str, suggested: str, filter: str) -> Path | None:
        return self.save_to

    def choose_folder(self, parent: QWidget, title: str) -> Path | None:
        return self.folder

    def open_file(self, path: Path) -> None:
        self.opened.append(path)


def _case(store: Store, officer: User) -> Household:
    household = households.create_household(store, officer, make_household())
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": "20/11/2026",
            "point_of_need": "Hours cut",
            "financial": "2",
        }
    )
    visits.record_visit(store, officer, visit)
    return household


def _use(ui: Officer, dialogs: AnsweringDialogs) -> None:
    ui.window.context.dialogs = dialogs
    ui.window.context.tasks.synchronous = True


def test_family_summary_pdf_is_written_where_chosen_and_opened(
    ui: Officer, store: Store, officer: User, tmp_path: Path
) -> None:
    household = _case(store, officer)
    dialogs = AnsweringDialogs(tmp_path / "summary.pdf")
    _use(ui, dialogs)
    ui.sign_in()
    ui.open_found(household.reference)
    ui.click(ui.window.household.family_pdf_button)
    assert dialogs.opened == [tmp_path / "summary.pdf"]
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "summary.pdf").pages)
    assert "Zoë O'Brien-Smith" in text and household.reference in text
    assert "Saved the family summary" in ui.window.household.message.text()
    assert not ui.window.household.sar_button.isVisible()  # officers do not see it


def test_a_pdf_that_cannot_be_written_says_so(
    ui: Officer, store: Store, officer: User, tmp_path: Path
) -> None:
    household = _case(store, officer)
    dialogs = AnsweringDialogs(tmp_path / "no such folder" / "case.pdf")
    _use(ui, dialogs)
    ui.sign_in()
    ui.open_found(household.reference)
    ui.click(ui.window.household.case_pdf_button)
    assert "was not saved" in ui.window.household.message.text()
    assert dialogs.opened == []


def test_cancelling_the_save_writes_nothing(
    ui: Officer, store: Store, officer: User, tmp_path: Path
) -> None:
    household = _case(store, officer)
    _use(ui, AnsweringDialogs(None))
    ui.sign_in()
    ui.open_found(household.reference)
    ui.click(ui.window.household.case_pdf_button)
    assert list(tmp_path.rglob("*.pdf")) == []


def test_manager_exports_a_subject_access_request(
    ui: Officer, store: Store, officer: User, manager: User, tmp_path: Path
) -> None:
    household = _case(store, officer)
    _use(ui, AnsweringDialogs(None, tmp_path / "sar"))
    ui.sign_in("TM01", PASSWORD)
    ui.open_found(household.reference)
    page = ui.window.household
    assert page.sar_button.isVisible()
    ui.click(page.sar_button)
    data = json.loads(
        (tmp_path / "sar" / f"{household.reference}-subject-access.json").read_text("utf-8")
    )
    names = [m["first_name"] for m in data["household"]["members"]]
    assert names == ["Zoë", "민준"]
    assert data["visits"][0]["visit"]["point_of_need"] == "Hours cut"
    assert (tmp_path / "sar" / f"{household.reference}-subject-access.pdf").stat().st_size > 0
    whats = [e.what for e in visits.timeline(store, household.id)]
    assert "Subject access export" in whats
