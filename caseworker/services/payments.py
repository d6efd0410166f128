"""Paying approved awards by a route, and reconciling finance's payment file (issue 20).

- :func:`instruct_from_form` reads the officer's route form (the full bank details
  stop there: only the masked route reaches :func:`instruct_payment`, the outbox,
  the store and the sync);
- :func:`import_finance_file` reads finance's CSV in one transaction: each line is
  matched to an instruction by Caseworker's payment reference; a paid line marks
  the package paid and moves the money out in the fund ledger; a returned one
  gives the money back to the fund and withdraws the award; a failed or returned
  one becomes a task for the officer who made the package. Lines are kept by
  finance's line id, so importing a file again changes nothing;
- :func:`reconciliation` is the manager's view: paid, failed, returned,
  unmatched, paid-twice, and awards approved but unpaid after N days.

The old ``packages.record_payment`` (a method code and free text) stays as it
was, so outboxes that hold it still replay.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import Table, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from caseworker.domain import modulus
from caseworker.domain.dates import local_time
from caseworker.domain.fund import EntryKind
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageStatus
from caseworker.domain.payments import (
    UNPAID_AFTER_DAYS,
    FinanceLine,
    LineProblem,
    LineResult,
    Outcome,
    PaymentStatus,
    PrepaidCard,
    Route,
    RouteInvalid,
    describe_route,
    parse_finance_file,
    route_from_form,
)
from caseworker.domain.stamps import new_id, utcnow
from caseworker.domain.users import Role, User
from caseworker.services.audit import AuditTrail, BatchEntry, canonical, canonical_json
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused, ServiceError
from caseworker.services.fund import Settlement, add_settlements, fund_row, year_of
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store.bulk import insert_rows, update_rows
from caseworker.store.database import Store
from caseworker.store.payment_tables import (
    MODULUS_TABLE_ID,
    FinanceLineRow,
    ModulusTableRow,
    PaymentRow,
)
from caseworker.store.tables import FundRow, HouseholdRow, PackageEventRow, PackageRow
from caseworker.store.written import written_all

log = logging.getLogger(__name__)
_ROUTE: TypeAdapter[Route] = TypeAdapter(Route)


@functools.lru_cache(maxsize=4096)
def _route_of(details: str) -> Route:
    """A stored route (many awards share one: a landlord, a shop), read once."""
    return _ROUTE.validate_json(details)


_PAYABLE = (PackageStatus.APPROVED_ON_SPOT.value, PackageStatus.APPROVED.value)
_LIVE = (PaymentStatus.INSTRUCTED.value, PaymentStatus.PAID.value)
_CHUNK = 900  # ids per IN (...) list: well under SQLite's limit on bound values


class PaymentRefused(ServiceError):
    """A payment action the rules do not allow; the message says why."""


@dataclass(frozen=True)
class Payment:
    id: uuid.UUID
    package_id: uuid.UUID
    household_id: uuid.UUID
    reference: str
    route: Route
    amount_pence: int
    status: PaymentStatus
    instructed_by: uuid.UUID
    instructed_at: datetime
    settled_on: date | None
    outcome_reason: str

    @property
    def description(self) -> str:
        """How it is paid, bank details masked."""
        return describe_route(self.route)

    @property
    def family_sentence(self) -> str:
        """For the family copy: how and when the family gets the money."""
        return self.route.family_sentence(self.amount_pence)


def _payment(row: PaymentRow) -> Payment:
    return Payment(
        id=row.id,
        package_id=row.package_id,
        household_id=row.household_id,
        reference=row.reference,
        route=_ROUTE.validate_json(row.details),
        amount_pence=row.amount_pence,
        status=PaymentStatus(row.status),
        instructed_by=row.instructed_by,
        instructed_at=row.instructed_at,
        settled_on=row.settled_on,
        outcome_reason=row.outcome_reason,
    )


# -- instructing --------------------------------------------------------------------


def instruct_from_form(
    store: Store,
    user: User,
    package_id: uuid.UUID,
    kind: str,
    form: Mapping[str, str],
    day: date,
) -> Payment:
    """Read the officer's route form and record the instruction; the form's mistakes come
    back as :class:`InvalidInput`, one message per field."""
    with store.read() as session:
        package = session.get(PackageRow, package_id)
        if package is None:
            raise NotFound("That package is not in this store.")
        award = package.total_pence
    table = modulus_table(store) if kind == "bank_transfer" else modulus.SUBSET
    try:
        route = route_from_form(kind, form, day, award, table)
    except RouteInvalid as exc:
        raise InvalidInput(exc.fields) from exc
    return instruct_payment(store, user, package_id, route, day)


# -- the bank modulus check's tables -------------------------------------------------


@dataclass(frozen=True)
class ModulusTableInfo:
    """Which modulus tables this store holds, for the manager."""

    rows: int
    substitutions: int
    source: str
    loaded_at: datetime | None  # None: the subset shipped with Caseworker


@mutation("payments.modulus_table")
def load_modulus_table(
    store: Store, manager: User, weights: str, substitutions: str, source: str
) -> ModulusTableInfo:
    """Make the council's copy of Pay.UK's tables (weights, and the sort code substitutions
    for exception 5) the ones every bank transfer is checked with (a team manager).

    The text is checked first; a malformed line refuses the whole load (a part of a table
    would leave sort codes unchecked), each problem naming its line and column. Kept as
    one row, copied to every laptop by the sync like the services directory.
    """
    require_manager(manager, "load the bank modulus check's tables")
    try:
        table = modulus.Table.read(weights, substitutions)
    except modulus.TableError as exc:
        raise InvalidInput({f"problem {i}": p for i, p in enumerate(exc.problems)}) from exc
    now = utcnow()
    with store.unit_of_work() as session:
        row = session.get(ModulusTableRow, MODULUS_TABLE_ID)
        if row is None:
            row = ModulusTableRow(id=MODULUS_TABLE_ID, weights=weights, loaded_by=manager.id)
        row.weights = weights
        row.substitutions = substitutions
        row.source = source
        row.row_count = len(table.rows)
        row.loaded_by = manager.id
        row.loaded_at = now
        session.add(row)
        AuditTrail(session, manager.id).record(
            "modulus_table",
            MODULUS_TABLE_ID,
            "loaded",
            {
                "source": source,
                "rows": len(table.rows),
                "substitutions": len(table.substitutions),
            },
        )
    _read_table.cache_clear()
    return ModulusTableInfo(len(table.rows), len(table.substitutions), source, now)


@functools.lru_cache(maxsize=4)
def _read_table(weights: str, substitutions: str) -> modulus.Table:
    return modulus.Table.read(weights, substitutions)


def modulus_table(store: Store) -> modulus.Table:
    """The tables bank transfers are checked with: the council's, once loaded (and pulled
    to this laptop), else the small subset shipped with Caseworker."""
    with store.read() as session:
        row = session.get(ModulusTableRow, MODULUS_TABLE_ID)
        if row is None:
            return modulus.SUBSET
        weights, substitutions = row.weights, row.substitutions
    try:
        return _read_table(weights, substitutions)
    except modulus.TableError:
        # Checked when loaded; a row that no longer reads is a bug, not the officer's.
        log.exception("the stored modulus table does not read; using the subset")
        return modulus.SUBSET


def modulus_table_info(store: Store) -> ModulusTableInfo:
    with store.read() as session:
        row = session.get(ModulusTableRow, MODULUS_TABLE_ID)
        if row is None:
            return ModulusTableInfo(len(modulus.WEIGHTS), 0, "the subset shipped", None)
        subs = len([line for line in row.substitutions.splitlines() if line.strip()])
        return ModulusTableInfo(row.row_count, subs, row.source, row.loaded_at)


def modulus_table_sentence(info: ModulusTableInfo) -> str:
    """One line for the manager: which tables bank details are checked against.

    The date is the day the tables were loaded, in UK time (as every screen shows it).
    """
    if info.loaded_at is None:
        return (
            "Bank details are checked against a small sample of sort codes only: most are "
            "not checked until a manager loads Pay.UK's tables "
            "(caseworker payments modulus-table)."
        )
    day = local_time(info.loaded_at).date()
    rows = "row" if info.rows == 1 else "rows"
    return (
        f"Bank details are checked against Pay.UK's tables loaded on "
        f"{day.day} {day:%B %Y} ({info.rows:,} {rows} of sort code ranges, from {info.source})."
    )


@mutation("payments.instruct")
def instruct_payment(
    store: Store, user: User, package_id: uuid.UUID, route: Route, day: date
) -> Payment:
    """Record how an approved, unpaid package is to be paid; finance quotes the reference."""
    with store.unit_of_work() as session:
        package = session.get(PackageRow, package_id)
        if package is None:
            raise NotFound("That package is not in this store.")
        if package.created_by != user.id and user.role is not Role.MANAGER:
            raise PermissionRefused(
                "Only the officer who made the package or a team manager can say how it is paid."
            )
        if package.status not in _PAYABLE:
            raise PaymentRefused(
                "Only an approved, unpaid package can be paid; this one is "
                f"{PackageStatus(package.status).label.lower()}."
            )
        live = session.exec(
            select(PaymentRow).where(
                PaymentRow.package_id == package_id, col(PaymentRow.status).in_(_LIVE)
            )
        ).first()
        if live is not None:
            raise PaymentRefused(
                f"This package is already being paid ({live.reference}, "
                f"{describe_route(_ROUTE.validate_json(live.details)).lower()}). It can be "
                "paid another way only if finance reports that payment failed."
            )
        if isinstance(route, PrepaidCard) and route.top_up_pence != package.total_pence:
            raise InvalidInput(
                {"top_up": f"Top-up amount: must be the award, {format_pence(package.total_pence)}"}
            )
        payment_id = new_id()
        row = PaymentRow(
            id=payment_id,
            package_id=package_id,
            household_id=package.household_id,
            reference=f"CW-{payment_id.hex[:10].upper()}",
            route=route.route,
            details=canonical(route.model_dump(mode="json")),
            amount_pence=package.total_pence,
            status=PaymentStatus.INSTRUCTED.value,
            instructed_by=user.id,
        )
        session.add(row)
        # A failed payment's task is done once the award is sent another way.
        for failed in session.exec(
            select(PaymentRow).where(
                PaymentRow.package_id == package_id,
                PaymentRow.status == PaymentStatus.FAILED.value,
                col(PaymentRow.task_closed_on).is_(None),
            )
        ):
            failed.task_closed_on = day
            failed.task_note = f"Sent again as {row.reference}."
            session.add(failed)
        AuditTrail(session, user.id).record(
            "payment",
            row.id,
            "instructed",
            {
                "package": package_id,
                "reference": row.reference,
                "route": describe_route(route),
                "amount_pence": row.amount_pence,
            },
            household_id=package.household_id,
        )
        session.flush()
        log.info("payment %s instructed for package %s", row.id, package_id)
        return _payment(row)


def payments_of(store: Store, package_id: uuid.UUID) -> list[Payment]:
    """A package's payment instructions, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(PaymentRow)
            .where(PaymentRow.package_id == package_id)
            .order_by(col(PaymentRow.instructed_at), col(PaymentRow.reference))
        ).all()
        return [_payment(r) for r in rows]


