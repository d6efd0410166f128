"""The team fund as an escrow ledger (policy part 9; ARCHITECTURE.md, bounded counter).

The fund's budget is split into each officer's offline allowance and an
unallocated balance. An on-the-spot approval spends only the officer's own
allowance; a manager approval spends the unallocated balance; a cancellation
gives the money back to where it came from. Balances are always derived from
the append-only entries, never stored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class EntryKind(StrEnum):
    BUDGET = "budget"  # the fund's budget for the year (+ unallocated)
    GRANT = "grant"  # unallocated → an officer's allowance
    RETURN = "return"  # an officer's allowance → unallocated (only the holder)
    SPEND = "spend_on_the_spot"  # an officer's allowance → approved
    APPROVAL = "manager_approval"  # unallocated → approved
    CANCEL_SPEND = "cancelled_spend"  # approved → the officer's allowance
    CANCEL_APPROVAL = "cancelled_approval"  # approved → unallocated
    PAYMENT = "payment"  # approved → paid (the money leaves)
    PAYMENT_RETURNED = "payment_returned"  # paid money came back → unallocated


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    amount_pence: int
    officer_id: uuid.UUID | None = None


@dataclass
class OfficerAllowance:
    granted_pence: int = 0
    returned_pence: int = 0
    spent_pence: int = 0

    @property
    def left_pence(self) -> int:
        return self.granted_pence - self.returned_pence - self.spent_pence


@dataclass
class FundBalances:
    budget_pence: int = 0
    unallocated_pence: int = 0
    approved_pence: int = 0  # approved and not cancelled, paid or not
    paid_pence: int = 0  # paid out, returned money included
    returned_pence: int = 0  # paid out and come back (finance's "returned")
    officers: dict[uuid.UUID, OfficerAllowance] = field(
        default_factory=lambda: defaultdict(OfficerAllowance)
    )

    @property
    def allocated_pence(self) -> int:
        """Allowances held by officers and not yet spent."""
        return sum(o.left_pence for o in self.officers.values())

    @property
    def committed_pence(self) -> int:
        """Everything no longer free to allocate: allowances held plus approved awards."""
        return self.allocated_pence + self.approved_pence

    @property
    def paid_net_pence(self) -> int:
        """What the families actually kept: paid less returned."""
        return self.paid_pence - self.returned_pence

    @property
    def unpaid_pence(self) -> int:
        """Approved awards the families have not yet been paid."""
        return self.approved_pence - self.paid_net_pence

    @property
    def remaining_pence(self) -> int:
        return self.budget_pence - self.approved_pence


def balances(entries: Iterable[Entry]) -> FundBalances:
    """Derive every balance from the ledger."""
    b = FundBalances()
    for e in entries:
        officer = b.officers[e.officer_id] if e.officer_id is not None else None
        match e.kind:
            case EntryKind.BUDGET:
                b.budget_pence += e.amount_pence
                b.unallocated_pence += e.amount_pence
            case EntryKind.GRANT:
                b.unallocated_pence -= e.amount_pence
                assert officer is not None
                officer.granted_pence += e.amount_pence
            case EntryKind.RETURN:
                b.unallocated_pence += e.amount_pence
                assert officer is not None
                officer.returned_pence += e.amount_pence
            case EntryKind.SPEND:
                assert officer is not None
                officer.spent_pence += e.amount_pence
                b.approved_pence += e.amount_pence
            case EntryKind.APPROVAL:
                b.unallocated_pence -= e.amount_pence
                b.approved_pence += e.amount_pence
            case EntryKind.CANCEL_SPEND:
                assert officer is not None
                officer.spent_pence -= e.amount_pence
                b.approved_pence -= e.amount_pence
            case EntryKind.CANCEL_APPROVAL:
                b.unallocated_pence += e.amount_pence
                b.approved_pence -= e.amount_pence
            case EntryKind.PAYMENT:
                b.paid_pence += e.amount_pence
            case EntryKind.PAYMENT_RETURNED:
                # The award no longer stands: its money is the fund's again.
                b.returned_pence += e.amount_pence
                b.unallocated_pence += e.amount_pence
                b.approved_pence -= e.amount_pence
    return b


def financial_year(year_start: int) -> str:
    """UK financial year label, 1 April to 31 March: 2026 → "2026-27"."""
    return f"{year_start}-{(year_start + 1) % 100:02d}"
