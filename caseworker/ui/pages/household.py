"""A household: details, members, timeline, packages, and before and after its reviews.

Unsaved changes are kept as a draft.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock, labels, member_defaults
from caseworker.domain.dates import local_stamp, typed_date
from caseworker.domain.errors import CaseworkerError, EnvironmentProblem
from caseworker.domain.household import (
    Benefit,
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.money import format_pence
from caseworker.domain.users import Role
from caseworker.reports import write_case_file, write_family_copy
from caseworker.services import drafts, households, reviews, visits
from caseworker.services.case_file import case_file
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.subject_access import export_subject_access
from caseworker.ui.context import AppContext
from caseworker.ui.duplicates_panel import DuplicatesPanel
from caseworker.ui.fields import FieldSet, with_mnemonic
from caseworker.ui.models import ListTableModel
from caseworker.ui.packages_panel import PackagesPanel
from caseworker.ui.pages.reviews import BEFORE_AFTER_HEADERS, before_after_rows
from caseworker.ui.referrals_panel import ReferralsPanel
from caseworker.ui.widgets import (
    banner,
    button,
    enter_presses,
    heading,
    row_table,
    scrolling,
    section,
    show_banner,
)

DRAFT_DELAY_MS = 1000
NEW = "new"
# What the duplicates check reads: the lead contact's name and birth date, and the address.
_LEAD_FIELDS = ("first_name", "surname", "date_of_birth")
_CONTACT_FIELDS = ("postcode", "phone", "email")


class HouseholdPage(QWidget):
    record_visit = Signal(object)  # Household
    back = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.household: Household | None = None
        self.members: list[Member] = []
        self._loading = False
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)

        layout = QVBoxLayout(self)
        self.title = heading("New household")
        layout.addWidget(self.title)
        self.message = banner()
        layout.addWidget(self.message)
        # "Already known?": only for a new household. Made before the tabs, so its list is
        # the Tab stop just before the tab bar (Shift+Tab from the tab bar reaches it).
        self.duplicates = DuplicatesPanel(context)
        self.duplicates.open_household.connect(self.open_instead)
        self._fit_duplicates_to_rows()
        layout.addWidget(self.duplicates)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Household sections")
        layout.addWidget(self.tabs, 1)
        # Alt+letters of the Case menu, tabs, and buttons; the fields take the rest.
        taken = set("cdmtkbvraulo")
        self.fields = FieldSet(self._changed, taken)
        # The Members fields are never on screen with the Details ones: their own letters
        # (Alt+W work status, Alt+H hours reduced), not what Details left over (none).
        member_taken = set(taken)
        self.member_fields = FieldSet(self._changed, member_taken)
        self.tabs.addTab(scrolling(self._details()), "&Details")
        self.tabs.addTab(scrolling(self._members()), "&Members")
        self.tabs.addTab(self._timeline(), "&Timeline")
        # Its own Alt+letters: only the Case menu's, the tabs' and the buttons below are
        # on screen with it (the Details and Members fields are on other tabs).
        self.packages = PackagesPanel(context, clock.today, set("cdmtkbvr"))
        self.packages.changed.connect(self._package_decided)
        self._packages_tab = scrolling(self.packages)
        self.tabs.addTab(self._packages_tab, "Pac&kages")
        # Every letter of its title is already an Alt+key here: reached by Ctrl+Tab or a click.
        self.tabs.addTab(self._before_after(), "Before and after")
        # The directory services for each referral; likewise no Alt+letter is left for it.
        self.referrals = ReferralsPanel(context, clock.now, taken)
        self.tabs.addTab(self.referrals, "Referrals")

        documents = QHBoxLayout()
        documents.addWidget(QLabel("Documents:"))
        both = taken | member_taken  # in view with either tab
        self.family_pdf_button = button(with_mnemonic("Family summary (PDF)", both), "Ctrl+P")
        self.case_pdf_button = button(with_mnemonic("Case file (PDF)", both))
        self.sar_button = button("Subject access export")
        for push in (self.family_pdf_button, self.case_pdf_button, self.sar_button):
            documents.addWidget(push)
        documents.addStretch(1)
        layout.addLayout(documents)
        self.family_pdf_button.clicked.connect(lambda: self.make_pdf(family=True))
        self.case_pdf_button.clicked.connect(lambda: self.make_pdf(family=False))
        self.sar_button.clicked.connect(self.subject_access)

        buttons = QHBoxLayout()
        self.back_button = button("&Back to search", "Alt+Left")
        self.save_button = button("Sa&ve household", "Ctrl+S")
        self.visit_button = button("&Record a visit", "Ctrl+R")
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.visit_button)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.leave)
        self.save_button.clicked.connect(self.save)
        self.visit_button.clicked.connect(self._record_visit)
        self.fields.focus_chain()
        self.member_fields.focus_chain()
        self._carried = SelectedWhileCarried(self.member_fields.widgets["surname"])
        self._follow_member_defaults()
        # Enter in a field presses the form's main button: Save on Details; on Members,
        # Update member for a member reopened from the list, else Add member.
        enter_presses(self._details_page, self.save_button)
        enter_presses(self._member_box, self._member_button)

    # -- building -------------------------------------------------------------
    def _details(self) -> QWidget:
        page = self._details_page = QWidget()
        column = QVBoxLayout(page)
        box, form = section("Address and contact")
        f = self.fields
        f.line(form, "address_line1", "Address")
        f.line(form, "address_line2", "Address line 2")
        f.line(form, "town", "Town")
        f.line(form, "postcode", "Postcode", "e.g. SE15 4QF")
        f.line(form, "phone", "Phone")
        f.line(form, "email", "Email")
        column.addWidget(box)
        box, form = section("Money and housing")
        f.choice(form, "tenure", "Tenure", labels.choices(Tenure, "Not recorded"))
        money_help = "In pounds, e.g. 1,240.00. Leave empty if not asked; 0 if none."
        f.line(form, "savings_pence", "Savings (£)", "not recorded", money_help)
        f.line(form, "rent_arrears_pence", "Rent arrears (£)", "not recorded", money_help)
        f.line(form, "mortgage_arrears_pence", "Mortgage arrears (£)", "not recorded", money_help)
        f.line(
            form,
            "utility_arrears_pence",
            "Utility arrears (£)",
            "not recorded",
            "Gas, electricity and water together. " + money_help,
        )
        f.line(
            form, "council_tax_arrears_pence", "Council tax arrears (£)", "not recorded", money_help
        )
        f.line(
            form,
            "other_debts_pence",
            "Other debts (£)",
            "not recorded",
            "Credit cards, loans, overdrafts, catalogue and buy-now-pay-later. " + money_help,
        )
        f.checks(form, "benefits", "Benefits claimed", labels.choices(Benefit))
        column.addWidget(box)
        column.addStretch(1)
        return page

    def _members(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.members_model = ListTableModel(
            ("Name", "Date of birth", "Relationship", "Work status")
        )
        self.members_table = row_table(self.members_model, "Household members")
        self.members_table.setMinimumHeight(140)
        self.members_table.clicked.connect(lambda idx: self._edit_member(idx.row()))
        # Enter (or a double-click) on a row reopens it in the form, ready to change.
        self.members_table.activated.connect(lambda idx: self._reopen_member(idx.row()))
        column.addWidget(self.members_table)
        box, form = section("Member")
        self._member_box = box
        m = self.member_fields
        # Surname first, as council forms ask it: a family's next member keeps it, so
        # typing starts on First name (focus_member_form) and Tab goes straight on to
        # the date of birth.
        m.line(form, "surname", "Surname")
        m.line(form, "first_name", "First name")
        m.date(form, "date_of_birth", "Date of birth", past=True)
        m.choice(form, "relationship", "Relationship to lead contact", labels.choices(Relationship))
        m.choice(form, "work_status", "Work status", labels.choices(WorkStatus, "Not recorded"))
        m.check(form, "reduced_hours", "Hours reduced")
        m.date(
            form,
            "earnings_fell_on",
            "Date earnings fell",
            "dd/mm/yyyy, if they did",
            past=True,
            recent=True,
        )
        m.choice(
            form,
            "earnings_fall_reason",
            "Why earnings fell",
            labels.choices(IncomeDropReason, "Not recorded"),
        )
        m.check(form, "in_education_or_training", "In education or training")
        row = QHBoxLayout()
        self.add_member_button = button("&Add member", "Ctrl+M")
        self.update_member_button = button("&Update member")
        self.remove_member_button = button("Rem&ove member")
        self.clear_member_button = button("C&lear")
        for push in (
            self.add_member_button,
            self.update_member_button,
            self.remove_member_button,
            self.clear_member_button,
        ):
            row.addWidget(push)
        form.addRow(row)
        self.add_member_button.clicked.connect(self.add_member)
        self.update_member_button.clicked.connect(self.update_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.clear_member_button.clicked.connect(self._clear_member)
        column.addWidget(box)
        column.addStretch(1)
        return page

    def _timeline(self) -> QWidget:
        self.timeline_model = ListTableModel(("When", "Who", "What", "Details"))
        self.timeline = QTableView()
        self.timeline.setAccessibleName("Household timeline")
        self.timeline.setModel(self.timeline_model)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setTabKeyNavigation(False)
        self.timeline.verticalHeader().hide()
        header = self.timeline.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.timeline.setWordWrap(True)
        return self.timeline

    def _before_after(self) -> QWidget:
        """The four capitals at each visit that led to a package, and at its review (part 8).

        A tab of its own: the Timeline tab is the audit table itself.
        """
        page = QWidget()
        column = QVBoxLayout(page)
        self.before_after_note = QLabel()
        self.before_after_note.setWordWrap(True)
        self.before_after_note.setAccessibleName("Before and after")
        column.addWidget(self.before_after_note)
        self.before_after_model = ListTableModel(BEFORE_AFTER_HEADERS)
        self.before_after = row_table(self.before_after_model, "Before and after")
        header = self.before_after.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.before_after.setWordWrap(True)
        column.addWidget(self.before_after, 1)
        return page

    # -- loading --------------------------------------------------------------
    @property
    def draft_subject(self) -> str:
        return str(self.household.id) if self.household else NEW

    def load(self, household_id: uuid.UUID | None) -> None:
        """Show a saved household (or a blank form), then any unsaved draft over it."""
        # Read first: a household that cannot be opened leaves the form as it was.
        household = (
            households.get_household(self._context.store, household_id) if household_id else None
        )
        self._loading = True
        self.message.hide()
        self.fields.clear_errors()
        self.member_fields.clear_errors()
        self.household = household
        if self.household is not None:
            self.fields.set_values(households.household_form(self.household))
            self.members = list(self.household.members)
        else:
            self.fields.set_values({name: "" for name in self.fields.widgets} | {"tenure": None})
            self.members = []
        draft = drafts.load_draft(
            self._context.store, self._context.user, "household", self.draft_subject
        )
        if draft is not None:
            self.fields.set_values(draft.get("fields", {}))
            self.members = [Member.model_validate(m) for m in draft.get("members", [])]
            show_banner(self.message, "Restored changes that were not saved last time.")
        self._refresh()
        self._clear_member()
        if draft is not None:
            self.member_fields.set_values(draft.get("member_form", {}))
        self.tabs.setCurrentIndex(0)
        self._loading = False
        self._check_duplicates(now=True)  # a restored new-household draft may match already

    def _refresh(self) -> None:
        h = self.household
        self.title.setText(f"Household {h.reference}" if h else "New household")
        self.title.setAccessibleName(self.title.text())
        self.visit_button.setToolTip("Ctrl+R" if h else "Ctrl+R. Saves the household first.")
        for push in (self.family_pdf_button, self.case_pdf_button, self.sar_button):
            push.setEnabled(h is not None)
        user = self._context.current_user
        self.sar_button.setVisible(user is not None and user.role is Role.MANAGER)
        self._refresh_members()
        self._refresh_timeline()
        compared = reviews.before_after(self._context.store, h.id) if h is not None else []
        self.before_after_model.set_rows(before_after_rows(compared))
        self.before_after_note.setText(
            "The four capitals at the visit that led to each package → at its follow-up "
            "review. Scores run from 0 (no pressure) to 3 (severe): lower is better."
            if compared
            else "No follow-up review recorded yet. A review is due 12 weeks after a "
            "package is approved."
        )
        self.packages.load(h.id if h else None)
        self.referrals.load(h.id if h else None)

    def _refresh_members(self) -> None:
        self.members_model.set_rows(
            [
                (
                    m.full_name,
                    m.date_of_birth.strftime("%d/%m/%Y") if m.date_of_birth else "Not recorded",
                    labels.label(m.relationship),
                    labels.label(m.work_status),
                )
                for m in self.members
            ]
        )

    def _refresh_timeline(self) -> None:
        h = self.household
        rows = []
        if h is not None:
            for entry in visits.timeline(self._context.store, h.id):
                detail = _timeline_detail(entry.changes)
                rows.append((local_stamp(entry.at), entry.who, entry.what, detail))
        self.timeline_model.set_rows(rows)

    def visit_added(self, household_id: uuid.UUID) -> bool:
        """A visit was just saved for the household on this page: its timeline, packages
        and referrals change, not its details or members, so only they are read again.
        False if the page holds another household (then it must be loaded)."""
        if self.household is None or self.household.id != household_id:
            return False
        self.message.hide()
        self._refresh_timeline()
        self.packages.load(household_id)
        self.referrals.load(household_id)
        return True

    def _package_decided(self) -> None:
        """A decision on the Packages tab changes its list (the panel reloads it) and the
        timeline, nothing else here: not the whole page again (Ctrl+Y's screen change)."""
        self._refresh_timeline()

    # -- members --------------------------------------------------------------
    def _member_from_form(self, member_id: uuid.UUID | None) -> Member | None:
        values = self.member_fields.values()
        if member_id is not None:
            values["id"] = member_id
        try:
            member = households.build_member(values)
        except InvalidInput as exc:
            self.member_fields.show_errors(exc.fields)
            return None
        self.member_fields.clear_errors()
        return member

    def add_member(self) -> None:
        member = self._member_from_form(None)
        if member is not None:
            self._append_member(member)

    def _append_member(self, member: Member) -> None:
        if not self.members and member.relationship != Relationship.LEAD:
            member = member.model_copy(update={"relationship": Relationship.LEAD})
        self.members.append(member)
        self._members_changed()
        self.focus_member_form()  # the next member straight away (Enter on an empty form: nothing)

    def focus_member_form(self) -> None:
        """The Members tab's first field to type: the surname, unless the family's is
        carried already (then the first name)."""
        m = self.member_fields.widgets
        surname = m["surname"]
        assert isinstance(surname, QLineEdit)
        first = m["first_name"] if surname.text().strip() else surname
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def update_member(self) -> None:
        row = self.members_table.currentIndex().row()
        if row < 0:
            show_banner(self.message, "Choose a member in the list to update.", error=True)
            return
        member = self._member_from_form(self.members[row].id)
        if member is not None:
            self._replace_member(row, member)

    def _replace_member(self, row: int, member: Member) -> None:
        self.members[row] = member
        self._members_changed()

    def remove_member(self) -> None:
        row = self.members_table.currentIndex().row()
        if row >= 0:
            del self.members[row]
            self._members_changed()

    def _edit_member(self, row: int) -> None:
        self._loading = True
        self.member_fields.set_values(households.member_form(self.members[row]))
        self._loading = False

    def _member_button(self) -> QPushButton:
        reopened = self.members_table.currentIndex().isValid()
        return self.update_member_button if reopened else self.add_member_button

    def _reopen_member(self, row: int) -> None:
        self._edit_member(row)
        self.member_fields.widgets["surname"].setFocus(Qt.FocusReason.OtherFocusReason)

    def show_packages(self, select: uuid.UUID | None) -> None:
        """The Packages tab, with ``select`` chosen (else the package already chosen)."""
        self.tabs.setCurrentIndex(self.tabs.indexOf(self._packages_tab))
        if select is not None:
            self.packages.select(select)
        self.packages.table.setFocus()

    def _clear_member(self) -> None:
        relationship = Relationship.LEAD if not self.members else Relationship.CHILD
        # A family mostly shares a surname: the last member's, selected when Tab reaches
        # it, so typing another replaces it.
        surname = self.members[-1].surname if self.members else ""
        self._carried.carry(surname)
        self.member_fields.set_values(
            {name: "" for name in self.member_fields.widgets}
            | {
                "surname": surname,
                "relationship": relationship.value,
                "work_status": None,
                "earnings_fall_reason": None,
                "reduced_hours": False,
                "in_education_or_training": False,
            }
        )
        self.member_fields.clear_errors()
        self._relationship_chosen = False

    def _follow_member_defaults(self) -> None:
        """A new member's relationship follows their date of birth, and "Hours reduced"
        fills in why earnings fell and that they work, until the officer chooses
        otherwise (``member_defaults``): fewer keys at a drop-in, each default in view."""
        m = self.member_fields.widgets
        born, relationship, hours = m["date_of_birth"], m["relationship"], m["reduced_hours"]
        assert isinstance(born, QLineEdit) and isinstance(relationship, QComboBox)
        assert isinstance(hours, QCheckBox)
        self._relationship_chosen = False
        relationship.activated.connect(self._relationship_was_chosen)

        def born_typed() -> None:
            typed = typed_date(self.member_fields.values()["date_of_birth"])
            if typed is None or self._relationship_chosen or self._loading:
                return
            if self.members_table.currentIndex().isValid():  # a member reopened: theirs
                return
            likely = member_defaults.likely_relationship(typed, clock.today(), self.members)
            self.member_fields.set_values({"relationship": likely.value})

        def hours_ticked(ticked: bool) -> None:
            if not ticked or self._loading:
                return
            values = self.member_fields.values()
            work, reason = member_defaults.implied_by_reduced_hours(
                WorkStatus(values["work_status"]) if values["work_status"] else None,
                IncomeDropReason(values["earnings_fall_reason"])
                if values["earnings_fall_reason"]
                else None,
            )
            self.member_fields.set_values(
                {"work_status": work.value, "earnings_fall_reason": reason.value}
            )
            # Ticked by the officer: when the earnings fell is what they type next.
            fell = m["earnings_fell_on"]
            assert isinstance(fell, QLineEdit)
            if hours.hasFocus() and not fell.text().strip():
                fell.setFocus(Qt.FocusReason.TabFocusReason)

        born.editingFinished.connect(born_typed)
        hours.toggled.connect(hours_ticked)

    def _relationship_was_chosen(self, _index: int) -> None:
        self._relationship_chosen = True

    def _members_changed(self) -> None:
        """Only the member list changed (nothing is saved until Save): not the whole page
        read again from the store, as each Add member once did."""
        self._refresh_members()
        self._clear_member()
        self._changed()

    # -- already known? --------------------------------------------------------
    def _fit_duplicates_to_rows(self) -> None:
        """Bold words, and a list as tall as its rows (wrapped reasons in full), not more.

        Left to itself the list takes a fixed height that squeezes the form below it.
        """
        font = self.duplicates.label.font()
        font.setBold(True)
        self.duplicates.label.setFont(font)
        table = self.duplicates.table
        how = "Click a household, or press Enter on it, to open it instead."
        table.setToolTip(how)
        table.setAccessibleDescription(how)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        table.setMaximumHeight(table.fontMetrics().lineSpacing() * 8)  # then it scrolls

    def _duplicate_fields(self) -> dict[str, str]:
        """The lead contact (added, or still in the member form) and the address as typed."""
        typed = self.fields.values()
        fields = {name: str(typed[name] or "") for name in _CONTACT_FIELDS}
        lead = next((m for m in self.members if m.relationship is Relationship.LEAD), None)
        person = households.member_form(lead) if lead else self.member_fields.values()
        fields |= {name: str(person[name] or "") for name in _LEAD_FIELDS}
        return fields

    def _check_duplicates(self, now: bool = False) -> None:
        """Ask the panel about a new household (after its pause); empty and hide it otherwise.

        ``now`` checks at once, which also cancels a check still waiting for its pause: one
        typed just before a save or a load must not show over a saved household.
        """
        self.duplicates.check(self._duplicate_fields() if self.household is None else {})
        if now:
            self.duplicates.run_check()

    def open_instead(self, household_id: uuid.UUID) -> None:
        """Open a likely match instead of creating a new household.

        As when leaving the page, nothing typed is thrown away and nothing is asked: what
        was typed for the new household stays its draft, brought back by the next Ctrl+N.
        """
        if self.household is not None:  # already opened (a click can also activate the row)
            return
        self.flush()
        try:
            self.load(household_id)
        except ServiceError as exc:
            show_banner(self.message, f"Could not open that household: {exc}", error=True)
            return
        h = self.household
        if h is None:
            return
        opened = (
            f"Opened household {h.reference} instead of creating a new one. What you typed "
            "for the new household is kept: New household (Ctrl+N) brings it back."
        )
        restored = "" if self.message.isHidden() else self.message.text()
        show_banner(self.message, f"{opened} {restored}".strip())
        self.fields.widgets["address_line1"].setFocus()

    # -- saving ---------------------------------------------------------------
    def _changed(self) -> None:
        if not self._loading:
            self._draft_timer.start()
            if self.household is None:
                self._check_duplicates()

    def save_draft(self) -> None:
        """Keep what is typed (valid or not) so a crash or closed window loses nothing."""
        self._draft_timer.stop()
        try:
            drafts.save_draft(
                self._context.store,
                self._context.user,
                "household",
                self.draft_subject,
                {
                    "fields": self.fields.values(),
                    "members": [m.model_dump(mode="json") for m in self.members],
                    "member_form": self.member_fields.values(),
                },
            )
        except EnvironmentProblem as exc:  # the form still holds it; say why it is not kept
            show_banner(self.message, f"What you typed is not kept yet. {exc}", error=True)

    def _take_typed_member(self) -> bool:
        """A member typed on the Members tab but not added, or one reopened and changed but
        not updated, is taken in before the household is saved: Save keeps what is on
        screen, as the officer expects. False (their errors shown) when incomplete."""
        values = self.member_fields.values()
        reopened = self.members_table.currentIndex().row()
        if reopened < 0 and not (values["first_name"].strip() or values["date_of_birth"].strip()):
            return True  # nothing typed: the family's carried surname alone is no one
        member = self._member_from_form(self.members[reopened].id if reopened >= 0 else None)
        if member is None:
            return False
        if reopened < 0:
            self._append_member(member)
        elif member != self.members[reopened]:
            self._replace_member(reopened, member)
        return True

    def save(self) -> bool:
        self.fields.clear_errors()
        if not self._take_typed_member():
            self.tabs.setCurrentIndex(1)
            show_banner(
                self.message,
                "Not saved. The member typed on the Members tab is not complete: "
                "correct the fields marked, or press Clear.",
                error=True,
            )
            return False
        try:
            built = households.build_household(self.fields.values(), self.members)
            if self.household is None:
                saved = households.create_household(
                    self._context.store, self._context.user, built, draft=NEW
                )
            else:
                built = built.model_copy(update={"id": self.household.id})
                saved = households.update_household(
                    self._context.store, self._context.user, built, draft=self.draft_subject
                )
        except InvalidInput as exc:
            other = self.fields.show_errors(exc.fields)
            show_banner(
                self.message,
                "Not saved. " + " ".join(["Please correct the fields marked below.", *other]),
                error=True,
            )
            if "members" in exc.fields:
                self.tabs.setCurrentIndex(1)
            return False
        except CaseworkerError as exc:  # refused, or the disk/store failed: the form keeps it
            show_banner(self.message, f"Not saved. {exc}", error=True)
            return False
        self._draft_timer.stop()
        self.household = saved
        self.members = list(saved.members)
        self._refresh()
        self._check_duplicates(now=True)  # hides the panel: the household is no longer new
        show_banner(self.message, f"Saved household {saved.reference}.")
        return True

    # -- documents ------------------------------------------------------------
    def make_pdf(self, family: bool) -> None:
        """Ask where to save, then write the PDF in the background and open it."""
        h = self.household
        if h is None:
            return
        what = "family summary" if family else "case file"
        path = self._context.dialogs.save_path(
            self,
            f"Save the {what}",
            str(Path.home() / f"{h.reference}-{what.replace(' ', '-')}.pdf"),
            "PDF documents (*.pdf)",
        )
        if path is None:
            return
        case = case_file(self._context.store, h.id, generated_by=self._context.user.name)
        writer = write_family_copy if family else write_case_file
        show_banner(self.message, f"Making the {what}…")

        def done(_result: object, error: BaseException | None) -> None:
            if error is not None:
                self._say_about(
                    h,
                    f"The {what} was not saved: {error}. Choose another "
                    "folder, or check the disk has space.",
                    error=True,
                )
                return
            self._say_about(h, f"Saved the {what}: {path}")
            self._context.dialogs.open_file(path)

        self._context.tasks.run(lambda: writer(case, path), done)

    def _say_about(self, subject: Household, text: str, error: bool = False) -> None:
        """A message about ``subject``, which the officer may have left while it was
        made: on its page if it is still open, otherwise in the status bar, naming it."""
        still_open = self.household is not None and self.household.id == subject.id
        window = self.window()
        if (still_open and self.isVisible()) or not isinstance(window, QMainWindow):
            show_banner(self.message, text, error=error)
        else:
            window.statusBar().showMessage(f"{subject.reference}: {text}", 15_000)

    def subject_access(self) -> None:
        """Everything held about this household, for the data protection officer."""
        h = self.household
        folder = self._context.dialogs.choose_folder(self, "Folder for the subject access export")
        if h is None or folder is None:
            return
        try:
            written = export_subject_access(self._context.store, self._context.user, h.id, folder)
        except (OSError, ServiceError) as exc:
            show_banner(self.message, f"The export was not written: {exc}", error=True)
            return
        show_banner(
            self.message, "Subject access export written: " + ", ".join(p.name for p in written)
        )

    def _record_visit(self) -> None:
        """A new household is saved first (a visit belongs to a household on record); if
        it cannot be, the form says why and keeps what was typed."""
        if self.household is None and not self.save():
            return
        if self.household is not None:
            self.record_visit.emit(self.household)

    def leave(self) -> None:
        if self._draft_timer.isActive():
            self.save_draft()
        self.back.emit()

    def flush(self) -> None:
        """Called when the window closes or locks: write any pending draft now."""
        if self._draft_timer.isActive():
            self.save_draft()


def _timeline_detail(changes: dict[str, object]) -> str:
    """Why, for a decision; otherwise which fields changed."""
    reason = changes.get("reason")
    if isinstance(reason, str) and reason:
        return f"Reason: {reason}"
    amount = changes.get("amount_pence") or changes.get("total_pence")
    if isinstance(amount, int) and amount:
        return format_pence(amount)
    return ", ".join(k.split(".")[-1].replace("_", " ") for k in changes)


class SelectedWhileCarried(QObject):
    """A value carried over from the last member is all selected when the field takes the
    focus by a click too (Tab selects it already), so what is typed replaces it rather
    than adding to it; once changed it behaves as any field."""

    def __init__(self, edit: QWidget) -> None:
        super().__init__(edit)
        assert isinstance(edit, QLineEdit)
        self._edit = edit
        self._value = ""
        self._clicked_in = False
        edit.installEventFilter(self)

    def carry(self, value: str) -> None:
        self._value = value

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._clicked_in = event.reason() == Qt.FocusReason.MouseFocusReason
        elif kind == QEvent.Type.MouseButtonRelease and self._clicked_in:
            self._clicked_in = False  # the click has placed the cursor: select it all
            if self._value and self._edit.text() == self._value:
                self._edit.selectAll()
        return False