# -- finance's file --------------------------------------------------------------------


@dataclass(frozen=True)
class LineOutcome:
    line_number: int
    line_id: str
    payment_reference: str
    result: LineResult
    outcome: Outcome
    amount_pence: int
    note: str = ""


@dataclass
class ImportReport:
    """What one import did, line by line."""

    applied: list[LineOutcome] = field(default_factory=list)
    paid_twice: list[LineOutcome] = field(default_factory=list)
    unmatched: list[LineOutcome] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # line numbers
    malformed: list[LineProblem] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not (self.applied or self.paid_twice or self.unmatched)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for a in self.applied if a.outcome is outcome)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@mutation("payments.import_finance_file")
def import_finance_file(store: Store, manager: User, text: str, day: date) -> ImportReport:
    """Import finance's payment file (docs/payments.md) in one transaction.

    Thousands of lines are usual, so the rows are read in a few queries and written
    with one statement per table (each noted for the outbox and the sync, as the
    ORM's rows are), not object by object; every row and audit entry carries the one
    instant of the import, and their ids come from one id (:class:`_Ids`).
    """
    require_manager(manager, "import finance's payment file")
    lines, problems = parse_finance_file(text)
    report = ImportReport(malformed=problems)
    at, ids = utcnow(), _Ids()
    with store.unit_of_work() as session:
        seen = _imported_line_ids(session, sorted({line.line_id for line in lines}))
        pays, packages = _instructions(session, sorted({line.payment_reference for line in lines}))
        settle = _Settle(session, manager, day, at, ids)
        finance_rows: list[dict[str, object]] = []
        lists = {
            LineResult.APPLIED: report.applied,
            LineResult.PAID_TWICE: report.paid_twice,
            LineResult.UNMATCHED: report.unmatched,
        }
        for line in lines:
            if line.line_id in seen:
                report.already_imported.append(line.line_number)
                continue
            seen.add(line.line_id)
            payment = pays.get(line.payment_reference)
            package = packages.get(payment.package_id) if payment is not None else None
            result, note = _match(line, payment, package)
            if result is LineResult.APPLIED:
                assert payment is not None and package is not None
                settle.apply(line, payment, package)
            row_id = ids()
            finance_rows.append(
                {
                    "id": row_id,
                    "line_id": line.line_id,
                    "payment_reference": line.payment_reference,
                    "payment_id": payment.id if payment is not None else None,
                    "household_id": payment.household_id if payment is not None else None,
                    "route": line.route.value,
                    "outcome": line.outcome.value,
                    "amount_pence": line.amount_pence,
                    "happened_on": line.on,
                    "detail": line.detail,
                    "reason": line.reason,
                    "result": result.value,
                    "note": note,
                    "imported_by": manager.id,
                    "imported_at": at,
                    "server_version": None,
                }
            )
            lists[result].append(
                LineOutcome(
                    line.line_number,
                    line.line_id,
                    line.payment_reference,
                    result,
                    line.outcome,
                    line.amount_pence,
                    note,
                )
            )
        settle.write()
        insert_rows(session, _table(FinanceLineRow), written_all("finance_line", finance_rows))
        AuditTrail(session, manager.id).record(
            "finance_file",
            new_id(),
            "imported",
            {
                "applied": len(report.applied),
                "paid_twice": len(report.paid_twice),
                "unmatched": len(report.unmatched),
                "already_imported": len(report.already_imported),
                "malformed": [str(p) for p in report.malformed],
            },
        )
    log.info(
        "finance file: %d applied, %d paid twice, %d unmatched, %d already, %d malformed",
        len(report.applied),
        len(report.paid_twice),
        len(report.unmatched),
        len(report.already_imported),
        len(report.malformed),
    )
    return report


