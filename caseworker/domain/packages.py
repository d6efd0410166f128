"""A flexible support package and the one-way life it follows (policy parts 6 and 8).

recommended → approved on the spot ("today's yes") | awaiting manager | withdrawn
awaiting manager → approved | rejected | withdrawn
approved on the spot | approved → paid | withdrawn (a cancellation: the money goes back)

Paid, rejected and withdrawn are final. Decisions are events appended to the
package's history; nothing is updated in place.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from caseworker.domain.household import DomainModel
from caseworker.domain.stamps import new_id


class PackageStatus(StrEnum):
    RECOMMENDED = "recommended"
    APPROVED_ON_SPOT = "approved_on_the_spot"
    AWAITING_MANAGER = "awaiting_manager"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAID = "paid"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    PackageStatus.RECOMMENDED: "Recommended",
    PackageStatus.APPROVED_ON_SPOT: "Approved on the spot (today's yes)",
    PackageStatus.AWAITING_MANAGER: "Waiting for a team manager",
    PackageStatus.APPROVED: "Approved by a team manager",
    PackageStatus.REJECTED: "Rejected",
    PackageStatus.WITHDRAWN: "Withdrawn",
    PackageStatus.PAID: "Paid",
}

TRANSITIONS: dict[PackageStatus, frozenset[PackageStatus]] = {
    PackageStatus.RECOMMENDED: frozenset(
        {PackageStatus.APPROVED_ON_SPOT, PackageStatus.AWAITING_MANAGER, PackageStatus.WITHDRAWN}
    ),
    PackageStatus.AWAITING_MANAGER: frozenset(
        {PackageStatus.APPROVED, PackageStatus.REJECTED, PackageStatus.WITHDRAWN}
    ),
    PackageStatus.APPROVED_ON_SPOT: frozenset({PackageStatus.PAID, PackageStatus.WITHDRAWN}),
    PackageStatus.APPROVED: frozenset({PackageStatus.PAID, PackageStatus.WITHDRAWN}),
    PackageStatus.REJECTED: frozenset(),
    PackageStatus.WITHDRAWN: frozenset(),
    PackageStatus.PAID: frozenset(),
}

APPROVED_STATUSES = frozenset(
    {PackageStatus.APPROVED_ON_SPOT, PackageStatus.APPROVED, PackageStatus.PAID}
)


class TransitionRefused(ValueError):
    """A decision that the package's current status does not allow."""


def check_transition(current: PackageStatus, wanted: PackageStatus) -> None:
    if wanted not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.label.lower() for s in TRANSITIONS[current])) or "nothing"
        raise TransitionRefused(
            f"This package is {current.label.lower()}; it cannot now be "
            f"{wanted.label.lower()}. From here it can be: {allowed}."
        )


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    VOUCHER = "voucher"
    PREPAID_CARD = "prepaid_card"


class PackageItem(DomainModel):
    clause: str
    item: str
    amount_pence: int = Field(ge=0)
    recommended_pence: int = Field(ge=0)
    exception: bool = False
    reason: str = ""
    explanation: str = ""


class Package(DomainModel):
    id: uuid.UUID = Field(default_factory=new_id)
    household_id: uuid.UUID
    visit_id: uuid.UUID | None = None
    visit_date: date
    created_by: uuid.UUID
    created_at: datetime
    policy_version: str
    items: list[PackageItem]
    total_pence: int = Field(ge=0)
    route: str
    status: PackageStatus = PackageStatus.RECOMMENDED
    approved_on: date | None = None
    explanation: list[str] = Field(default_factory=list)

    @property
    def has_exception(self) -> bool:
        return any(item.exception for item in self.items)
