"""A household's support packages and the decisions an officer takes on them.

Say yes today, send to a team manager, a manager's in-person approval on this
laptop (they sign in for that one approval; the officer stays signed in),
record a payment, withdraw. Each button calls one service; a refusal is shown
in the service's own words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import labels
from caseworker.domain.money import format_pence
from caseworker.domain.packages import Package, PaymentMethod
from caseworker.services import drop_in, packages
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet, with_mnemonic
from caseworker.ui.models import ListTableModel
from caseworker.ui.widgets import banner, button, row_table, section, show_banner

# Typed on the panel for one household's package; cleared when another household shows.
_TYPED = ("manager_code", "manager_password", "reference", "reason", "conflict_reason")


class PackagesPanel(QWidget):
    changed = Signal()

    def __init__(self, context: AppContext, today: Callable[[], date], taken: set[str]) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self._packages: list[Package] = []
        self.household_id: uuid.UUID | None = None
        layout = QVBoxLayout(self)
        self.message = banner()
        layout.addWidget(self.message)
        self.model = ListTableModel(("Made", "Total", "Status", "Route"))
        self.table = row_table(self.model, "Support packages")
        self.table.setMinimumHeight(110)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        layout.addWidget(self.table)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Package detail")
        layout.addWidget(self.detail)

        row = QHBoxLayout()
        self.yes_button = button(with_mnemonic("Say yes today", taken), "Ctrl+Y")
        self.send_button = button(with_mnemonic("Send to a manager", taken))
        row.addWidget(self.yes_button)
        row.addWidget(self.send_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.yes_button.clicked.connect(self.say_yes)
        self.send_button.clicked.connect(self.send)

        self.fields = FieldSet(taken=taken)
        box, form = section("A team manager approves here, in person")
        self.fields.line(form, "manager_code", "Manager's officer code")
        password = self.fields.line(form, "manager_password", "Manager's password")
        password.setEchoMode(QLineEdit.EchoMode.Password)
        self.approve_button = button(with_mnemonic("Manager approves", taken))
        form.addRow(self.approve_button)
        layout.addWidget(box)
        box, form = section("Payment or withdrawal")
        self.fields.choice(form, "method", "Payment method", labels.choices(PaymentMethod))
        self.fields.line(form, "reference", "Payment reference")
        self.paid_button = button(with_mnemonic("Record payment", taken))
        form.addRow(self.paid_button)
        self.fields.line(form, "reason", "Reason for withdrawing")
        self.withdraw_button = button(with_mnemonic("Withdraw package", taken))
        form.addRow(self.withdraw_button)
        layout.addWidget(box)
        box, form = section("Conflict of interest (policy 6.4)")
        self.fields.line(form, "conflict_reason", "Why you must not decide for this household")
        self.conflict_button = button(with_mnemonic("Declare a conflict of interest", taken))
        form.addRow(self.conflict_button)
        layout.addWidget(box)
        layout.addStretch(1)
        self.conflict_button.clicked.connect(self.declare_conflict)
        self.approve_button.clicked.connect(self.manager_approves)
        self.paid_button.clicked.connect(self.record_payment)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.fields.focus_chain()

    # -- showing ---------------------------------------------------------------
    def load(self, household_id: uuid.UUID | None, select: uuid.UUID | None = None) -> None:
        if household_id != self.household_id:
            # A message is about this household's packages: it must not greet the next one.
            self.message.hide()
            self.fields.clear_errors()
            self.fields.set_values({name: "" for name in _TYPED})
        self.household_id = household_id
        self._packages = (
            packages.packages_of(self._context.store, household_id) if household_id else []
        )
        self.model.set_rows(
            [
                (
                    p.created_at.strftime("%d/%m/%Y"),
                    format_pence(p.total_pence),
                    p.status.label,
                    "Officer (today's yes)" if p.route == "officer" else "Team manager",
                )
                for p in self._packages
            ]
        )
        ids = [p.id for p in self._packages]
        row = ids.index(select) if select in ids else (0 if ids else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._show_detail()

    def current(self) -> Package | None:
        row = self.table.currentIndex().row()
        return self._packages[row] if 0 <= row < len(self._packages) else None

    def _show_detail(self) -> None:
        package = self.current()
        if package is None:
            self.detail.setText(
                "No packages yet. A package is made when a visit is saved "
                "with a cash award in its recommendation."
            )
            return
        lines = [f"Policy {package.policy_version}. {package.status.label}."]
        lines += [item.explanation for item in package.items]
        self.detail.setText("\n".join(lines))

    # -- deciding --------------------------------------------------------------
    def _run(self, action: Callable[[Package], Package], done: str) -> None:
        package = self.current()
        if package is None:
            show_banner(self.message, "Choose a package in the list first.", error=True)
            return
        self.fields.clear_errors()
        try:
            updated = action(package)
        except InvalidInput as exc:
            unplaced = self.fields.show_errors(exc.fields)
            show_banner(self.message, " ".join(["Nothing changed.", *unplaced]), error=True)
            return
        except ServiceError as exc:
            self._refused(package, exc)
            return
        self.changed.emit()  # the household page refreshes its timeline (and this list)
        self.load(self.household_id, updated.id)
        show_banner(self.message, done)

    def _refused(self, before: Package, exc: ServiceError) -> None:
        """Say why, and what did happen: a step before the refusal may have moved it."""
        try:
            now = packages.get_package(self._context.store, before.id)
        except ServiceError:
            now = before
        if now.status is before.status:
            show_banner(self.message, f"Nothing changed. {exc}", error=True)
            return
        self.changed.emit()
        self.load(self.household_id, now.id)
        show_banner(
            self.message,
            f"{exc} What did change: the package is now “{now.status.label}”"
            f" (it was “{before.status.label}”).",
            error=True,
        )

    def say_yes(self) -> None:
        ctx = self._context
        self._run(
            lambda p: packages.approve_on_the_spot(
                ctx.store, ctx.user, ctx.rules.current(), p.id, self._today()
            ),
            "Approved on the spot: today's yes. The money came from your allowance.",
        )

    def send(self) -> None:
        ctx = self._context
        self._run(
            lambda p: packages.send_to_manager(ctx.store, ctx.user, p.id),
            "Sent to a team manager. It is in their approvals queue.",
        )

    def manager_approves(self) -> None:
        ctx = self._context
        values = self.fields.values()
        password = self.fields.widgets["manager_password"]
        assert isinstance(password, QLineEdit)

        def approve(package: Package) -> Package:
            try:
                return drop_in.approve_in_person(
                    ctx.store,
                    ctx.user,
                    ctx.rules.current(),
                    package.id,
                    values["manager_code"],
                    values["manager_password"],
                    self._today(),
                )
            finally:
                password.clear()  # not kept once checked

        self._run(approve, "Approved by the team manager. You are still signed in.")

    def record_payment(self) -> None:
        ctx = self._context
        values = self.fields.values()
        self._run(
            lambda p: packages.record_payment(
                ctx.store, ctx.user, p.id, PaymentMethod(values["method"]), values["reference"]
            ),
            "Payment recorded.",
        )

    def withdraw(self) -> None:
        ctx = self._context
        values = self.fields.values()
        self._run(
            lambda p: packages.withdraw(ctx.store, ctx.user, p.id, values["reason"], self._today()),
            "Package withdrawn. Any money approved has gone back.",
        )

    def declare_conflict(self) -> None:
        """Record that the signed-in user must not decide this household's packages."""
        reason = self.fields.values()["conflict_reason"]
        if self.household_id is None:
            return
        if not str(reason).strip():
            self.fields.show_errors({"conflict_reason": "Say briefly why, e.g. a relative"})
            return
        try:
            packages.declare_conflict(
                self._context.store, self._context.user, self.household_id, reason
            )
        except ServiceError as exc:
            show_banner(self.message, f"Nothing changed. {exc}", error=True)
            return
        self.fields.set_values({"conflict_reason": ""})
        self.changed.emit()
        show_banner(
            self.message,
            "Conflict of interest recorded: you cannot decide packages for this household.",
        )
