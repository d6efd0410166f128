"""The team fund: open it, grant and return allowances, and the escrow checks.

Every movement is a ``fund_entry`` row written in the same transaction as the
decision that caused it; balances are derived from those rows
(``caseworker.domain.fund.balances``), and each spend is checked against them
inside a ``BEGIN IMMEDIATE`` transaction, so two windows cannot both spend
the same pound.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from caseworker.domain.fund import Entry, EntryKind, FundBalances, balances, financial_year
from caseworker.domain.money import format_pence
from caseworker.domain.rules import RuleSet
from caseworker.domain.users import User
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.services.facts_reader import definitions_on
from caseworker.services.outbox import mutation
from caseworker.services.users import require_manager
from caseworker.store.bulk import insert_rows
from caseworker.store.database import Store
from caseworker.store.tables import FundEntryRow, FundRow, UserAccount, new_id, utcnow
from caseworker.store.written import written_all

log = logging.getLogger(__name__)
DEFAULT_TEAM = "default"


class FundRefused(ServiceError):
    """A movement that would overspend the fund or an allowance."""


@dataclass(frozen=True)
class FundView:
    id: uuid.UUID
    financial_year: str
    balances: FundBalances
    officer_names: dict[uuid.UUID, str]


def year_of(day: date) -> str:
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def default_budget_pence(rules: RuleSet, day: date) -> int:
    """The budget the fund screen offers (policy part 9, ``fund_budget``, in force on ``day``);
    the manager types the real figure."""
    return definitions_on(rules, day).fund_budget


def default_allowance_pence(rules: RuleSet, day: date) -> int:
    """The offline allowance the fund screen offers (part 9, ``offline_allowance``)."""
    return definitions_on(rules, day).offline_allowance


def _positive(amount_pence: int) -> None:
    if amount_pence <= 0:
        raise InvalidInput({"amount_pence": "Amount: must be more than £0.00"})


def fund_row(session: Session, day: date, team: str = DEFAULT_TEAM) -> FundRow:
    row = session.exec(
        select(FundRow).where(FundRow.team == team, FundRow.financial_year == year_of(day))
    ).first()
    if row is None:
        raise FundRefused(
            f"No team fund is open for {year_of(day)}. A team manager opens it in the Fund screen."
        )
    return row


def ledger_totals(session: Session, fund_id: uuid.UUID) -> list[Entry]:
    """The fund's ledger summed by kind and officer, in the order each first appears.

    Balances only add entries up, so the totals give the same balances as every
    entry would; an approval then reads a few rows, not the whole year's ledger.
    """
    table = FundEntryRow.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(table.c.kind, table.c.officer_id, func.sum(table.c.amount_pence))
        .where(table.c.fund_id == fund_id)
        .group_by(table.c.kind, table.c.officer_id)
        .order_by(func.min(table.c.seq))
    ).all()
    return [Entry(EntryKind(kind), int(total), officer) for kind, officer, total in rows]


def fund_balances(session: Session, fund_id: uuid.UUID) -> FundBalances:
    return balances(ledger_totals(session, fund_id))


def add_entry(
    session: Session,
    fund: FundRow,
    kind: EntryKind,
    amount_pence: int,
    actor: User,
    officer_id: uuid.UUID | None = None,
    package_id: uuid.UUID | None = None,
) -> None:
    """Append a movement after checking it leaves no balance below zero."""
    entries = ledger_totals(session, fund.id)
    entry = Entry(kind, amount_pence, officer_id)
    before, after = balances(entries), balances([*entries, entry])
    if after.unallocated_pence < 0:
        raise FundRefused(
            f"The fund has only {format_pence(before.unallocated_pence)} unallocated; "
            f"{format_pence(amount_pence)} would overspend it."
        )
    if officer_id is not None and after.officers[officer_id].left_pence < 0:
        left = before.officers[officer_id].left_pence
        raise FundRefused(
            f"The allowance has only {format_pence(left)} left; "
            f"{format_pence(amount_pence)} would overspend it."
        )
    session.add(
        FundEntryRow(
            fund_id=fund.id,
            kind=kind.value,
            amount_pence=amount_pence,
            officer_id=officer_id,
            package_id=package_id,
            actor_id=actor.id,
        )
    )
    AuditTrail(session, actor.id).record(
        "fund",
        fund.id,
        kind.value,
        {"amount_pence": amount_pence, "officer": officer_id, "package": package_id},
    )


@mutation("fund.open")
def open_fund(
    store: Store, manager: User, budget_pence: int, day: date, team: str = DEFAULT_TEAM
) -> uuid.UUID:
    """Open the team fund for the financial year containing ``day``."""
    require_manager(manager, "open the team fund")
    _positive(budget_pence)
    with store.unit_of_work() as session:
        if session.exec(
            select(FundRow).where(FundRow.team == team, FundRow.financial_year == year_of(day))
        ).first():
            raise FundRefused(f"The fund for {year_of(day)} is already open.")
        fund = FundRow(team=team, financial_year=year_of(day))
        session.add(fund)
        session.flush()
        add_entry(session, fund, EntryKind.BUDGET, budget_pence, manager)
        fund_id = fund.id
    log.info("fund %s opened by %s", fund_id, manager.id)
    return fund_id


@mutation("fund.grant_allowance")
def grant_allowance(
    store: Store, manager: User, officer_id: uuid.UUID, amount_pence: int, day: date
) -> None:
    """Give an officer offline allowance out of the unallocated balance."""
    require_manager(manager, "grant allowance")
    _positive(amount_pence)
    with store.unit_of_work() as session:
        if session.get(UserAccount, officer_id) is None:
            raise InvalidInput({"officer": "Officer: choose someone from the list"})
        add_entry(
            session, fund_row(session, day), EntryKind.GRANT, amount_pence, manager, officer_id
        )


@mutation("fund.return_allowance")
def return_allowance(store: Store, holder: User, amount_pence: int, day: date) -> None:
    """Only the holder gives allowance back (it lives on their laptop while offline)."""
    _positive(amount_pence)
    with store.unit_of_work() as session:
        add_entry(
            session, fund_row(session, day), EntryKind.RETURN, amount_pence, holder, holder.id
        )


@mutation("fund.move_allowance")
def move_allowance(
    store: Store,
    manager: User,
    holder: User,
    to_officer: uuid.UUID,
    amount_pence: int,
    day: date,
) -> None:
    """Return from ``holder`` (signed in in person) and grant to another, in one step."""
    require_manager(manager, "move allowance")
    if holder.id == to_officer:
        raise InvalidInput({"officer": "Officer: choose a different officer to move it to"})
    _positive(amount_pence)
    with store.unit_of_work() as session:
        fund = fund_row(session, day)
        add_entry(session, fund, EntryKind.RETURN, amount_pence, holder, holder.id)
        add_entry(session, fund, EntryKind.GRANT, amount_pence, manager, to_officer)


def allowance_left(store: Store, officer: User, day: date) -> int | None:
    """The officer's allowance left, or ``None`` when no fund is open."""
    with store.read() as session:
        return allowance_left_in(session, officer, day)


