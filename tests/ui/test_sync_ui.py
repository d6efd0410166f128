"""Sync in the window: the status bar's counts, Sync now, conflicts and refused changes.

The window's store is laptop A; laptop B is a second local store synced with the
service directly. The shared store is a SQLite file named in the user's settings,
as IT would set ``shared_store_url``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlmodel import col, func, select

from caseworker.domain.household import Household
from caseworker.domain.users import Role, User
from caseworker.services import fund, households, packages, parked, users
from caseworker.services.conflicts import open_conflicts
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused
from caseworker.services.sync_view import mutation_label
from caseworker.settings import save_user_settings
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import AuditEventRow
from caseworker.sync.connect import open_team_store
from caseworker.sync.run import SyncReport, sync
from caseworker.ui import sync_status
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import MainWindow
from caseworker.ui.pages.conflicts import ConflictsModel, RefusedModel, show_value
from caseworker.ui.sync_status import CONNECTING, NOT_CONFIGURED, OFFLINE
from caseworker.ui.tasks import TaskRunner
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import WINDOW_SIZE, Key, Officer, table_rows
from tests.ui.test_duplicates_page import AnsweringDialogs
from tests.ui.test_officer_workflow import _create_household_through_ui


@pytest.fixture
def shared_url(tmp_path: Path, data_dir: Path) -> Iterator[str]:
    """A fresh shared store, named in the user's settings file."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    Store.open_shared(url, upgrade=True).dispose()
    save_user_settings({"shared_store_url": url})
    yield url


@pytest.fixture
def laptop_b(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open_local(tmp_path / "b.db")
    yield opened
    opened.dispose()


def sync_b(laptop: Store, url: str) -> SyncReport:
    shared = open_team_store(url)
    try:
        return sync(laptop, shared, rules())
    finally:
        shared.dispose()


def shared_households(url: str) -> list[str]:
    shared = open_team_store(url)
    try:
        return [s.reference for s in households.search(shared, "", 0, 100)]
    finally:
        shared.dispose()


@pytest.fixture
def sync_window(qtbot: QtBot, store: Store, officer: User) -> MainWindow:
    """The main window with background work done at once, in order (no background timer)."""
    window = MainWindow(AppContext(store, tasks=TaskRunner(synchronous=True)))
    qtbot.addWidget(window)
    window.resize(*WINDOW_SIZE)
    window.sync.stop_background()
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


@pytest.fixture
def ui(qtbot: QtBot, sync_window: MainWindow) -> Officer:
    return Officer(qtbot, sync_window)


def bar(window: MainWindow) -> dict[str, str]:
    """What the sync part of the status bar shows, by label."""
    view = window.sync_status
    shown: dict[str, QLabel | QToolButton] = {
        "connection": view.connection,
        "waiting": view.waiting,
        "last": view.last_sync,
        "conflicts": view.conflicts,
        "refused": view.refused,
    }
    return {name: w.text() for name, w in shown.items() if w.isVisible()}


def wait_for(ui: Officer, name: str, text: str) -> None:
    def shows() -> None:
        assert bar(ui.window).get(name) == text

    ui.qtbot.waitUntil(shows, timeout=2000)


def pending(store: Store) -> int:
    with store.read() as session:
        return int(
            session.exec(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "pending")
            ).one()
        )


def make_conflict(
    ui: Officer, laptop_b: Store, url: str, field: str, a_value: str, b_value: str
) -> Household:
    """A household both laptops have, then ``field`` changed differently on each while
    apart: A (the window, officer Jo Smith) sends first, so its value stays in use."""
    store = ui.window.context.store
    officer = users.sign_in(store, "JS01", PASSWORD)
    created = households.create_household(store, officer, make_household())
    ui.shortcut("F9")
    sync_b(laptop_b, url)
    households.update_household(store, officer, created.model_copy(update={field: a_value}))
    manager = users.sign_in(laptop_b, "TM01", PASSWORD)
    on_b = households.get_household(laptop_b, created.id)
    households.update_household(laptop_b, manager, on_b.model_copy(update={field: b_value}))
    ui.shortcut("F9")
    sync_b(laptop_b, url)
    ui.shortcut("F9")
    return created


