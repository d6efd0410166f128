"""A save that fails because the store is busy says so plainly and keeps the form."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event

from caseworker import paths
from caseworker.domain.users import User
from caseworker.services import drafts, households
from caseworker.store.database import Store
from caseworker.store.errors import StoreBusy
from tests.ui.conftest import Officer


def test_failed_save_shows_the_plain_message_and_keeps_what_was_typed(
    store: Store, officer: User, ui: Officer
) -> None:
    def _short_wait(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout = 50")  # not the usual 10 seconds

    event.listen(store.engine, "connect", _short_wait)
    store.engine.dispose()
    ui.sign_in()
    page = ui.window.household
    ui.shortcut("Ctrl+N")
    ui.type("Flat 3, 41 Bellenden Road")
    ui.type("se15 4qf", into=page.fields.widgets["postcode"])
    ui.open_tab(page.tabs, "Members")
    member = page.member_fields.widgets
    ui.type("Zoë", into=member["first_name"])
    ui.type("O'Brien-Smith", into=member["surname"])
    ui.type("12/03/1985", into=member["date_of_birth"])
    ui.click(page.add_member_button)
    typed = page.fields.values()
    assert [m.surname for m in page.members] == ["O'Brien-Smith"]

    other = sqlite3.connect(paths.local_store_path(), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another window is in the middle of a write
    try:
        ui.shortcut("Ctrl+S")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert page.message.text() == f"Not saved. {StoreBusy.LOCAL}"
    assert page.message.property("error") is True
    assert page.fields.values() == typed  # nothing typed was cleared
    assert page.fields.widgets["address_line1"].text() == "Flat 3, 41 Bellenden Road"
    assert [m.surname for m in page.members] == ["O'Brien-Smith"]
    assert page.household is None and households.search(store, "") == []

    page.flush()  # the store is free again: what was typed is kept as a draft
    kept = drafts.load_draft(store, officer, "household", page.draft_subject)
    assert kept is not None and kept["fields"] == typed
    assert [m["surname"] for m in kept["members"]] == ["O'Brien-Smith"]
    ui.shortcut("Ctrl+S")
    assert page.message.text().startswith("Saved household ")
    [saved] = households.search(store, "")
    assert households.get_household(store, saved.id).address_line1 == "Flat 3, 41 Bellenden Road"
