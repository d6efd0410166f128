"""Payment routes for an approved award, and finance's payment file (issue 20).

A route holds only what its way of paying needs. The officer's form is read by
:func:`route_from_form`, which answers in the officer's words (the field as the
form names it, and what was expected). Bank details are checked there, in full,
by the modulus check, and then only their masked form is kept: the full sort
code and account number never leave the form (see docs/payments.md).

Finance's file (CSV) is read by :func:`parse_finance_file`; a malformed line is
reported with its line number and column and the rest of the file is still read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from caseworker.domain import modulus
from caseworker.domain.errors import Refused
from caseworker.domain.household import DomainModel
from caseworker.domain.money import MoneyError, format_pence, parse_pounds

# Awards approved but not paid after this many days are listed for the manager
# (docs/payments.md): finance pays within 5 working days, so 10 calendar days late
# is a payment that went wrong, not one on its way.
UNPAID_AFTER_DAYS = 10


class RouteKind(StrEnum):
    CASH_OUT = "cash_out"
    PREPAID_CARD = "prepaid_card"
    DIRECT = "direct_to_supplier"
    BANK_TRANSFER = "bank_transfer"

    @property
    def label(self) -> str:
        return _ROUTE_LABELS[self]


_ROUTE_LABELS = {
    RouteKind.CASH_OUT: "Cash-out code (PayPoint or Post Office)",
    RouteKind.PREPAID_CARD: "Prepaid card top-up",
    RouteKind.DIRECT: "Paid straight to a landlord, energy supplier or uniform shop",
    RouteKind.BANK_TRANSFER: "Bank transfer",
}


# Each route as the family copy names it to the family (plain words, no form labels).
_FAMILY_WAYS = {
    RouteKind.CASH_OUT: "a code to collect cash at a PayPoint or Post Office",
    RouteKind.PREPAID_CARD: "a prepaid card",
    RouteKind.DIRECT: "a payment straight to your landlord, energy supplier or uniform shop",
    RouteKind.BANK_TRANSFER: "a bank transfer",
}


def route_not_chosen_sentence() -> str:
    """The family copy's sentence for an agreed payment whose route the officer has not
    chosen yet: every way the scheme pays, so the family knows what to expect."""
    ways = [_FAMILY_WAYS[k] for k in RouteKind]
    return (
        f"We will pay this in one of these ways: {'; '.join(ways[:-1])}; or {ways[-1]}. "
        "Your officer will tell you which one and when."
    )


class PaymentStatus(StrEnum):
    """An instruction's life: instructed → paid → returned, or instructed → failed."""

    INSTRUCTED = "instructed"
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"


class LineResult(StrEnum):
    """What importing one line of finance's file did."""

    APPLIED = "applied"  # the payment is now paid, failed or returned
    PAID_TWICE = "paid_twice"  # finance paid an award it had already paid
    UNMATCHED = "unmatched"  # no instruction fits; the note says why


class Delivery(StrEnum):
    TEXT = "text"
    PRINTED = "printed"