# -- status and Sync now --------------------------------------------------------------


def test_without_a_store_the_bar_says_so_and_counts_what_waits(
    data_dir: Path, store: Store, ui: Officer
) -> None:
    ui.sign_in()
    assert bar(ui.window) == {"connection": NOT_CONFIGURED, "waiting": "2 changes waiting"}
    ui.shortcut("F9")  # nothing to sync with: a message, not a dialog
    assert "no shared store" in ui.window.statusBar().currentMessage()
    assert pending(store) == 2


def test_a_new_household_waits_until_sync_now(shared_url: str, store: Store, ui: Officer) -> None:
    ui.sign_in()
    # The team's two accounts (made before the window opened) wait to be sent.
    assert bar(ui.window) == {
        "connection": CONNECTING,
        "waiting": "2 changes waiting",
        "last": "Last sync never",
        "conflicts": "0 conflicts to resolve",
    }
    ui.shortcut("F9")
    shown = bar(ui.window)
    assert shown["connection"] == "Online"
    assert shown["waiting"] == "0 changes waiting"
    assert shown["last"].startswith("Last sync ") and shown["last"] != "Last sync never"
    assert not ui.window.sync_status.busy.isVisible()

    reference = _create_household_through_ui(ui)
    wait_for(ui, "waiting", "1 change waiting")
    assert shared_households(shared_url) == []
    ui.shortcut("F9")
    assert bar(ui.window)["waiting"] == "0 changes waiting"
    assert shared_households(shared_url) == [reference]
    assert "Synced: sent 1 change" in ui.window.statusBar().currentMessage()


@pytest.mark.parametrize(
    "address",
    [
        "sqlite:////nonexistent/dir/x.db",
        "postgresql+psycopg://caseworker@127.0.0.1:1/team",  # a closed port
    ],
)
def test_an_unreachable_store_shows_offline_and_loses_nothing(
    shared_url: str, store: Store, officer: User, ui: Officer, address: str
) -> None:
    save_user_settings({"shared_store_url": address})
    ui.sign_in()
    households.create_household(store, officer, make_household())
    wait_for(ui, "waiting", "3 changes waiting")
    ui.shortcut("F9")
    assert bar(ui.window)["connection"] == OFFLINE
    assert "cannot be reached" in ui.window.sync_status.connection.toolTip()
    assert bar(ui.window)["waiting"] == "3 changes waiting"
    assert pending(store) == 3
    # The network comes back: everything goes, once.
    save_user_settings({"shared_store_url": shared_url})
    ui.shortcut("F9")
    assert bar(ui.window)["connection"] == "Online"
    assert bar(ui.window)["waiting"] == "0 changes waiting"
    assert len(shared_households(shared_url)) == 1