class _Ids:
    """Ids for the rows one import writes: one id taken (and recorded on the change's
    tape), the others derived from it by varying its low bits.

    A 10,000-line file writes some 40,000 rows; one recorded id each made the change's
    tape longer than the file and cost a tenth of the import. Derived ids are unique
    within the import, as unlikely as random ones to meet any other id, and a replay
    of the change derives the same ones.
    """

    def __init__(self) -> None:
        self._seed = new_id().int
        self._taken = 0

    def __call__(self) -> uuid.UUID:
        self._taken += 1
        return uuid.UUID(int=self._seed ^ self._taken)


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


@dataclass
class _Pay:
    """A payment as the import reads and changes it."""

    id: uuid.UUID
    package_id: uuid.UUID
    household_id: uuid.UUID
    reference: str
    route: str
    details: str
    amount_pence: int
    status: str
    settled_on: date | None


@dataclass
class _Pkg:
    id: uuid.UUID
    household_id: uuid.UUID
    status: str
    approved_on: date | None


def _imported_line_ids(session: Session, ids: Sequence[str]) -> set[str]:
    t = _table(FinanceLineRow)
    seen: set[str] = set()
    for chunk in _chunks(ids):
        seen.update(session.execute(sa_select(t.c.line_id).where(t.c.line_id.in_(chunk))).scalars())
    return seen