class PayeeKind(StrEnum):
    LANDLORD = "landlord"
    ENERGY_SUPPLIER = "energy_supplier"
    SCHOOL_UNIFORM_SHOP = "school_uniform_shop"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class RouteInvalid(Refused):
    """The route form has mistakes; ``fields`` maps each form field to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(fields.values()))


class CashOut(DomainModel):
    """A code the family takes to any PayPoint or Post Office counter for cash."""

    route: Literal["cash_out"] = "cash_out"
    code: str
    delivery: Delivery
    phone: str = ""  # only when the code is sent by text

    def family_sentence(self, amount_pence: int) -> str:
        where = "at any PayPoint or Post Office counter"
        if self.delivery is Delivery.TEXT:
            return (
                f"You get {format_pence(amount_pence)} in cash {where}: we text the code to "
                f"your phone ending {self.phone[-3:]} within one working day."
            )
        return (
            f"You get {format_pence(amount_pence)} in cash {where}: show the code "
            f"{self.code} printed on this copy from the next working day."
        )

    @property
    def detail_end(self) -> str:
        return self.code[-4:]


class PrepaidCard(DomainModel):
    route: Literal["prepaid_card"] = "prepaid_card"
    last_four: str
    expiry_month: int
    expiry_year: int
    top_up_pence: int

    def family_sentence(self, amount_pence: int) -> str:
        return (
            f"We top up your prepaid card ending {self.last_four} with "
            f"{format_pence(self.top_up_pence)} within two working days."
        )

    @property
    def detail_end(self) -> str:
        return self.last_four


class DirectPayment(DomainModel):
    """Paid straight to the landlord, energy supplier or school-uniform shop."""

    route: Literal["direct_to_supplier"] = "direct_to_supplier"
    payee_kind: PayeeKind
    payee: str
    payee_reference: str  # the family's account or tenancy reference with the payee
    invoice_number: str

    def family_sentence(self, amount_pence: int) -> str:
        return (
            f"We pay {format_pence(amount_pence)} straight to your {self.payee_kind.label}, "
            f"{self.payee}, against invoice {self.invoice_number}, within five working days; "
            f"you do not receive this money yourself."
        )

    @property
    def detail_end(self) -> str:
        return self.invoice_number


class BankTransfer(DomainModel):
    """A bank transfer; only the masked details are kept after entry."""

    route: Literal["bank_transfer"] = "bank_transfer"
    sort_code_end: str  # the last two digits
    account_end: str  # the last four digits (of the number as typed)
    modulus: modulus.CheckResult
    # How a number that is not 8 digits was read for the check (modulus.check_any);
    # empty for 8 digits and left out of the stored form then, so a route recorded
    # before this field existed reads, and is stored, exactly as it was.
    account_rule: str = ""

    @model_serializer(mode="wrap")
    def _leave_out_empty_rule(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not self.account_rule:
            data.pop("account_rule", None)
        return data

    @property
    def masked(self) -> str:
        return f"sort code **-**-{self.sort_code_end}, account ****{self.account_end}"

    def family_sentence(self, amount_pence: int) -> str:
        return (
            f"We pay {format_pence(amount_pence)} into your bank account ending "
            f"{self.account_end} within three working days."
        )

    @property
    def detail_end(self) -> str:
        return self.account_end


Route = Annotated[
    CashOut | PrepaidCard | DirectPayment | BankTransfer, Field(discriminator="route")
]
ROUTE_TYPES: dict[RouteKind, type[CashOut | PrepaidCard | DirectPayment | BankTransfer]] = {
    RouteKind.CASH_OUT: CashOut,
    RouteKind.PREPAID_CARD: PrepaidCard,
    RouteKind.DIRECT: DirectPayment,
    RouteKind.BANK_TRANSFER: BankTransfer,
}

# -- reading the officer's form ----------------------------------------------------

# The fields each route's form has; anything else typed is refused, never kept.
FORM_FIELDS: dict[RouteKind, tuple[str, ...]] = {
    RouteKind.CASH_OUT: ("code", "delivery", "phone"),
    RouteKind.PREPAID_CARD: ("last_four", "expiry", "top_up"),
    RouteKind.DIRECT: ("payee_kind", "payee", "payee_reference", "invoice_number"),
    RouteKind.BANK_TRANSFER: ("sort_code", "account_number"),
}
FORM_LABELS = {
    "route": "Payment route",
    "code": "Cash-out code",
    "delivery": "Send the code by",
    "phone": "Mobile number",
    "last_four": "Card number's last four digits",
    "expiry": "Card expiry",
    "top_up": "Top-up amount",
    "payee_kind": "Paid to",
    "payee": "Payee name",
    "payee_reference": "Payee's reference for the family",
    "invoice_number": "Invoice number",
    "sort_code": "Sort code",
    "account_number": "Account number",
}
_CODE = re.compile(r"^[A-Z0-9]{8,20}$")
_MOBILE = re.compile(r"^07\d{9}$")
_EXPIRY = re.compile(r"^(\d{1,2})/(\d{2}|\d{4})$")
_SHORT_TEXT = 80


def _digits(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def route_from_form(
    kind: str,
    form: Mapping[str, str],
    today: date,
    award_pence: int,
    modulus_table: modulus.Table = modulus.SUBSET,
) -> Route:
    """The route the officer's form describes, or :class:`RouteInvalid` naming each mistake."""
    try:
        route = RouteKind(kind)
    except ValueError:
        choices = ", ".join(k.label.lower() for k in RouteKind)
        raise RouteInvalid({"route": f"Payment route: choose one of {choices}"}) from None
    extra = sorted(set(form) - set(FORM_FIELDS[route]))
    if extra:
        names = ", ".join(FORM_LABELS.get(f, f) for f in extra)
        raise RouteInvalid({"route": f"Payment route: {route.label} does not use {names}"})
    get = {f: str(form.get(f, "")).strip() for f in FORM_FIELDS[route]}
    match route:
        case RouteKind.CASH_OUT:
            return _cash_out(get)
        case RouteKind.PREPAID_CARD:
            return _prepaid_card(get, today, award_pence)
        case RouteKind.DIRECT:
            return _direct(get)
        case RouteKind.BANK_TRANSFER:
            return _bank_transfer(get, modulus_table)


