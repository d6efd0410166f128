"""A household's referrals, and the borough's directory services to choose for each.

The officer picks a referral a visit made, sees the directory services that match
it (the service layer orders them: open now, near the family, in its language,
then by name) and chooses one; the family copy then prints that service's real
address, phone and opening times. Everything is reachable by keyboard: Enter on a
referral lists its services, Enter on a service chooses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseworker.services import directory
from caseworker.services.directory import ServiceMatch, VisitReferral
from caseworker.services.errors import ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import with_mnemonic
from caseworker.ui.models import ListTableModel
from caseworker.ui.widgets import banner, button, help_text, row_table, show_banner, tab_chain

REFERRAL_HEADERS = ("Visit", "Referral", "Service chosen")
SERVICE_HEADERS = ("Service", "Organisation", "Address", "Phone", "Opening times", "Open now?")
NOT_CHOSEN = "Not chosen yet: the family copy prints the general details"


def referral_row(referral: VisitReferral) -> tuple[str, ...]:
    chosen = referral.chosen
    return (
        referral.visit_date.strftime("%d/%m/%Y"),
        f"{referral.clause} {referral.service}".strip(),
        f"{chosen.name}, {chosen.postcode}".rstrip(", ") if chosen else NOT_CHOSEN,
    )


def service_row(match: ServiceMatch) -> tuple[str, ...]:
    s = match.service
    hours = "; ".join(s.opening_words()) or "Not given by the directory"
    now = "Yes, open now" if match.open_now else "Closed now"
    if match.in_district:
        now += " · near the family"
    return (
        s.name,
        s.organisation,
        ", ".join(x for x in (s.address, s.postcode) if x) or "Not given",
        s.phone or "Not given",
        hours,
        now,
    )


class ReferralsPanel(QWidget):
    """The Referrals tab of a household."""

    def __init__(self, context: AppContext, now: Callable[[], datetime], taken: set[str]) -> None:
        super().__init__()
        self._context = context
        self._now = now
        self._household_id: uuid.UUID | None = None
        self._referrals: list[VisitReferral] = []
        self._matches: list[ServiceMatch] = []
        self._shown: VisitReferral | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(
            help_text(
                "The referrals each visit made. Choose one and press Enter to see the "
                "services in the borough's directory that can help; the family copy prints "
                "the one you choose, with its address, phone and opening times."
            )
        )
        self.message = banner()
        layout.addWidget(self.message)
        self.referral_model = ListTableModel(REFERRAL_HEADERS)
        self.referral_table = row_table(self.referral_model, "Referrals made at visits")
        header = self.referral_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.referral_table, 1)

        find_row = QHBoxLayout()
        self.languages_label = QLabel(with_mnemonic("Family's languages (optional)", taken))
        self.languages = QLineEdit()
        self.languages.setAccessibleName("Family's languages")
        self.languages.setPlaceholderText("e.g. Polish, Somali")
        self.languages_label.setBuddy(self.languages)
        self.find_button = button(with_mnemonic("Find services", taken))
        find_row.addWidget(self.languages_label)
        find_row.addWidget(self.languages, 1)
        find_row.addWidget(self.find_button)
        layout.addLayout(find_row)

        self.services_title = QLabel()
        self.services_title.setWordWrap(True)
        self.services_title.setAccessibleName("Services for the referral")
        layout.addWidget(self.services_title)
        self.none_note = help_text()
        self.none_note.setAccessibleName("No directory services")
        layout.addWidget(self.none_note)
        self.service_model = ListTableModel(SERVICE_HEADERS)
        self.service_table = row_table(self.service_model, "Directory services")
        self.service_table.setWordWrap(True)
        services_header = self.service_table.horizontalHeader()
        services_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((230, 150, 280, 120, 330)):
            self.service_table.setColumnWidth(column, width)
        services_header.setStretchLastSection(True)
        self.service_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        layout.addWidget(self.service_table, 3)
        choose_row = QHBoxLayout()
        choose_row.addStretch(1)
        self.choose_button = button(with_mnemonic("Choose this service", taken))
        choose_row.addWidget(self.choose_button)
        layout.addLayout(choose_row)

        self.referral_table.activated.connect(lambda _index: self.find_services())
        self.find_button.clicked.connect(self.find_services)
        self.languages.returnPressed.connect(self.find_services)
        self.service_table.activated.connect(lambda _index: self.choose())
        self.choose_button.clicked.connect(self.choose)
        tab_chain(
            [
                self.referral_table,
                self.languages,
                self.find_button,
                self.service_table,
                self.choose_button,
            ]
        )
        self._show_services(None, [], "")

    def load(self, household_id: uuid.UUID | None, row: int = 0) -> None:
        self._household_id = household_id
        self.message.hide()
        self._referrals = (
            directory.referrals_of(self._context.store, household_id) if household_id else []
        )
        self.referral_model.set_rows([referral_row(r) for r in self._referrals])
        if self._referrals:
            self.referral_table.selectRow(min(row, len(self._referrals) - 1))
        self._show_services(None, [], "")

    def referrals_shown(self) -> list[VisitReferral]:
        """The referrals in the list, in its order."""
        return list(self._referrals)

    def _selected_referral(self) -> VisitReferral | None:
        rows = self.referral_table.selectionModel().selectedRows()
        return self._referrals[rows[0].row()] if rows else None

    def find_services(self) -> None:
        referral = self._selected_referral()
        if referral is None or self._household_id is None:
            show_banner(self.message, "Choose a referral in the list first.", error=True)
            return
        self.message.hide()
        languages = [x.strip() for x in self.languages.text().split(",") if x.strip()]
        try:
            found = directory.referral_choices(
                self._context.store,
                self._context.rules.current(),
                self._household_id,
                referral.clause,
                self._now(),
                languages,
            )
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        self._show_services(referral, found.matches, found.why_none)
        if found.matches:
            self.service_table.setFocus()

    def _show_services(
        self, referral: VisitReferral | None, matches: list[ServiceMatch], why_none: str
    ) -> None:
        self._shown = referral
        self._matches = matches
        self.service_model.set_rows([service_row(m) for m in matches])
        if matches:
            self.service_table.selectRow(0)
        self.services_title.setText(
            f"Services for referral {referral.clause} {referral.service}: open now and near "
            "the family first."
            if referral is not None and matches
            else ""
        )
        self.services_title.setVisible(bool(matches))
        self.none_note.setText(why_none)
        self.none_note.setVisible(bool(why_none))
        self.service_table.setVisible(bool(matches))
        self.choose_button.setVisible(bool(matches))

    def choose(self) -> None:
        referral = self._shown
        rows = self.service_table.selectionModel().selectedRows()
        if referral is None or not rows:
            show_banner(self.message, "Choose a service in the list first.", error=True)
            return
        match = self._matches[rows[0].row()]
        picked = self._referrals.index(referral) if referral in self._referrals else 0
        try:
            chosen = directory.choose_service(
                self._context.store,
                self._context.user,
                referral.visit_id,
                referral.clause,
                match.service.service_id,
            )
        except ServiceError as exc:
            show_banner(self.message, f"Nothing changed. {exc}", error=True)
            return
        self.load(self._household_id, picked)
        self.referral_table.setFocus()
        show_banner(
            self.message,
            f"Referral {referral.clause}: the family copy will print {chosen.name}.",
        )