def test_a_sync_can_be_cancelled_and_never_runs_twice(
    shared_url: str,
    qtbot: QtBot,
    store: Store,
    officer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real threads here: the sync waits until Esc sets its cancel flag."""
    calls: list[threading.Thread] = []
    started = threading.Event()

    def slow_sync(local: Store, shared: Store, rules: Any, cancelled: Callable[[], bool]) -> Any:
        calls.append(threading.current_thread())
        started.set()
        for _ in range(500):
            if cancelled():
                return SyncReport()
            threading.Event().wait(0.01)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(sync_status, "sync", slow_sync)
    window = MainWindow(AppContext(store, tasks=TaskRunner()))
    qtbot.addWidget(window)
    window.sync.stop_background()
    with qtbot.waitActive(window):
        window.show()
    ui = Officer(qtbot, window)
    ui.sign_in()
    ui.shortcut("F9")
    assert started.wait(5)
    assert window.sync.running and window.sync_status.busy.isVisible()
    assert window.sync_status.cancel_button.isVisible()
    assert bar(window)["connection"] == "Syncing…"
    window.sync.sync_now(manual=False)  # the timer firing now starts nothing
    ui.shortcut("F9")
    assert window.statusBar().currentMessage() == "A sync is already running."
    ui.press(Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=5000)
    assert len(calls) == 1 and calls[0] is not threading.current_thread()
    assert not window.sync_status.busy.isVisible()
    assert "Sync stopped" in window.statusBar().currentMessage()
    assert window.sync.sync_action.isEnabled() and not window.sync.cancel_action.isEnabled()


def test_a_bug_in_sync_goes_to_the_error_report(
    shared_url: str, ui: Officer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> SyncReport:
        raise ValueError("a bug")

    monkeypatch.setattr(sync_status, "sync", broken)
    ui.sign_in()
    with ui.qtbot.captureExceptions() as caught:
        ui.shortcut("F9")
    assert [type(e[1]) for e in caught] == [ValueError]
    assert not ui.window.sync.running
    assert bar(ui.window)["connection"] == CONNECTING


# -- conflicts ------------------------------------------------------------------------


def test_a_conflict_is_shown_and_resolved_with_the_other_value(
    shared_url: str,
    store: Store,
    laptop_b: Store,
    manager: User,
    officer: User,
    ui: Officer,
) -> None:
    window = ui.window
    ui.sign_in()
    created = make_conflict(ui, laptop_b, shared_url, "phone", "07700 900001", "07700 900002")
    assert bar(window)["conflicts"] == "1 conflict to resolve"
    assert window.sync_status.conflicts.property("attention")

    ui.click(window.sync_status.conflicts)
    page = window.conflicts
    assert window.stack.currentWidget() is page
    assert ui.focused is page.table
    [row] = table_rows(page.table)
    assert row[:5] == (created.reference, "Phone", "07700 900001", "07700 900002", "Morgan Lee")
    ui.click(page.other_button)
    assert page.message.text() == f"{created.reference}: Phone is now 07700 900002."
    assert table_rows(page.table) == []
    assert not page.other_button.isEnabled()
    wait_for(ui, "conflicts", "0 conflicts to resolve")
    assert not window.sync_status.conflicts.property("attention")

    ui.open_found(created.reference)
    phone = window.household.fields.widgets["phone"]
    assert isinstance(phone, QLineEdit) and phone.text() == "07700 900002"
    # The choice is a change like any other: it reaches the store and laptop B.
    wait_for(ui, "waiting", "1 change waiting")
    ui.shortcut("F9")
    sync_b(laptop_b, shared_url)
    assert households.get_household(laptop_b, created.id).phone == "07700 900002"
    assert open_conflicts(laptop_b) == []


def test_keep_the_value_in_use_by_keyboard(
    shared_url: str,
    store: Store,
    laptop_b: Store,
    manager: User,
    officer: User,
    ui: Officer,
) -> None:
    ui.sign_in()
    created = make_conflict(ui, laptop_b, shared_url, "town", "Camberwell", "Dulwich")
    window = ui.window
    window.conflicts_action.trigger()  # Case > Conflicts and refused changes…
    page = window.conflicts
    assert ui.focused is page.table
    ui.shortcut("Alt+K")
    ui.qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=2000)
    assert households.get_household(store, created.id).town == "Camberwell"
    ui.shortcut("Alt+Left")
    assert window.stack.currentWidget() is window.search


def test_the_conflicts_page_stays_shut_behind_the_lock_screen(
    shared_url: str, laptop_b: Store, ui: Officer
) -> None:
    ui.sign_in()
    make_conflict(ui, laptop_b, shared_url, "phone", "07700 900001", "07700 900002")
    ui.shortcut("Ctrl+L")
    window = ui.window
    assert window.stack.currentWidget() is window.lock_page
    assert bar(window)["conflicts"] == "1 conflict to resolve"  # a count, never a name
    ui.click(window.sync_status.conflicts)
    assert window.stack.currentWidget() is window.lock_page


# -- refused changes ------------------------------------------------------------------


def test_a_refused_change_is_parked_with_its_reason_then_discarded_with_a_why(
    shared_url: str,
    store: Store,
    laptop_b: Store,
    manager: User,
    officer: User,
    ui: Officer,
) -> None:
    """The same officer's allowance spent on two laptops: the store refuses the second.
    The yes stays on this laptop, listed with the store's reason, until the officer
    discards it (asked why); then the allowance comes back at the next sync."""
    fund.open_fund(store, manager, 200_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 30_000, TODAY)
    ui.sign_in()
    ui.shortcut("F9")
    sync_b(laptop_b, shared_url)
    for laptop in (laptop_b, store):
        case = households.create_household(laptop, officer, household_with_arrears(20_000))
        visit = add_visit(laptop, officer, case)
        package = packages.propose(laptop, officer, rules(), visit.id, [], TODAY)
        packages.approve_on_the_spot(laptop, officer, rules(), package.id, TODAY)
    mine = case.id  # the window's: laptop B sends first, so this approval is refused
    sync_b(laptop_b, shared_url)
    ui.shortcut("F9")
    window = ui.window
    ui.qtbot.waitUntil(lambda: bar(window)["refused"] == "1 change not accepted", timeout=5000)
    assert "1 change not accepted, kept here" in window.statusBar().currentMessage()
    # Both yeses count here until a person decides: the refused one is not undone silently.
    assert fund.allowance_left(store, officer, TODAY) == -10_000
    reference = households.get_household(store, mine).reference
    [(shown, *_rest)] = ui.search(reference)
    assert shown == f"{reference} (not accepted by the team store)"

    ui.click(window.sync_status.refused)
    page = window.conflicts
    assert window.stack.currentWidget() is page
    [row] = table_rows(page.refused_table)
    assert row[0] == households.get_household(store, mine).reference
    assert row[1] == "Yes today (on-the-spot approval)"
    assert row[3] == "Not accepted by the team store" and "allowance" in row[4]
    assert page.dismiss_button.isEnabled() and page.resend_button.isEnabled()

    dialogs = AnsweringDialogs(None)  # the officer cancels: nothing is discarded
    window.context.dialogs = dialogs
    ui.click(page.dismiss_button)
    assert len(table_rows(page.refused_table)) == 1
    dialogs.reason = "Family helped on the other laptop"
    ui.click(page.dismiss_button)
    assert "Discarded: Yes today (on-the-spot approval)" in page.message.text()
    ui.shortcut("F9")
    ui.qtbot.waitUntil(lambda: "refused" not in bar(window), timeout=5000)
    assert parked.parked_changes(store) == []
    assert fund.allowance_left(store, officer, TODAY) == 10_000
    assert ui.search(reference)[0][0] == reference  # the store's copy, no longer marked
    with store.read() as session:
        actions = session.exec(select(AuditEventRow.action)).all()
    assert "change not accepted, discarded" in actions


# -- models and words -----------------------------------------------------------------


def test_conflict_and_refused_models_pass_qt_checks(
    qtmodeltester: ModelTester,
    shared_url: str,
    store: Store,
    laptop_b: Store,
    manager: User,
    officer: User,
    ui: Officer,
) -> None:
    ui.sign_in()
    make_conflict(ui, laptop_b, shared_url, "email", "a@example.org", "b@example.org")
    model = ConflictsModel()
    model.set_conflicts(open_conflicts(store))
    assert model.rowCount() == 1
    qtmodeltester.check(model)
    refused = RefusedModel()
    qtmodeltester.check(refused)


def test_values_and_changes_read_as_the_screens_show_them() -> None:
    assert show_value("savings_pence", 12_000) == "£120.00"
    assert show_value("tenure", "private_renter") == "Private renter"
    assert show_value("benefits", ["child_benefit", "other"]) == "Child Benefit, Other benefit"
    assert show_value("member:abc.date_of_birth", "2012-07-01") == "01/07/2012"
    assert show_value("member:abc.relationship", "other") == "Other (not related)"
    assert show_value("member:abc", True) == "In the household"
    assert show_value("member:abc.reduced_hours", False) == "No"
    assert show_value("phone", None) == "(blank)"
    assert mutation_label("packages.approve_on_the_spot") == "Yes today (on-the-spot approval)"
    assert mutation_label("things.do_something") == "Things: do something"


def test_last_sync_time_reads_in_local_time() -> None:

    now = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
    earlier = datetime(2026, 5, 3, 11, 5)  # naive: stored UTC; 12:05 BST in the UK
    assert sync_status.sync_time(earlier, now) == "12:05"
    late = datetime(2026, 5, 2, 23, 30, tzinfo=UTC)  # 00:30 BST on 3 May: today in the UK
    assert sync_status.sync_time(late, now) == "00:30"
    assert sync_status.sync_time(None) == "never"
    assert "/" in sync_status.sync_time(datetime(2026, 4, 1, 9, 0, tzinfo=UTC), now)


def test_only_its_maker_or_a_manager_may_resend_or_discard_a_parked_change(
    store: Store, manager: User, officer: User
) -> None:
    other = users.add_user(store, manager, "Sam Patel", "SP01", Role.OFFICER, PASSWORD)
    with store.unit_of_work() as session:
        row = session.exec(select(OutboxRow).order_by(col(OutboxRow.mutation_id))).first()
        assert row is not None
        row.state, row.reason, row.actor_id = "parked", "Refused for a test.", officer.id
        session.add(row)
        key = (row.client_id, row.mutation_id)
    [listed] = parked.parked_changes(store)
    assert (listed.reason, listed.label) == ("Refused for a test.", "User account added")
    with pytest.raises(PermissionRefused):
        parked.discard(store, other, *key, why="Not mine")
    with pytest.raises(InvalidInput):
        parked.discard(store, manager, *key, why="  ")
    parked.discard(store, manager, *key, why="Made in error")
    states = [c.state for c in parked.parked_changes(store)]
    # The account's later changes (the other officer it added) go with it.
    assert states[0] == "discarded" and set(states[1:]) <= {"dropped"}
    with pytest.raises(NotFound):
        parked.discard(store, officer, *key, why="Again")


def test_a_new_laptops_first_sync_leaves_first_run_set_up_for_sign_in(
    qtbot: QtBot, shared_url: str, tmp_path: Path, laptop_b: Store
) -> None:
    """The team's manager exists in the shared store; this laptop has nobody yet."""
    users.create_first_manager(laptop_b, "Morgan Lee", "TM01", PASSWORD)
    sync_b(laptop_b, shared_url)
    new_laptop = Store.open_local(tmp_path / "new.db")
    try:
        window = MainWindow(AppContext(new_laptop, tasks=TaskRunner(synchronous=True)))
        qtbot.addWidget(window)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        assert window.signin.setup_box.isVisible()
        # Nobody can press Sync now before signing in: the sync soon after start runs.
        assert not window.sync_action.isEnabled()
        qtbot.waitUntil(lambda: not window.signin.setup_box.isVisible(), timeout=10_000)
        assert not window.signin.setup_box.isVisible()
        assert window.signin.sign_in_box.isVisible()
        assert window.signin.message.text().startswith("The team's accounts arrived")
        qtbot.keyClicks(window.signin.code, "TM01")
        qtbot.keyClicks(window.signin.password, PASSWORD)
        qtbot.keyClick(window.signin.password, Key.Key_Return)
        window.sync.stop()
        assert window.context.current_user is not None
        assert window.context.current_user.officer_code == "TM01"
    finally:
        window.close()
        new_laptop.dispose()