def _cash_out(get: dict[str, str]) -> CashOut:
    problems: dict[str, str] = {}
    code = get["code"].replace(" ", "").upper()
    if not _CODE.match(code):
        problems["code"] = "Cash-out code: enter the 8 to 20 letters and digits of the code"
    delivery = get["delivery"].lower()
    if delivery not in (Delivery.TEXT, Delivery.PRINTED):
        problems["delivery"] = "Send the code by: choose text message or printed on the family copy"
    phone = _digits(get["phone"])
    if delivery == Delivery.TEXT and not _MOBILE.match(phone):
        problems["phone"] = (
            "Mobile number: enter a UK mobile number of 11 digits, like 07700 900123"
        )
    if delivery == Delivery.PRINTED and phone:
        problems["phone"] = "Mobile number: leave it empty when the code is printed"
    if problems:
        raise RouteInvalid(problems)
    return CashOut(code=code, delivery=Delivery(delivery), phone=phone)


def _prepaid_card(get: dict[str, str], today: date, award_pence: int) -> PrepaidCard:
    problems: dict[str, str] = {}
    last_four = _digits(get["last_four"])
    if not re.fullmatch(r"\d{4}", last_four):
        problems["last_four"] = "Card number's last four digits: enter exactly 4 digits, like 4821"
    month = year = 0
    match = _EXPIRY.match(get["expiry"].replace(" ", ""))
    if match is None or not 1 <= int(match.group(1)) <= 12:
        problems["expiry"] = "Card expiry: enter the month and year as on the card, like 09/28"
    else:
        month, year = int(match.group(1)), int(match.group(2))
        year += 2000 if year < 100 else 0
        if (year, month) < (today.year, today.month):
            problems["expiry"] = (
                f"Card expiry: this card expired at the end of {month:02d}/{year}; "
                "ask the family for their current card"
            )
    top_up = 0
    try:
        top_up = parse_pounds(get["top_up"])
    except MoneyError as exc:
        problems["top_up"] = f"Top-up amount: {exc}"
    else:
        if top_up != award_pence:
            problems["top_up"] = (
                f"Top-up amount: must be the award, {format_pence(award_pence)} "
                f"(you typed {format_pence(top_up)})"
            )
    if problems:
        raise RouteInvalid(problems)
    return PrepaidCard(
        last_four=last_four, expiry_month=month, expiry_year=year, top_up_pence=top_up
    )


def _direct(get: dict[str, str]) -> DirectPayment:
    problems: dict[str, str] = {}
    kinds = {k.value: k for k in PayeeKind} | {k.label: k for k in PayeeKind}
    kind = kinds.get(get["payee_kind"].lower())
    if kind is None:
        problems["payee_kind"] = "Paid to: choose landlord, energy supplier or school uniform shop"
    for name in ("payee", "payee_reference", "invoice_number"):
        if not get[name]:
            problems[name] = f"{FORM_LABELS[name]}: enter it as it is on the invoice"
        elif len(get[name]) > _SHORT_TEXT:
            problems[name] = f"{FORM_LABELS[name]}: at most {_SHORT_TEXT} characters"
    if problems or kind is None:
        raise RouteInvalid(problems)
    return DirectPayment(
        payee_kind=kind,
        payee=get["payee"],
        payee_reference=get["payee_reference"],
        invoice_number=get["invoice_number"],
    )


def _bank_transfer(get: dict[str, str], table: modulus.Table) -> BankTransfer:
    problems: dict[str, str] = {}
    sort_code = _digits(get["sort_code"])
    account = _digits(get["account_number"])
    if not re.fullmatch(r"\d{6}", sort_code):
        problems["sort_code"] = "Sort code: enter the 6 digits, like 20-00-00"
    if not re.fullmatch(r"\d+", account):
        problems["account_number"] = (
            "Account number: enter the digits only, as the bank gives them, like 12345678"
        )
    elif len(account) not in modulus.ACCOUNT_LENGTHS:
        problems["account_number"] = (
            f"Account number: expected 6 to 10 digits (most have 8, like 12345678), "
            f"you typed {len(account)}"
        )
    if problems:
        raise RouteInvalid(problems)
    # 6 and 7 digits are padded, 9 and 10 read as the banks' rules say (docs/payments.md).
    checked = modulus.check_any(sort_code, account, table)
    if checked.result is modulus.CheckResult.INVALID:
        how = f". How it was read: {checked.rule}." if checked.rule else ""
        raise RouteInvalid(
            {
                "account_number": "Account number: this account number does not belong with "
                "that sort code (the banks' check failed); check both with the family" + how
            }
        )
    # The masked form shows the end of the number as the family knows it, never more.
    return BankTransfer(
        sort_code_end=sort_code[-2:],
        account_end=account[-4:],
        modulus=checked.result,
        account_rule=checked.rule,
    )


