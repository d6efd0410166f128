"""A full session with distinctive names leaves none of them in the log files."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator

import pytest

from caseworker import paths
from caseworker.domain.users import User
from caseworker.logs import ErrorNotifier, setup_logging
from caseworker.services import fund
from tests.services.packages_fixtures import TODAY
from tests.ui.conftest import Officer

FIRST, SURNAME, POSTCODE = "Zephyrine", "Vandersloot-Ngata", "SE22 9ZZ"
NOTE = "Lost her job at the Thamesmead depot"


@pytest.fixture
def log_files(data_dir: object) -> Iterator[None]:
    setup_logging()
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            root.removeHandler(handler)
            handler.close()


def test_session_logs_hold_ids_not_people(
    ui: Officer, log_files: None, manager: User, officer: User
) -> None:
    store = ui.window.context.store
    fund.open_fund(store, manager, 6_000_000, TODAY)
    ui.sign_in()
    ui.shortcut("Ctrl+N")
    page = ui.window.household
    ui.type("1 Lordship Lane", into=page.fields.widgets["address_line1"])
    ui.type(POSTCODE, into=page.fields.widgets["postcode"])
    ui.type("1,250.00", into=page.fields.widgets["rent_arrears_pence"])
    ui.open_tab(page.tabs, "Members")
    ui.type(FIRST, into=page.member_fields.widgets["first_name"])
    ui.type(SURNAME, into=page.member_fields.widgets["surname"])
    ui.type("04/05/1987", into=page.member_fields.widgets["date_of_birth"])
    ui.click(page.add_member_button)
    ui.shortcut("Ctrl+S")
    assert "Saved household" in page.message.text()
    ui.shortcut("Ctrl+R")
    ui.type(NOTE, into=ui.window.visit.fields.widgets["point_of_need"])
    ui.shortcut("Ctrl+S")
    ui.shortcut("Ctrl+L")
    ui.type("not my password", into=ui.window.lock_page.password)
    ui.click(ui.window.lock_page.unlock_button)
    ErrorNotifier().report(ValueError(f"bad value for {SURNAME} at {POSTCODE}"))
    for handler in logging.getLogger().handlers:
        handler.flush()

    logs = list(paths.log_dir().glob("*.log*"))
    assert logs, "the session wrote no log file"
    text = "\n".join(p.read_text("utf-8") for p in logs)
    assert "signed in" in text and "household" in text and "ValueError" in text
    for secret in (
        FIRST,
        SURNAME,
        "Vandersloot",
        POSTCODE,
        "1987-05-04",
        "04/05/1987",
        "Thamesmead",
        "Lordship",
        "1,250.00",
        "125000",
        "not my password",
    ):
        assert secret not in text, secret