def _instructions(
    session: Session, references: Sequence[str]
) -> tuple[dict[str, _Pay], dict[uuid.UUID, _Pkg]]:
    """The payments the file names, by reference, and their packages (one query per
    900 references; a package paid again after a failure is read once, shared)."""
    pay, pkg = _table(PaymentRow), _table(PackageRow)
    pay_columns = [pay.c[f.name] for f in fields(_Pay)]
    pkg_columns = [pkg.c[f.name] for f in fields(_Pkg) if f.name != "id"]
    query = sa_select(*pay_columns, *pkg_columns).join(pkg, pkg.c.id == pay.c.package_id)
    n = len(pay_columns)
    pays: dict[str, _Pay] = {}
    packages: dict[uuid.UUID, _Pkg] = {}
    for chunk in _chunks(references):
        for row in session.execute(query.where(pay.c.reference.in_(chunk))):
            payment = _Pay(*row[:n])
            pays[payment.reference] = payment
            if payment.package_id not in packages:
                packages[payment.package_id] = _Pkg(payment.package_id, *row[n:])
    return pays, packages


def _match(line: FinanceLine, payment: _Pay | None, package: _Pkg | None) -> tuple[LineResult, str]:
    """Whether the line settles its instruction, and if not, why (in the manager's words)."""
    if payment is None or package is None:
        return LineResult.UNMATCHED, "No payment instruction has this reference."
    if line.route.value != payment.route:
        return LineResult.UNMATCHED, (
            f"Finance paid it as {line.route.label.lower()}; the instruction was "
            f"{describe_route(_route_of(payment.details)).lower()}."
        )
    if line.amount_pence != payment.amount_pence:
        return LineResult.UNMATCHED, (
            f"Finance's amount {format_pence(line.amount_pence)} is not the award's "
            f"{format_pence(payment.amount_pence)}."
        )
    expected = _route_of(payment.details).detail_end
    if line.detail.upper() != expected.upper() and not expected.upper().endswith(
        line.detail.upper()
    ):
        return LineResult.UNMATCHED, (
            f"Finance's detail '{line.detail}' does not match the instruction's."
        )
    status = PaymentStatus(payment.status)
    match line.outcome:
        case Outcome.PAID:
            if status in (PaymentStatus.PAID, PaymentStatus.RETURNED):
                return LineResult.PAID_TWICE, (
                    f"Already paid on {payment.settled_on:%d/%m/%Y}; finance should recover "
                    f"{format_pence(line.amount_pence)}."
                )
            if package.status not in _PAYABLE:
                return LineResult.UNMATCHED, (
                    f"The package is {PackageStatus(package.status).label.lower()}; finance "
                    f"should not have paid it: recover {format_pence(line.amount_pence)}."
                )
        case Outcome.FAILED:
            if status is not PaymentStatus.INSTRUCTED:
                return LineResult.UNMATCHED, f"The payment is already {status.value}."
        case Outcome.RETURNED:
            if status is PaymentStatus.INSTRUCTED and package.status not in _PAYABLE:
                return LineResult.UNMATCHED, (
                    f"The package is {PackageStatus(package.status).label.lower()}."
                )
            if status not in (PaymentStatus.INSTRUCTED, PaymentStatus.PAID):
                return LineResult.UNMATCHED, f"The payment is already {status.value}."
    return LineResult.APPLIED, ""


