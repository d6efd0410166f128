"""Today: the officer's drop-in at a glance, read in one call and one transaction.

Who was seen today, what was typed and not saved, what waits for a manager, what
has not reached the team store (not synced yet, or not accepted), reviews due this
week, and the officer's allowance left. The date is passed in (the caller reads it
from ``caseworker.domain.clock``), never read from the machine here.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from functools import partial

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from caseworker.domain.assessment import Stage
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageStatus
from caseworker.domain.reviews import ReviewState
from caseworker.domain.users import User
from caseworker.services import parked
from caseworker.services.fund import allowance_left_in
from caseworker.services.reviews import open_reviews
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.households import HouseholdSummary
from caseworker.store.tables import DraftRow, HouseholdRow, PackageRow, VisitRow

#: "This week": reviews overdue or due within this many days of today.
WEEK_DAYS = 7
NEW = "new"  # the draft subject of a household not saved yet


class Opens(StrEnum):
    """What choosing an entry opens."""

    HOUSEHOLD = "household"
    NEW_HOUSEHOLD = "new_household"  # the draft of a household not saved yet
    VISIT = "visit"  # a visit being recorded (its draft restored)
    PACKAGE = "package"  # the household's packages
    REVIEW = "review"


class TodayItem(BaseModel):
    """One line of a Today list: whose it is, what it is, and what choosing it opens."""

    model_config = ConfigDict(frozen=True)

    opens: Opens
    household_id: uuid.UUID | None  # None: a new household not saved yet
    reference: str
    lead_name: str
    detail: str
    target_id: uuid.UUID | None = None  # the visit, package or review it is about

    @property
    def title(self) -> str:
        return " — ".join(part for part in (self.reference, self.lead_name) if part)


class TodayView(BaseModel):
    """Everything the Today screen shows, each list in the order it is worked through."""

    model_config = ConfigDict(frozen=True)

    on: date
    seen: list[TodayItem]
    drafts: list[TodayItem]
    waiting: list[TodayItem]
    unsynced: list[TodayItem]
    reviews: list[TodayItem]
    allowance_left_pence: int | None  # None: no team fund open for the year


def today(store: Store, user: User, on: date) -> TodayView:
    """The Today screen of ``user`` on ``on``, read in one transaction."""
    with store.read() as session:
        seen = _seen(session, user, on)
        drafts = _drafts(session, user)
        waiting = _waiting(session, user)
        unsynced = _unsynced(session, user) if store.keeps_outbox else []
        reviews = [
            (
                e.review.household_id,
                e.review.id,
                ("Overdue by " + _days(e.days_overdue))
                if e.state is ReviewState.OVERDUE
                else f"Due {e.review.due_on:%a %d/%m/%Y}",
            )
            for e in open_reviews(session, user, on, WEEK_DAYS - 1)
        ]
        ids = {h for h, _v, _d in seen} | {h for h, _p, _d in waiting}
        ids |= {h for h, _d in unsynced} | {h for h, _r, _d in reviews}
        ids |= {h for h, _o, _d in drafts if h is not None}
        found = {s.id: s for s in repo.summaries(session, sorted(ids))}
        allowance = allowance_left_in(session, user, on)

    item = partial(_item, found)
    return TodayView(
        on=on,
        seen=[item(Opens.HOUSEHOLD, h, v, d) for h, v, d in seen],
        drafts=[item(o, h, None, d) for h, o, d in drafts],
        waiting=[item(Opens.PACKAGE, h, p, d) for h, p, d in waiting],
        unsynced=[item(Opens.HOUSEHOLD, h, None, d) for h, d in unsynced],
        reviews=[item(Opens.REVIEW, h, r, d) for h, r, d in reviews],
        allowance_left_pence=allowance,
    )


def _item(
    found: dict[uuid.UUID, HouseholdSummary],
    opens: Opens,
    household: uuid.UUID | None,
    target: uuid.UUID | None,
    detail: str,
) -> TodayItem:
    summary = found.get(household) if household is not None else None
    return TodayItem(
        opens=opens,
        household_id=household,
        reference=summary.reference if summary else ("New household" if household is None else ""),
        lead_name=summary.lead_name if summary else "",
        detail=detail,
        target_id=target,
    )


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _seen(session: Session, user: User, on: date) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """Visits the officer recorded for ``on``, first recorded first."""
    rows = session.exec(
        select(VisitRow.household_id, VisitRow.id, VisitRow.stage)
        .join(HouseholdRow, col(HouseholdRow.id) == col(VisitRow.household_id))
        .where(
            VisitRow.visit_date == on,
            VisitRow.officer_id == user.id,
            col(HouseholdRow.archived).is_(False),
        )
        .order_by(col(VisitRow.created_at))
    ).all()
    return [
        (h, v, f"Visit recorded; stage {Stage(s)} {Stage(s).label}" if s else "Visit recorded")
        for h, v, s in rows
    ]


_DRAFT_OPENS = {"household": Opens.HOUSEHOLD, "visit": Opens.VISIT, "review": Opens.REVIEW}
_DRAFT_WHAT = {
    "household": "Household details typed, not saved",
    "visit": "Visit typed, not saved",
    "review": "Review typed, not saved",
}


def _drafts(session: Session, user: User) -> list[tuple[uuid.UUID | None, Opens, str]]:
    """The officer's unsaved forms, most recently typed first."""
    rows = session.exec(
        select(DraftRow.kind, DraftRow.subject, DraftRow.updated_at)
        .where(DraftRow.user_id == user.id, col(DraftRow.kind).in_(list(_DRAFT_OPENS)))
        .order_by(col(DraftRow.updated_at).desc())
    ).all()
    found: list[tuple[uuid.UUID | None, Opens, str]] = []
    for kind, subject, _updated in rows:
        if subject == NEW:
            found.append((None, Opens.NEW_HOUSEHOLD, "New household typed, not saved"))
            continue
        try:
            household = uuid.UUID(subject)
        except ValueError:
            continue  # not about a household: not listed here
        found.append((household, _DRAFT_OPENS[kind], _DRAFT_WHAT[kind]))
    return found


def _waiting(session: Session, user: User) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """The officer's packages sent to a team manager and not decided yet, oldest first."""
    rows = session.exec(
        select(PackageRow.household_id, PackageRow.id, PackageRow.total_pence)
        .where(
            PackageRow.created_by == user.id,
            PackageRow.status == PackageStatus.AWAITING_MANAGER.value,
        )
        .order_by(col(PackageRow.created_at))
    ).all()
    return [(h, p, f"Package {format_pence(t)} waiting for a team manager") for h, p, t in rows]


_UNSENT = {
    parked.PENDING: "Changes not synced yet",
    parked.PARKED: parked.NOT_ACCEPTED,
    parked.WAITING: "Waiting behind a change that was not accepted",
}


def _unsynced(session: Session, user: User) -> list[tuple[uuid.UUID, str]]:
    """Households with changes not yet accepted by the team store (parked first)."""
    found = parked.unsent_households(session, user)
    ordered = sorted(found.items(), key=lambda kv: kv[1] == parked.PENDING)
    return [
        (h, _UNSENT.get(state, "Discarded; taken back at the next sync")) for h, state in ordered
    ]