def allowance_left_in(session: Session, officer: User, day: date) -> int | None:
    """:func:`allowance_left`, read in the caller's session."""
    try:
        fund = fund_row(session, day)
    except FundRefused:
        return None
    return fund_balances(session, fund.id).officers[officer.id].left_pence


def fund_view(store: Store, manager: User, day: date) -> FundView:
    require_manager(manager, "see the team fund")
    with store.read() as session:
        fund = fund_row(session, day)
        names = {u.id: u.name for u in session.exec(select(UserAccount)).all()}
        return FundView(fund.id, fund.financial_year, fund_balances(session, fund.id), names)


@dataclass(frozen=True)
class Settlement:
    """Finance's payment, or return, of one approved award."""

    fund: FundRow
    kind: EntryKind
    amount_pence: int
    package_id: uuid.UUID


def add_settlements(
    session: Session,
    actor: User,
    settlements: list[Settlement],
    at: datetime | None = None,
    ids: Callable[[], uuid.UUID] = new_id,
) -> None:
    """Append finance's payments and returns of approved awards.

    Unlike :func:`add_entry` it reads no balances: a payment moves approved money out
    and a return brings it back to the unallocated balance, so neither can leave a
    balance below zero; and it writes the rows in one statement, so a reconciliation
    of thousands of lines stays one quick transaction. The caller audits each
    settlement in the entry that records its cause (``services.payments``). A caller
    writing thousands gives the instant (one for all) and where the ids come from.
    """
    when = at if at is not None else utcnow()
    rows = []
    for s in settlements:
        if s.kind not in (EntryKind.PAYMENT, EntryKind.PAYMENT_RETURNED):
            raise ValueError(f"{s.kind} is not a settlement; use add_entry")
        entry_id = ids()
        rows.append(
            {
                "id": entry_id,
                "fund_id": s.fund.id,
                "kind": s.kind.value,
                "amount_pence": s.amount_pence,
                "officer_id": None,
                "package_id": s.package_id,
                "actor_id": actor.id,
                "at": when,
                "server_version": None,
            }
        )
    insert_rows(session, FundEntryRow.__table__, written_all("fund_entry", rows))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FundSummary:
    """The year's figures a manager reads: approved, paid and returned kept apart."""

    financial_year: str
    budget_pence: int
    approved_pence: int  # awards standing (a returned payment's award no longer does)
    paid_pence: int  # paid out by finance, returned money included
    returned_pence: int  # paid out and come back to the fund
    paid_net_pence: int  # paid less returned: what the families kept
    unpaid_pence: int  # approved, not yet paid
    unallocated_pence: int


def fund_summary(store: Store, manager: User, day: date) -> FundSummary:
    require_manager(manager, "see the team fund")
    with store.read() as session:
        fund = fund_row(session, day)
        b = fund_balances(session, fund.id)
        return FundSummary(
            fund.financial_year,
            b.budget_pence,
            b.approved_pence,
            b.paid_pence,
            b.returned_pence,
            b.paid_net_pence,
            b.unpaid_pence,
            b.unallocated_pence,
        )