class _Settle:
    """Applies matched lines inside the import's transaction, then writes them together."""

    def __init__(self, session: Session, actor: User, day: date, at: datetime, ids: _Ids) -> None:
        self.session = session
        self.actor = actor
        self.day = day
        self.at = at
        self.ids = ids
        self.audit = AuditTrail(session, actor.id)
        self.entries: list[BatchEntry] = []
        self._funds: dict[str, FundRow] = {}
        self.ledger: list[Settlement] = []
        self.events: list[dict[str, object]] = []
        self.packages: dict[uuid.UUID, _Pkg] = {}
        self.payments: dict[uuid.UUID, tuple[_Pay, str]] = {}

    def _fund(self, package: _Pkg) -> FundRow:
        on = package.approved_on or self.day
        key = year_of(on)
        if key not in self._funds:
            self._funds[key] = fund_row(self.session, on)
        return self._funds[key]

    def _package(self, package: _Pkg, status: PackageStatus, reason: str, amount: int) -> None:
        package.status = status.value
        self.packages[package.id] = package
        event_id = self.ids()
        self.events.append(
            {
                "id": event_id,
                "package_id": package.id,
                "status": status.value,
                "actor_id": self.actor.id,
                "at": self.at,
                "reason": reason,
                "amount_pence": amount,
                "method": None,
                "reference": None,
                "server_version": None,
            }
        )

    def apply(self, line: FinanceLine, payment: _Pay, package: _Pkg) -> None:
        """One line's changes, and one audit entry that names them all: the payment's
        new status, the package's, and the fund ledger's movements."""
        before, package_before = payment.status, package.status
        fund = self._fund(package)
        ledger: list[str] = []
        if line.outcome in (Outcome.PAID, Outcome.RETURNED) and before == PaymentStatus.INSTRUCTED:
            self.ledger.append(
                Settlement(fund, EntryKind.PAYMENT, payment.amount_pence, package.id)
            )
            ledger.append(EntryKind.PAYMENT.value)
            self._package(package, PackageStatus.PAID, "", payment.amount_pence)
        if line.outcome is Outcome.RETURNED:
            # The award no longer stands: its money is the fund's again (docs/payments.md).
            self.ledger.append(
                Settlement(fund, EntryKind.PAYMENT_RETURNED, payment.amount_pence, package.id)
            )
            ledger.append(EntryKind.PAYMENT_RETURNED.value)
            reason = f"Payment {payment.reference} returned: {line.reason or 'no reason given'}"
            self._package(package, PackageStatus.WITHDRAWN, reason, 0)
        payment.status = {
            Outcome.PAID: PaymentStatus.PAID,
            Outcome.FAILED: PaymentStatus.FAILED,
            Outcome.RETURNED: PaymentStatus.RETURNED,
        }[line.outcome].value
        payment.settled_on = line.on
        self.payments[payment.id] = (payment, line.reason)
        payload = {
            "line_id": line.line_id,
            "reference": payment.reference,
            "amount_pence": line.amount_pence,
            "before": before,
            "reason": line.reason,
            "package": str(package.id),
            "package_status": [package_before, package.status],
            "fund": str(fund.id),
            "ledger": ledger,
        }
        self.entries.append(
            BatchEntry(
                self.ids(),
                "payment",
                payment.id,
                payment.status,
                canonical_json(payload),
                payment.household_id,
            )
        )

    def write(self) -> None:
        """One statement per table for everything the lines changed."""
        add_settlements(self.session, self.actor, self.ledger, self.at, self.ids)
        insert_rows(
            self.session, _table(PackageEventRow), written_all("package_event", self.events)
        )
        update_rows(
            self.session,
            _table(PackageRow),
            written_all(
                "package", [{"id": p.id, "status": p.status} for p in self.packages.values()]
            ),
        )
        update_rows(
            self.session,
            _table(PaymentRow),
            written_all(
                "payment",
                [
                    {
                        "id": p.id,
                        "status": p.status,
                        "settled_on": p.settled_on,
                        "outcome_reason": reason,
                    }
                    for p, reason in self.payments.values()
                ],
            ),
        )
        self.audit.record_batch(self.entries, self.at)