def describe_route(route: Route) -> str:
    """One line for screens and reports; bank details only masked."""
    match route:
        case CashOut():
            how = "by text" if route.delivery is Delivery.TEXT else "printed on the family copy"
            return f"Cash-out code {how}"
        case PrepaidCard():
            return (
                f"Prepaid card ending {route.last_four}, expires "
                f"{route.expiry_month:02d}/{route.expiry_year}"
            )
        case DirectPayment():
            return f"Paid to {route.payee_kind.label} {route.payee}, invoice {route.invoice_number}"
        case BankTransfer():
            return f"Bank transfer, {route.masked}"


# -- finance's file ------------------------------------------------------------------


class Outcome(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"


FINANCE_COLUMNS = (
    "line_id",
    "payment_reference",
    "route",
    "outcome",
    "amount",
    "date",
    "detail",
    "reason",
)


@dataclass(frozen=True)
class FinanceLine:
    line_number: int
    line_id: str
    payment_reference: str
    route: RouteKind
    outcome: Outcome
    amount_pence: int
    on: date
    detail: str
    reason: str


@dataclass(frozen=True)
class LineProblem:
    line_number: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line_number}, column {self.column}: {self.message}"


def parse_finance_file(text: str) -> tuple[list[FinanceLine], list[LineProblem]]:
    """Every good line of finance's CSV, and a problem for each line that is not."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        return [], [LineProblem(1, "line_id", "the file is empty; expected a header line")]
    names = [h.strip().lower() for h in header]
    missing = [c for c in FINANCE_COLUMNS if c not in names]
    if missing:
        return [], [
            LineProblem(
                1, m, f"the header has no {m} column; expected {', '.join(FINANCE_COLUMNS)}"
            )
            for m in missing
        ]
    where = {c: names.index(c) for c in FINANCE_COLUMNS}
    lines: list[FinanceLine] = []
    problems: list[LineProblem] = []
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(names):
            column = names[len(values)] if len(values) < len(names) else names[-1]
            problems.append(
                LineProblem(number, column, f"expected {len(names)} columns, found {len(values)}")
            )
            continue
        line, problem = _finance_line(number, {c: values[i].strip() for c, i in where.items()})
        if problem is not None:
            problems.append(problem)
        elif line is not None:
            lines.append(line)
    return lines, problems


def _finance_line(number: int, v: dict[str, str]) -> tuple[FinanceLine | None, LineProblem | None]:
    def bad(column: str, expected: str) -> tuple[None, LineProblem]:
        return None, LineProblem(number, column, f"expected {expected}, found '{v[column]}'")

    if not v["line_id"]:
        return bad("line_id", "finance's id for the line")
    if not v["payment_reference"]:
        return bad("payment_reference", "the payment reference Caseworker gave, like CW-1A2B3C4D5E")
    try:
        route = RouteKind(v["route"].lower())
    except ValueError:
        return bad("route", "one of " + ", ".join(k.value for k in RouteKind))
    try:
        outcome = Outcome(v["outcome"].lower())
    except ValueError:
        return bad("outcome", "paid, failed or returned")
    try:
        amount = parse_pounds(v["amount"])
    except MoneyError:
        return bad("amount", "an amount in pounds, like 120.00")
    try:
        on = date.fromisoformat(v["date"])
    except ValueError:
        return bad("date", "a date as year-month-day, like 2027-01-31")
    if not v["detail"]:
        return bad("detail", _DETAIL[route])
    return (
        FinanceLine(
            number,
            v["line_id"],
            v["payment_reference"].upper(),
            route,
            outcome,
            amount,
            on,
            v["detail"],
            v["reason"],
        ),
        None,
    )


# What finance's ``detail`` column holds for each route (docs/payments.md).
_DETAIL = {
    RouteKind.CASH_OUT: "the last four characters of the cash-out code",
    RouteKind.PREPAID_CARD: "the card's last four digits",
    RouteKind.DIRECT: "the payee's invoice number",
    RouteKind.BANK_TRANSFER: "the account number's last four digits",
}
