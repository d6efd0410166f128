"""The duplicates page: a manager compares a planted pair, merges it, sees both records'
packages on the kept household, and undoes the merge.

The family is Ama Mensah's, registered twice (the second time "Ama Mensha"), each
record with a package; a neighbour who only shares the postcode is not a pair.
The reason for the merge is answered through the dialog service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from caseworker.domain.duplicates import Person
from caseworker.domain.household import Household, Member, Relationship
from caseworker.domain.users import User
from caseworker.services import fund, households, packages
from caseworker.services.merge import Candidate, MergeRecord, Side
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.main_window import MainWindow
from caseworker.ui.pages.duplicates import (
    DuplicatesPage,
    EvidenceModel,
    MergesModel,
    PairsModel,
)
from tests.conftest import FIXED_NOW, PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.ui.conftest import Officer, table_rows


class AnsweringDialogs(DialogService):
    """Answers "why?" with ``reason`` (None: the manager cancelled), and notes the question."""

    def __init__(self, reason: str | None) -> None:
        self.reason = reason
        self.asked: list[str] = []

    def ask_text(self, parent: QWidget, title: str, question: str) -> str | None:
        self.asked.append(question)
        return self.reason


@dataclass
class Planted:
    kept: Household  # Ama Mensah: a today's yes
    other: Household  # "Ama Mensha": a package sent to a manager
    neighbour: Household


@pytest.fixture
def planted(store: Store, manager: User, officer: User) -> Planted:
    ruleset = rules()
    fund.open_fund(store, manager, 200_000, TODAY)
    fund.grant_allowance(store, manager, officer.id, 50_000, TODAY)
    made = []
    for surname in ("Mensah", "Mensha"):
        household = household_with_arrears(10_000)
        lead = household.members[0].model_copy(update={"surname": surname})
        saved = households.create_household(
            store, officer, household.model_copy(update={"members": [lead]})
        )
        visit = add_visit(store, officer, saved, day=TODAY)
        package = packages.propose(store, officer, ruleset, visit.id, [], TODAY)
        if package.route == "officer":
            packages.approve_on_the_spot(store, officer, ruleset, package.id, TODAY)
        made.append(saved)
    neighbour = household_with_arrears(10_000).model_copy(
        update={
            "members": [
                Member(
                    first_name="Tomasz",
                    surname="Nowak",
                    date_of_birth=date(1979, 2, 1),
                    relationship=Relationship.LEAD,
                )
            ]
        }
    )
    return Planted(made[0], made[1], households.create_household(store, officer, neighbour))


@pytest.fixture
def manager_ui(planted: Planted, qtbot: QtBot, open_window: Callable[..., MainWindow]) -> Officer:
    ui = Officer(qtbot, open_window())
    ui.sign_in("TM01", PASSWORD)
    return ui


def open_duplicates(ui: Officer, reason: str | None) -> tuple[DuplicatesPage, AnsweringDialogs]:
    """Manager > Duplicate households, by its shortcut; wait for the background scan."""
    dialogs = AnsweringDialogs(reason)
    ui.window.context.dialogs = dialogs
    ui.shortcut("Ctrl+Shift+M")
    page = ui.window.duplicates
    assert ui.window.stack.currentWidget() is page
    ui.qtbot.waitUntil(lambda: not page.scanning, timeout=10_000)
    return page, dialogs


def packages_shown(ui: Officer, household: Household) -> list[tuple[str, ...]]:
    """Open the household from the case list and read its Packages tab."""
    ui.open_found(household.reference)
    page = ui.window.household
    assert page.household is not None and page.household.id == household.id
    ui.open_tab(page.tabs, "Packages")
    return table_rows(page.packages.table)


def test_a_manager_merges_a_planted_pair_and_undoes_it(
    manager_ui: Officer, planted: Planted
) -> None:
    ui = manager_ui
    kept, other = planted.kept, planted.other
    assert len(packages_shown(ui, kept)) == 1
    page, dialogs = open_duplicates(ui, "Same family: surname mistyped at the hub")

    # One pair (not the neighbour), and the evidence of both side by side.
    [row] = table_rows(page.table)
    assert {kept.reference, other.reference} == {row[1].split()[0], row[2].split()[0]}
    assert "Same date of birth (04/05/1988)" in row[3] and "same postcode (SE15 4QF)" in row[3]
    pair = page.current()
    assert pair is not None
    evidence = {r[0]: r[1:] for r in table_rows(page.evidence)}
    assert evidence["Case reference"] == (pair.left.reference, pair.right.reference)
    assert sorted(evidence["Names"]) == ["Ama Mensah", "Ama Mensha"]
    assert evidence["Dates of birth"] == ("04/05/1988", "04/05/1988")
    assert evidence["Postcode"] == ("SE15 4QF", "SE15 4QF")
    assert evidence["Phone"] == ("(blank)", "(blank)")
    assert table_rows(page.merges) == []
    assert not page.undo_button.isEnabled()

    # Keep the first record, whichever side the scan put it on.
    keep_left = pair.left.household_id == kept.id
    ui.click(page.left_button if keep_left else page.right_button)
    assert dialogs.asked == [
        f"Merge {other.reference} into {kept.reference}. Why are they one family?"
    ]
    assert table_rows(page.table) == [] and table_rows(page.evidence) == []
    assert not page.left_button.isEnabled()
    assert page.message.text().startswith(f"Merged {other.reference} into {kept.reference}")
    [merged_row] = table_rows(page.merges)
    assert merged_row[1:] == (
        kept.reference,
        other.reference,
        "Morgan Lee",
        "Same family: surname mistyped at the hub",
        "Merged",
    )

    # The kept household shows both records' packages; the other is out of the list.
    assert len(packages_shown(ui, kept)) == 2
    assert ui.search(other.reference) == []

    # Undo: the pair is back, and each household has its own package again.
    page, _ = open_duplicates(ui, None)
    assert table_rows(page.table) == []  # still merged
    page.merges.selectRow(0)
    ui.click(page.undo_button)
    ui.qtbot.waitUntil(lambda: not page.scanning, timeout=10_000)
    assert page.message.text() == (
        f"Undone: {other.reference} and {kept.reference} are separate again."
    )
    assert len(table_rows(page.table)) == 1
    assert table_rows(page.merges)[0][5].startswith("Undone ")
    assert not page.undo_button.isEnabled()
    assert len(packages_shown(ui, kept)) == 1
    assert len(packages_shown(ui, other)) == 1


def test_cancelling_the_reason_merges_nothing(manager_ui: Officer, planted: Planted) -> None:
    page, dialogs = open_duplicates(manager_ui, None)
    manager_ui.click(page.left_button)
    assert len(dialogs.asked) == 1
    assert len(table_rows(page.table)) == 1 and table_rows(page.merges) == []
    assert not page.message.isVisible()
    manager_ui.shortcut("Alt+Left")
    assert manager_ui.window.stack.currentWidget() is manager_ui.window.today


def test_an_officer_has_no_duplicates_page(
    planted: Planted, qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    ui = Officer(qtbot, open_window())
    ui.sign_in("JS01", PASSWORD)
    assert not ui.window.duplicates_action.isEnabled()
    ui.shortcut("Ctrl+Shift+M")
    assert ui.window.stack.currentWidget() is ui.window.today  # nothing opened


def test_models_pass_qt_model_checks(qtmodeltester: ModelTester) -> None:
    side = Side(
        uuid.uuid4(), "JS01-00001", (Person("Ama", "Mensah", date(1988, 5, 4)),), "", "", ""
    )
    other = Side(uuid.uuid4(), "AK01-00001", (Person("Ama", "Mensha", None),), "", "", "")
    pairs = PairsModel()
    pairs.set_pairs([Candidate(side, other, 90, ("same postcode (SE15 4QF)",))])
    qtmodeltester.check(pairs, force_py=False)
    evidence = EvidenceModel()
    evidence.show_pair(pairs.pair(0))
    qtmodeltester.check(evidence, force_py=False)
    merges = MergesModel()
    merges.set_merges(
        [
            MergeRecord(
                uuid.uuid4(),
                side.household_id,
                side.reference,
                other.household_id,
                other.reference,
                "Morgan Lee",
                FIXED_NOW,
                "Same family",
                None,
                None,
            )
        ]
    )
    qtmodeltester.check(merges, force_py=False)