# -- the manager's view and the officer's tasks ---------------------------------------


@dataclass(frozen=True)
class AwardLine:
    """One award in the reconciliation view."""

    package_id: uuid.UUID
    household_reference: str
    amount_pence: int
    approved_on: date | None
    reference: str = ""  # the payment's, if there is one
    route: str = ""  # masked description
    on: date | None = None  # paid, failed or returned on
    note: str = ""


@dataclass
class Reconciliation:
    paid: list[AwardLine] = field(default_factory=list)
    failed: list[AwardLine] = field(default_factory=list)
    returned: list[AwardLine] = field(default_factory=list)
    paid_twice: list[AwardLine] = field(default_factory=list)
    unmatched: list[LineOutcome] = field(default_factory=list)
    unpaid_overdue: list[AwardLine] = field(default_factory=list)
    unpaid_after_days: int = UNPAID_AFTER_DAYS


def reconciliation(
    store: Store, manager: User, today: date, unpaid_after_days: int = UNPAID_AFTER_DAYS
) -> Reconciliation:
    """Every award's payment state for the manager, and what finance sent that fits none."""
    require_manager(manager, "see the reconciliation with finance")
    out = Reconciliation(unpaid_after_days=unpaid_after_days)
    with store.read() as session:
        refs = dict(session.exec(select(HouseholdRow.id, HouseholdRow.reference)).all())
        rows = session.exec(
            select(PaymentRow, PackageRow)
            .join(PackageRow, col(PackageRow.id) == col(PaymentRow.package_id))
            .order_by(col(PaymentRow.settled_on), col(PaymentRow.reference))
        ).all()
        lists = {
            PaymentStatus.PAID.value: out.paid,
            PaymentStatus.FAILED.value: out.failed,
            PaymentStatus.RETURNED.value: out.returned,
        }
        by_id: dict[uuid.UUID, tuple[PaymentRow, PackageRow]] = {}
        for payment, package in rows:
            by_id[payment.id] = (payment, package)
            if payment.status in lists:
                lists[payment.status].append(
                    _award(payment, package, refs, payment.settled_on, payment.outcome_reason)
                )
        for line in session.exec(
            select(FinanceLineRow)
            .where(col(FinanceLineRow.result).in_([LineResult.PAID_TWICE, LineResult.UNMATCHED]))
            .order_by(col(FinanceLineRow.happened_on), col(FinanceLineRow.line_id))
        ).all():
            if line.result == LineResult.PAID_TWICE and line.payment_id in by_id:
                payment, package = by_id[line.payment_id]
                out.paid_twice.append(_award(payment, package, refs, line.happened_on, line.note))
            else:
                out.unmatched.append(
                    LineOutcome(
                        0,
                        line.line_id,
                        line.payment_reference,
                        LineResult(line.result),
                        Outcome(line.outcome),
                        line.amount_pence,
                        line.note,
                    )
                )
        paid_packages = {p.package_id for p, _ in rows if p.status == PaymentStatus.PAID.value}
        live = {p.package_id: p for p, _ in rows if p.status == PaymentStatus.INSTRUCTED.value}
        cutoff = today - timedelta(days=unpaid_after_days)
        for package in session.exec(
            select(PackageRow)
            .where(
                col(PackageRow.status).in_(_PAYABLE),
                col(PackageRow.approved_on) <= cutoff,
            )
            .order_by(col(PackageRow.approved_on))
        ).all():
            if package.id in paid_packages:
                continue
            waiting = live.get(package.id)
            days = (today - package.approved_on).days if package.approved_on else 0
            note = f"Approved {days} days ago; " + (
                f"sent to finance as {waiting.reference}, not yet paid."
                if waiting is not None
                else "no payment instruction yet."
            )
            out.unpaid_overdue.append(
                AwardLine(
                    package.id,
                    refs.get(package.household_id, "?"),
                    package.total_pence,
                    package.approved_on,
                    waiting.reference if waiting else "",
                    describe_route(_ROUTE.validate_json(waiting.details)) if waiting else "",
                    None,
                    note,
                )
            )
    return out


