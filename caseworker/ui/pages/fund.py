"""The team fund (policy part 9): open it, see where the money is, grant and move allowance.

Moving allowance takes it from the officer who holds it, so that officer
confirms in person with their own password on this screen; the password is
cleared as soon as it has been checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.money import MoneyError, format_pence, parse_pounds
from caseworker.domain.users import Role, User
from caseworker.services import fund, users
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.fund import FundView
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.models import Index, ListTableModel
from caseworker.ui.widgets import (
    REFRESH_KEY,
    banner,
    button,
    enter_presses,
    heading,
    on_refresh_key,
    row_table,
    scrolling,
    section,
    show_banner,
    tab_chain,
)

# Alt+letters of this page: the Case menu, the buttons and the allowances table.
TAKEN = frozenset("cfogma")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# Approved, paid and returned kept apart (issue 20): an award is approved, finance pays
# it, and money that comes back is the fund's again.
FIGURES = (
    ("budget", "Budget"),
    ("allocated", "Allocated to officers (allowances held)"),
    ("approved", "Approved (awards standing, paid or not)"),
    ("unpaid", "Approved, not yet paid by finance"),
    ("paid", "Paid out by finance"),
    ("returned", "Returned to the fund (paid, then came back)"),
    ("paid_net", "Paid, less returned (what families kept)"),
    ("remaining", "Remaining (budget less approved)"),
    ("unallocated", "Unallocated (free to grant or approve)"),
)


def pounds(pence: int) -> str:
    """Pence as an amount to type over: 500.00 (the label says £)."""
    return format_pence(pence).removeprefix("£")


class AllowanceModel(ListTableModel):
    """Each officer's allowance; the money columns line up on the right."""

    HEADERS = ("Officer", "Granted", "Given back", "Spent on the spot", "Left")

    def __init__(self) -> None:
        super().__init__(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.isValid() and index.column() > 0 else None
        return super().data(index, role)


def allowance_rows(view: FundView, people: list[User]) -> list[tuple[str, ...]]:
    codes = {u.id: u.officer_code for u in people}
    rows = []
    for officer_id, a in list(view.balances.officers.items()):
        name = view.officer_names.get(officer_id, "Unknown officer")
        code = codes.get(officer_id)
        rows.append(
            (
                f"{name} ({code})" if code else name,
                format_pence(a.granted_pence),
                format_pence(a.returned_pence),
                format_pence(a.spent_pence),
                format_pence(a.left_pence),
            )
        )
    return sorted(rows, key=lambda r: r[0].casefold())


class FundPage(QWidget):
    def __init__(self, context: AppContext, today: Callable[[], date] = clock.today) -> None:
        super().__init__()
        self._context = context
        self._today = today
        self.view: FundView | None = None
        self._people: list[User] = []
        self._taken = set(TAKEN)  # every field on the page takes a different Alt+letter

        layout = QVBoxLayout(self)
        self.title = heading("Team fund")
        layout.addWidget(self.title)
        self.message = banner()
        layout.addWidget(self.message)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._open_box())
        self.balances_box = QWidget()
        balances = QVBoxLayout(self.balances_box)
        balances.setContentsMargins(0, 0, 0, 0)
        balances.addWidget(self._figures())
        balances.addWidget(self._allowances())
        # One above the other, not side by side: at 200% text they still fit the width.
        balances.addWidget(self._grant())
        balances.addWidget(self._move())
        column.addWidget(self.balances_box)
        column.addStretch(1)
        layout.addWidget(scrolling(inner), 1)

        buttons = QHBoxLayout()
        self.refresh_button = button("Re&fresh", REFRESH_KEY)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)

        self.open_button.clicked.connect(self.open_fund)
        self.grant_button.clicked.connect(self.grant)
        self.move_button.clicked.connect(self.move_allowance)
        self.refresh_button.clicked.connect(self.refresh)
        self.budget.returnPressed.connect(self.open_fund)
        on_refresh_key(self, self.refresh)
        chain: list[QWidget] = [
            *self.open_fields.focus_chain(),
            self.open_button,
            self.table,
            *self.grant_fields.focus_chain(),
            self.grant_button,
            *self.move_fields.focus_chain(),
            self.move_button,
            self.refresh_button,
        ]
        tab_chain(chain)
        self._load_problem = ""  # why the last refresh failed, while it is on screen
        if context.current_user is not None:  # built before sign-in: nothing to show yet
            self.refresh()

    # -- building -------------------------------------------------------------
    def _open_box(self) -> QGroupBox:
        self.open_box, form = section("Open the team fund")
        self.open_fields = FieldSet(taken=self._taken)
        self.budget = self.open_fields.line(
            form,
            "budget",
            "Budget for the year (£)",
            help="The team's budget for the financial year, in pounds (policy part 9).",
        )
        self.open_button = button("&Open the fund")
        form.addRow(self.open_button)
        return self.open_box

    def _figures(self) -> QGroupBox:
        self.figures_box, form = section("Where the money is")
        self.figures: dict[str, QLabel] = {}
        for name, text in FIGURES:
            value = QLabel()
            value.setObjectName(name)
            value.setAccessibleName(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(f"{text}:")
            caption.setBuddy(value)
            form.addRow(caption, value)
            self.figures[name] = value
        return self.figures_box

    def _allowances(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        label = QLabel("&Allowances held by officers")
        column.addWidget(label)
        self.model = AllowanceModel()
        self.table = row_table(self.model, "Allowances held by officers")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(140)
        label.setBuddy(self.table)
        column.addWidget(self.table)
        return box

    def _grant(self) -> QGroupBox:
        box, form = section("Grant allowance from the unallocated balance")
        self.grant_fields = FieldSet(taken=self._taken)
        self.grant_officer = self.grant_fields.choice(form, "officer", "Officer", [])
        self.grant_amount = self.grant_fields.line(form, "amount_pence", "Amount to grant (£)")
        self.grant_button = button("&Grant allowance")
        form.addRow(self.grant_button)
        enter_presses(box, self.grant_button, drawn=False)  # Enter in its fields grants
        return box

    def _move(self) -> QGroupBox:
        box, form = section("Move allowance: the holder confirms in person")
        self.move_fields = FieldSet(taken=self._taken)
        self.holder_code = self.move_fields.line(
            form, "holder_code", "Holder's officer code", "e.g. JS01"
        )
        self.holder_password = self.move_fields.line(
            form,
            "holder_password",
            "Holder's password",
            help="The officer who holds the allowance types it; it is cleared at once.",
        )
        self.holder_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.move_officer = self.move_fields.choice(form, "move_officer", "Move to", [])
        self.move_amount = self.move_fields.line(form, "move_amount", "Amount to move (£)")
        self.move_button = button("&Move allowance")
        form.addRow(self.move_button)
        enter_presses(box, self.move_button, drawn=False)
        return box

    # -- showing --------------------------------------------------------------
    def refresh(self) -> None:
        ctx = self._context
        year = fund.year_of(self._today())
        self.title.setText(f"Team fund {year}")
        self.title.setAccessibleName(self.title.text())
        try:
            self.view = fund.fund_view(ctx.store, ctx.user, self._today())
        except fund.FundRefused:
            self.view = None  # not open yet: offer to open it
        except ServiceError as exc:
            self.view = None
            self.open_box.hide()
            self.balances_box.hide()
            self._load_problem = str(exc)
            show_banner(self.message, self._load_problem, error=True)
            return
        self._clear_load_problem()
        self.open_box.setVisible(self.view is None)
        self.balances_box.setVisible(self.view is not None)
        if self.view is None:
            self.open_box.setTitle(f"Open the team fund for {year}")
            if not self.budget.text():
                self.budget.setText(
                    pounds(fund.default_budget_pence(ctx.rules.current(), self._today()))
                )
            self.model.set_rows([])
            return
        b = self.view.balances
        money = fund.fund_summary(ctx.store, ctx.user, self._today())
        for name, pence in (
            ("budget", money.budget_pence),
            ("allocated", b.allocated_pence),
            ("approved", money.approved_pence),
            ("unpaid", money.unpaid_pence),
            ("paid", money.paid_pence),
            ("returned", money.returned_pence),
            ("paid_net", money.paid_net_pence),
            ("remaining", b.remaining_pence),
            ("unallocated", money.unallocated_pence),
        ):
            self.figures[name].setText(format_pence(pence))
            self.figures[name].setAccessibleDescription(format_pence(pence))
        self.figures_box.setTitle(f"Where the money is, {self.view.financial_year}")
        # Officers first: they hold most allowances; managers after them.
        self._people = sorted(
            users.list_users(ctx.store), key=lambda u: (u.role is Role.MANAGER, u.name.casefold())
        )
        self.model.set_rows(allowance_rows(self.view, self._people))
        people = [(str(u.id), _person(u)) for u in self._people]
        for combo in (self.grant_officer, self.move_officer):
            _fill(combo, people)
        if not self.grant_amount.text():
            self.grant_amount.setText(
                pounds(fund.default_allowance_pence(ctx.rules.current(), self._today()))
            )

    # -- acting ---------------------------------------------------------------
    def _clear_load_problem(self) -> None:
        """Loaded now: a banner saying why the last load failed is no longer true."""
        if self._load_problem and self.message.text() == self._load_problem:
            self.message.hide()
        self._load_problem = ""

    def _done(self, text: str) -> None:
        self.refresh()
        show_banner(self.message, text)

    def open_fund(self) -> None:
        self.open_fields.clear_errors()
        try:
            budget = parse_pounds(self.budget.text())
            fund.open_fund(self._context.store, self._context.user, budget, self._today())
        except MoneyError as exc:
            self.open_fields.show_errors({"budget": f"Budget: {exc}"})
            show_banner(self.message, "The fund is not open. Correct the budget.", error=True)
            return
        except InvalidInput as exc:
            self.open_fields.show_errors({"budget": str(exc)})
            show_banner(self.message, f"The fund is not open. {exc}", error=True)
            return
        except ServiceError as exc:
            show_banner(self.message, f"The fund is not open. {exc}", error=True)
            return
        self._done(f"The team fund is open with a budget of {format_pence(budget)}.")

    def grant(self) -> None:
        self.grant_fields.clear_errors()
        officer = self._chosen(self.grant_officer)
        try:
            amount = parse_pounds(self.grant_amount.text())
        except MoneyError as exc:
            self.grant_fields.show_errors({"amount_pence": f"Amount: {exc}"})
            show_banner(self.message, "Nothing granted. Correct the amount.", error=True)
            return
        if officer is None:
            self.grant_fields.show_errors({"officer": "Officer: choose someone from the list"})
            show_banner(self.message, "Nothing granted. Choose an officer.", error=True)
            return
        try:
            fund.grant_allowance(
                self._context.store, self._context.user, officer.id, amount, self._today()
            )
        except ServiceError as exc:
            if isinstance(exc, InvalidInput):
                self.grant_fields.show_errors(exc.fields)
            show_banner(self.message, f"Nothing granted. {exc}", error=True)
            return
        self._done(f"Granted {format_pence(amount)} of allowance to {officer.name}.")

    def move_allowance(self) -> None:
        self.move_fields.clear_errors()
        ctx = self._context
        code, password = self.holder_code.text(), self.holder_password.text()
        self.holder_password.clear()  # used once, below, and never kept
        to = self._chosen(self.move_officer)
        try:
            amount = parse_pounds(self.move_amount.text())
        except MoneyError as exc:
            self.move_fields.show_errors({"move_amount": f"Amount: {exc}"})
            show_banner(self.message, "Nothing moved. Correct the amount.", error=True)
            return
        if to is None:
            self.move_fields.show_errors({"move_officer": "Move to: choose someone from the list"})
            show_banner(self.message, "Nothing moved. Choose who receives it.", error=True)
            return
        try:
            holder = users.sign_in(ctx.store, code, password)
            try:
                fund.move_allowance(ctx.store, ctx.user, holder, to.id, amount, self._today())
            finally:
                if holder.id != ctx.user.id:
                    users.put_away_key(holder)  # their password opened it for this only
        except ServiceError as exc:
            if isinstance(exc, InvalidInput):
                names = {"officer": "move_officer", "amount_pence": "move_amount"}
                self.move_fields.show_errors({names.get(k, k): v for k, v in exc.fields.items()})
            show_banner(self.message, f"Nothing moved. {exc}", error=True)
            return
        self.holder_code.clear()
        self._done(f"Moved {format_pence(amount)} of allowance from {holder.name} to {to.name}.")

    def _chosen(self, combo: QComboBox) -> User | None:
        value = combo.currentData()
        return next((u for u in self._people if str(u.id) == value), None)


def _person(user: User) -> str:
    role = " — team manager" if user.role is Role.MANAGER else ""
    return f"{user.name} ({user.officer_code}){role}"


def _fill(combo: QComboBox, options: list[tuple[str, str]]) -> None:
    """Replace the options, keeping the one chosen if it is still there."""
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for value, text in options:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))
    combo.blockSignals(False)
