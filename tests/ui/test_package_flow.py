"""The officer's package, on screen: live recommendation, changes, today's yes, a manager here."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableView
from sqlmodel import select

from caseworker.domain import signing
from caseworker.domain.household import Household
from caseworker.domain.packages import PackageStatus
from caseworker.domain.users import User
from caseworker.services import fund, households, keys, packages
from caseworker.services.rules_state import RulesState
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import UserAccount
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Officer

Key = Qt.Key


@pytest.fixture
def eligible(store: Store, manager: User, officer: User) -> Household:
    fund.open_fund(store, manager, 6_000_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    return households.create_household(store, officer, household_with_arrears(12_000))


def _start_visit(ui: Officer, household: Household) -> None:
    ui.sign_in()
    ui.open_found(household.reference)
    ui.shortcut("Ctrl+R")
    visit = ui.window.visit
    for capital, score in (("financial", "2"), ("mental", "1"), ("social", "1"), ("human", "0")):
        ui.choose(visit.fields.widgets[capital], score)


def _edit_cell(ui: Officer, view: QTableView, index: QModelIndex, text: str) -> None:
    view.scrollTo(index)
    ui.qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    editor = QApplication.focusWidget()
    ui.qtbot.keyClicks(editor, text)
    ui.qtbot.keyClick(editor, Key.Key_Return)
    # The delegate commits on the next turn of the event loop.
    editing = QAbstractItemView.State.EditingState
    ui.qtbot.waitUntil(lambda: view.state() != editing, timeout=2000)


def _row_of(view: QTableView, clause: str) -> int:
    model = view.model()
    rows = [model.index(r, 0).data() for r in range(model.rowCount())]
    return next(i for i, text in enumerate(rows) if text.startswith(clause))


def test_live_recommendation_lower_an_item_and_say_yes_today(
    ui: Officer, eligible: Household, store: Store, officer: User
) -> None:
    _start_visit(ui, eligible)
    panel = ui.window.visit.panel
    assert "Stage 3" in panel.summary.text() and "Eligible for a cash award" in panel.summary.text()
    assert panel.total.text().startswith("Total £120.00. 6.2 The officer can say yes today")
    row = _row_of(panel.items_view, "5.1")
    assert "rent arrears £120.00" in panel.items.index(row, 4).data()
    referrals = [panel.referrals.index(r, 0).data() for r in range(panel.referrals.rowCount())]
    assert "7.1 Debt advice (Citizens Advice)" in referrals

    _edit_cell(ui, panel.items_view, panel.items.index(row, 2), "100")
    assert panel.total.text().startswith("Total £100.00.")
    assert "lowered by the officer from £120.00 to £100.00" in panel.items.index(row, 4).data()

    ui.shortcut("Ctrl+S")
    page = ui.window.household
    assert ui.window.stack.currentWidget() is page
    assert "Packages tab" in page.message.text()
    ui.open_tab(page.tabs, "Packages")
    assert page.packages.model.index(0, 2).data() == "Recommended"
    ui.click(page.packages.yes_button)
    assert page.packages.model.index(0, 2).data() == "Approved on the spot (today's yes)"
    [saved] = packages.packages_of(store, eligible.id)
    assert saved.status is PackageStatus.APPROVED_ON_SPOT and saved.total_pence == 10_000
    assert fund.allowance_left(store, officer, TODAY) == 40_000
    timeline = [
        page.timeline_model.index(r, 2).data() for r in range(page.timeline_model.rowCount())
    ]
    assert "Package approved on the spot (today's yes)" in timeline


def test_exception_needs_reason_and_a_manager_approves_in_person(
    ui: Officer, eligible: Household, store: Store, officer: User, manager: User
) -> None:
    keys.forget(manager.id)  # unlocked when the fixture set her up; not on this laptop
    _start_visit(ui, eligible)
    visit = ui.window.visit
    panel = visit.panel
    row = _row_of(panel.items_view, "5.1")
    _edit_cell(ui, panel.items_view, panel.items.index(row, 2), "150")
    assert "needs a written reason" in panel.problems.text()
    ui.shortcut("Ctrl+S")
    assert ui.window.stack.currentWidget() is visit  # refused, nothing saved
    assert "needs a written reason" in visit.message.text()
    assert packages.packages_of(store, eligible.id) == []

    _edit_cell(ui, panel.items_view, panel.items.index(row, 3), "Court fee added by landlord")
    assert "6.5 A team manager must approve £150.00" in panel.total.text()
    ui.shortcut("Ctrl+S")
    page = ui.window.household
    ui.open_tab(page.tabs, "Packages")
    ui.click(page.packages.yes_button)
    assert "6.5" in page.packages.message.text()  # refused on the spot: an exception

    form = page.packages.fields.widgets
    ui.type("TM01", into=form["manager_code"])
    ui.type("not the password", into=form["manager_password"])
    ui.click(page.packages.approve_button)
    assert "password is wrong" in page.packages.message.text()
    assert form["manager_password"].text() == ""  # type: ignore[attr-defined]
    ui.type(PASSWORD, into=form["manager_password"])
    ui.click(page.packages.approve_button)
    assert page.packages.model.index(0, 2).data() == "Approved by a team manager"
    assert ui.window.context.user.id == officer.id  # the officer is still signed in
    [saved] = packages.packages_of(store, eligible.id)
    assert saved.status is PackageStatus.APPROVED and saved.total_pence == 15_000
    # Signed by the manager, whose password opened her key for this approval only.
    with store.read() as session:
        approval = session.exec(select(OutboxRow).where(OutboxRow.name == "packages.approve")).one()
        public = session.exec(
            select(UserAccount.public_key).where(UserAccount.id == manager.id)
        ).one()
    assert approval.actor_id == manager.id
    assert signing.verify(public, signing.change_message(approval.digest), approval.signature)
    assert keys.key_for(manager.id) is None and keys.key_for(officer.id) is not None


def test_broken_rules_file_keeps_last_good_rules_and_says_where(
    ui: Officer, eligible: Household, tmp_path: Path
) -> None:
    override = tmp_path / "council-rules"
    override.mkdir()
    (override / "policy.yaml").write_text("kind: policy\ntitle: Ours\nstages: [\n", "utf-8")
    ui.window.context.rules = RulesState(override=override)  # as IT would configure it
    _start_visit(ui, eligible)
    note = ui.window.visit.panel.rules_note
    assert note.isVisible()
    assert "policy.yaml" in note.text() and "last good rules" in note.text()
    assert ui.window.visit.panel.total.text().startswith("Total £120.00")


def test_manager_declares_a_conflict_and_then_cannot_approve(
    ui: Officer, eligible: Household, store: Store, officer: User, manager: User
) -> None:
    visit = add_visit(store, officer, eligible)
    package = packages.propose(store, officer, rules(), visit.id, [], TODAY)
    packages.send_to_manager(store, officer, package.id)
    ui.sign_in("TM01", PASSWORD)
    ui.open_found(eligible.reference)
    page = ui.window.household
    ui.open_tab(page.tabs, "Packages")
    ui.click(page.packages.conflict_button)
    assert page.packages.fields.error_text("conflict_reason")  # a reason is needed
    ui.type("My sister's family", into=page.packages.fields.widgets["conflict_reason"])
    ui.click(page.packages.conflict_button)
    assert "Conflict of interest recorded" in page.packages.message.text()
    with pytest.raises(packages.DecisionRefused, match="conflict of interest"):
        packages.approve(store, manager, rules(), package.id, TODAY)
    whats = [page.timeline_model.index(r, 2).data() for r in range(page.timeline_model.rowCount())]
    assert "Conflict of interest declared" in whats