def _award(
    payment: PaymentRow,
    package: PackageRow,
    refs: Mapping[uuid.UUID, str],
    on: date | None,
    note: str,
) -> AwardLine:
    return AwardLine(
        package.id,
        refs.get(package.household_id, "?"),
        payment.amount_pence,
        package.approved_on,
        payment.reference,
        describe_route(_ROUTE.validate_json(payment.details)),
        on,
        note,
    )


@dataclass(frozen=True)
class PaymentTask:
    """A failed or returned payment the officer must act on."""

    payment: Payment
    household_reference: str
    officer_id: uuid.UUID
    what_to_do: str


def open_tasks(session: Session, officer_id: uuid.UUID | None) -> list[PaymentTask]:
    """Failed and returned payments not yet dealt with, for one officer (or everyone).

    Read inside the caller's session: the officer's review list shows them
    (``services.reviews.reviews_for``), so there is one to-do list, not two.
    """
    query = (
        select(PaymentRow, PackageRow, HouseholdRow)
        .join(PackageRow, col(PackageRow.id) == col(PaymentRow.package_id))
        .join(HouseholdRow, col(HouseholdRow.id) == col(PaymentRow.household_id))
        .where(
            col(PaymentRow.status).in_([PaymentStatus.FAILED.value, PaymentStatus.RETURNED.value]),
            col(PaymentRow.task_closed_on).is_(None),
            or_(col(HouseholdRow.archived).is_(False), col(HouseholdRow.archived).is_(None)),
        )
        .order_by(col(PaymentRow.settled_on), col(PaymentRow.reference))
    )
    if officer_id is not None:
        query = query.where(PackageRow.created_by == officer_id)
    tasks = []
    for payment, package, household in session.exec(query).all():
        if payment.status == PaymentStatus.FAILED.value:
            todo = (
                f"Finance could not pay {payment.reference} "
                f"({payment.outcome_reason or 'no reason given'}): check the details with the "
                "family and send the award again another way."
            )
        else:
            todo = (
                f"The money for {payment.reference} came back "
                f"({payment.outcome_reason or 'no reason given'}) and is in the fund again: "
                "tell the family, and propose a new package if they still need it."
            )
        tasks.append(PaymentTask(_payment(payment), household.reference, package.created_by, todo))
    return tasks


