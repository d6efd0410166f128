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
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain.dates import local_stamp
from caseworker.domain.money import format_pence
from caseworker.domain.packages import Package
from caseworker.domain.payments import (
    FORM_LABELS,
    Delivery,
    PayeeKind,
    PaymentStatus,
    RouteKind,
    describe_route,
)
from caseworker.services import drop_in, packages, payments
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet, with_mnemonic
from caseworker.ui.keys import YES_TODAY_KEY
from caseworker.ui.models import ListTableModel
from caseworker.ui.widgets import (
    banner,
    button,
    enter_presses,
    row_table,
    section,
    show_banner,
    tab_chain,
)

# Typed on the panel for one household's package; cleared when another household shows.
_TYPED = ("manager_code", "manager_password", "reason", "conflict_reason")

# Each route's form, in the words of docs/payments.md: (name, kind, options or placeholder).
_ROUTE_FORMS: dict[RouteKind, tuple[tuple[str, str, object], ...]] = {
    RouteKind.CASH_OUT: (
        ("code", "line", "8 to 20 letters and digits"),
        (
            "delivery",
            "choice",
            [
                (Delivery.TEXT.value, "Text message"),
                (Delivery.PRINTED.value, "Printed on the family copy"),
            ],
        ),
        ("phone", "line", "Only when sent by text, e.g. 07700 900123"),
    ),
    RouteKind.PREPAID_CARD: (
        ("last_four", "line", "e.g. 4821"),
        ("expiry", "line", "MM/YY, e.g. 09/28"),
        ("top_up", "line", "The award, in pounds"),
    ),
    RouteKind.DIRECT: (
        ("payee_kind", "choice", [(k.value, k.label.capitalize()) for k in PayeeKind]),
        ("payee", "line", "As on the invoice"),
        ("payee_reference", "line", "The family's account or tenancy reference"),
        ("invoice_number", "line", "e.g. INV-2291"),
    ),
    RouteKind.BANK_TRANSFER: (
        ("sort_code", "line", "e.g. 20-00-00"),
        ("account_number", "line", "6 to 10 digits; never shown in full after this"),
    ),
}
_PAYMENT_STATUS = {
    PaymentStatus.INSTRUCTED: "sent to finance, not yet paid",
    PaymentStatus.PAID: "paid",
    PaymentStatus.FAILED: "failed: send it another way",
    PaymentStatus.RETURNED: "returned to the fund",
}


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
        self._choosing = False  # a row chosen by the panel itself: its detail shown once
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        layout.addWidget(self.table)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Package detail")
        layout.addWidget(self.detail)

        # The buttons take their Alt+letters first (the first letter of their words where
        # free), then the fields. Letters are per tab: only this tab's are on screen.
        words = {
            name: with_mnemonic(text, taken)
            for name, text in (
                ("yes", "Say yes today"),
                ("send", "Send to a manager"),
                ("approve", "Manager approves"),
                ("paid", "Send payment to finance"),
                ("withdraw", "Withdraw package"),
                ("conflict", "Declare a conflict of interest"),
            )
        }
        row = QHBoxLayout()
        self.yes_button = button(words["yes"], f"{YES_TODAY_KEY} (from the visit too)")
        self.send_button = button(words["send"])
        row.addWidget(self.yes_button)
        row.addWidget(self.send_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.yes_button.clicked.connect(self.say_yes)
        self.send_button.clicked.connect(self.send)

        self.fields = FieldSet(taken=taken)
        box, form = section("A team manager approves here, in person")
        manager_box = box
        self.fields.line(form, "manager_code", "Manager's officer code")
        password = self.fields.line(form, "manager_password", "Manager's password")
        password.setEchoMode(QLineEdit.EchoMode.Password)
        self.approve_button = button(words["approve"])
        form.addRow(self.approve_button)
        layout.addWidget(box)
        box, form = section("Payment or withdrawal")
        self._payment_form(form, taken, words["paid"])
        self.fields.line(form, "reason", "Reason for withdrawing")
        self.withdraw_button = button(words["withdraw"])
        form.addRow(self.withdraw_button)
        layout.addWidget(box)
        box, form = section("Conflict of interest (policy 6.4)")
        self.fields.line(form, "conflict_reason", "Why you must not decide for this household")
        self.conflict_button = button(words["conflict"])
        form.addRow(self.conflict_button)
        layout.addWidget(box)
        layout.addStretch(1)
        self.conflict_button.clicked.connect(self.declare_conflict)
        self.approve_button.clicked.connect(self.manager_approves)
        self.paid_button.clicked.connect(self.record_payment)
        self.withdraw_button.clicked.connect(self.withdraw)
        # Tab goes down the screen: each section's fields, then its button.
        order = [self.table, self.yes_button, self.send_button, *self.fields.focus_chain()]
        for before, after in (
            ("manager_password", [self.approve_button, self.route_combo, self.paid_button]),
            ("reason", [self.withdraw_button]),
            ("conflict_reason", [self.conflict_button]),
        ):
            at = order.index(self.fields.widgets[before]) + 1
            order[at:at] = after
        tab_chain(order)  # a chosen route's fields join between the route and its button
        # Enter in a section's field presses that section's button.
        enter_presses(manager_box, self.approve_button, drawn=False)
        enter_presses(self.route_stack, self.paid_button, drawn=False)
        for field, push in (
            ("reason", self.withdraw_button),
            ("conflict_reason", self.conflict_button),
        ):
            enter_presses(self.fields.widgets[field], push, drawn=False)

    def _payment_form(self, form: QFormLayout, taken: set[str], send_words: str) -> None:
        """A route chooser, and under it only the chosen route's fields."""
        self.route_choice = FieldSet(taken=taken)
        self.route_combo = self.route_choice.choice(
            form,
            "route",
            FORM_LABELS["route"],
            [(None, "Choose how the family is paid"), *[(k.value, k.label) for k in RouteKind]],
        )
        self.route_stack = QStackedWidget()
        self.route_stack.setAccessibleName("The chosen route's details")
        hint = QLabel("Choose a payment route: its details are asked for here.")
        hint.setWordWrap(True)
        self.route_stack.addWidget(hint)
        self.route_fields: dict[RouteKind, FieldSet] = {}
        used: set[str] = set()
        for kind, specs in _ROUTE_FORMS.items():
            page = QWidget()
            page_form = QFormLayout(page)
            page_form.setContentsMargins(0, 0, 0, 0)
            page_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            # Only one route shows at a time, so the routes may share Alt+letters.
            page_taken = set(taken)
            fields = FieldSet(taken=page_taken)
            for name, widget, extra in specs:
                if widget == "choice":
                    assert isinstance(extra, list)
                    fields.choice(page_form, name, FORM_LABELS[name], extra)
                else:
                    fields.line(page_form, name, FORM_LABELS[name], str(extra))
            used |= page_taken
            self.route_fields[kind] = fields
            self.route_stack.addWidget(page)
        taken |= used
        form.addRow(self.route_stack)
        self.route_combo.currentIndexChanged.connect(self._route_chosen)
        self.paid_button = button(send_words)
        form.addRow(self.paid_button)

    def _route_chosen(self) -> None:
        self.route_choice.clear_errors()
        self.route_stack.setCurrentIndex(self.route_combo.currentIndex())
        fields = self.chosen_route_fields()
        if fields is not None:
            fields.clear_errors()
            # Tab goes from the route to its fields, in screen order, then to the button.
            tab_chain([self.route_combo, *fields.focus_chain(), self.paid_button])
            top_up = fields.widgets.get("top_up")
            package = self.current()
            if isinstance(top_up, QLineEdit) and not top_up.text() and package is not None:
                top_up.setText(format_pence(package.total_pence).removeprefix("£"))

    def chosen_route_fields(self) -> FieldSet | None:
        value = self.route_combo.currentData()
        return self.route_fields[RouteKind(value)] if value else None

    def _clear_route_forms(self) -> None:
        """Typed details (bank details among them) do not outlive their use."""
        for fields in self.route_fields.values():
            fields.clear_errors()
            for widget in fields.widgets.values():
                if isinstance(widget, QLineEdit):
                    widget.clear()
                elif isinstance(widget, QComboBox):
                    widget.setCurrentIndex(0)
        self.route_choice.clear_errors()
        self.route_combo.setCurrentIndex(0)

    # -- showing ---------------------------------------------------------------
    def load(self, household_id: uuid.UUID | None, select: uuid.UUID | None = None) -> None:
        if household_id != self.household_id:
            # A message is about this household's packages: it must not greet the next one.
            self.message.hide()
            self.fields.clear_errors()
            self.fields.set_values({name: "" for name in _TYPED})
            self._clear_route_forms()
        self.household_id = household_id
        self._packages = (
            packages.packages_of(self._context.store, household_id) if household_id else []
        )
        self.model.set_rows(
            [
                (
                    local_stamp(p.created_at),  # UK time, as the officer's clock said
                    format_pence(p.total_pence),
                    p.status.label,
                    "Officer (today's yes)" if p.route == "officer" else "Team manager",
                )
                for p in self._packages
            ]
        )
        ids = [p.id for p in self._packages]
        self._choose(ids.index(select) if select in ids else (0 if ids else -1))

    def select(self, package_id: uuid.UUID) -> None:
        """Choose ``package_id`` in the list: from what is shown if it is there (just
        loaded with the household), else read again."""
        ids = [p.id for p in self._packages]
        if package_id not in ids:
            self.load(self.household_id, package_id)
        elif self.table.currentIndex().row() != ids.index(package_id):
            self._choose(ids.index(package_id))

    def _choose(self, row: int) -> None:
        """Select ``row`` (none if -1) and show its detail, once: selecting a row the
        officer clicks shows it too (``_current_changed``), and reads its payments."""
        self._choosing = True
        try:
            if row >= 0:
                self.table.selectRow(row)
        finally:
            self._choosing = False
        self._show_detail()

    def _current_changed(self) -> None:
        if not self._choosing:
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
        for payment in payments.payments_of(self._context.store, package.id):
            lines.append(
                f"Payment {payment.reference}: {describe_route(payment.route)}; "
                f"{_PAYMENT_STATUS[payment.status]}."
            )
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
        """Send the award to finance by the chosen route; mistakes show under their fields."""
        ctx = self._context
        package = self.current()
        if package is None:
            show_banner(self.message, "Choose a package in the list first.", error=True)
            return
        fields = self.chosen_route_fields()
        self.route_choice.clear_errors()
        if fields is not None:
            fields.clear_errors()
        kind = self.route_combo.currentData() or ""
        form = {k: str(v) for k, v in fields.values().items()} if fields else {}
        try:
            payment = payments.instruct_from_form(
                ctx.store, ctx.user, package.id, kind, form, self._today()
            )
        except InvalidInput as exc:
            placed = {k: v for k, v in exc.fields.items() if k != "route"}
            unplaced = fields.show_errors(placed) if fields is not None else list(placed.values())
            if "route" in exc.fields:
                self.route_choice.show_errors({"route": exc.fields["route"]})
            show_banner(self.message, " ".join(["Nothing sent to finance.", *unplaced]), error=True)
            return
        except ServiceError as exc:
            show_banner(self.message, f"Nothing sent to finance. {exc}", error=True)
            return
        self._clear_route_forms()
        self.changed.emit()
        self.load(self.household_id, package.id)
        show_banner(
            self.message,
            f"Sent to finance as {payment.reference}: {describe_route(payment.route)}. "
            f"The family copy says: {payment.family_sentence}",
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