def tasks_for(store: Store, user: User, everyone: bool = False) -> list[PaymentTask]:
    if everyone and user.role is not Role.MANAGER:
        raise PermissionRefused("Only a team manager can see every officer's payment tasks.")
    with store.read() as session:
        return open_tasks(session, None if everyone else user.id)


@mutation("payments.close_task")
def close_task(store: Store, user: User, payment_id: uuid.UUID, note: str, day: date) -> None:
    """The officer records what they did about a failed or returned payment."""
    if not note.strip():
        raise InvalidInput({"note": "What you did: say what you told or arranged with the family"})
    with store.unit_of_work() as session:
        payment = session.get(PaymentRow, payment_id)
        if payment is None:
            raise NotFound("That payment is not in this store.")
        package = session.get(PackageRow, payment.package_id)
        assert package is not None
        if package.created_by != user.id and user.role is not Role.MANAGER:
            raise PermissionRefused(
                "Only the officer who made the package or a team manager can close its task."
            )
        if payment.status not in (PaymentStatus.FAILED.value, PaymentStatus.RETURNED.value):
            raise PaymentRefused(
                f"Payment {payment.reference} is {payment.status}: no task to close."
            )
        if payment.task_closed_on is not None:
            raise PaymentRefused(f"The task for {payment.reference} is already closed.")
        payment.task_closed_on = day
        payment.task_note = note.strip()
        session.add(payment)
        AuditTrail(session, user.id).record(
            "payment",
            payment.id,
            "task_closed",
            {"note": payment.task_note},
            household_id=payment.household_id,
        )


def payment_sentences(session: Session, package_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For the family copy: each package's sentence saying how and when the family gets
    the money, from its instruction being paid or paid already (not a failed one)."""
    if not package_ids:
        return {}
    rows = session.exec(
        select(PaymentRow)
        .where(col(PaymentRow.package_id).in_(package_ids), col(PaymentRow.status).in_(_LIVE))
        .order_by(col(PaymentRow.instructed_at))
    ).all()
    return {r.package_id: _payment(r).family_sentence for r in rows}
