"""SQLModel tables of the local store (and, later, the shared store).

Primary keys are UUIDs made where the record is created, so laptops can create
records offline without clashing. Money is integer pence. Lists (benefits,
need categories) are JSON columns: they are read whole, never queried.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from caseworker.domain.stamps import new_id, utcnow

__all__ = ["new_id", "utcnow"]  # re-exported: the store's modules take them from here


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str
    officer_code: str = Field(unique=True, index=True)
    role: str = "officer"
    created_at: datetime = Field(default_factory=utcnow)
    password_hash: str | None = None
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    # The person's Ed25519 signing key: the public half, and the private half sealed
    # under a key derived from their password (``domain.signing``).
    public_key: str = Field(default="", sa_column_kwargs={"server_default": ""})
    sealed_key: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class HouseholdRow(SQLModel, table=True):
    __tablename__ = "household"

    id: uuid.UUID = Field(primary_key=True)
    reference: str = Field(unique=True, index=True)
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = Field(index=True)
    phone: str = ""
    email: str = ""
    tenure: str | None = None
    savings_pence: int | None = None
    rent_arrears_pence: int | None = None
    mortgage_arrears_pence: int | None = None
    utility_arrears_pence: int | None = None
    council_tax_arrears_pence: int | None = None
    other_debts_pence: int | None = None
    benefits: list[str] | None = Field(default=None, sa_column=Column(JSON))
    last_visit_date: date | None = None
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    version: int = 1
    archived: bool = False
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    position: int = 0
    first_name: str
    surname: str
    date_of_birth: date | None = None
    relationship: str
    work_status: str | None = None
    reduced_hours: bool = False
    earnings_fell_on: date | None = None
    earnings_fall_reason: str | None = None
    in_education_or_training: bool = False


class VisitRow(SQLModel, table=True):
    __tablename__ = "visit"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    officer_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    visit_date: date
    venue: str = ""
    point_of_need: str = Field(default="", sa_column=Column(Text, nullable=False))
    need_categories: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    no_money_for_food_or_fuel: bool = False
    unfamiliar_with_benefits: bool = False
    family_strain: bool = False
    substance_use: bool = False
    hearing_date: date | None = None
    work_event: str | None = None
    work_event_date: date | None = None
    work_member_id: uuid.UUID | None = None
    getting_to_work_cost_pence: int | None = None
    tools_cost_pence: int | None = None
    course_fee_pence: int | None = None
    course_member_id: uuid.UUID | None = None
    childcare_cost_pence: int | None = None
    financial: int | None = None
    mental: int | None = None
    social: int | None = None
    human: int | None = None
    stage: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1
    policy_version: str | None = None
    # The engine's result when the visit was saved (canonical JSON), so the case file
    # shows what was recommended then, whatever the rules say later.
    recommendation: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The directory service chosen for each referral clause, as canonical JSON
    # ``{"7.1": "<directory service id>"}``; "" for a visit before the directory
    # (the family copy then falls back to ``resources/referrals.yaml``).
    referral_services: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class DraftRow(SQLModel, table=True):
    """Raw form state saved while the officer types; removed when the record is saved."""

    __tablename__ = "draft"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    kind: str
    subject: str
    payload: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEventRow(SQLModel, table=True):
    """Append-only, hash-chained record of every change to a case.

    ``payload`` holds before/after values; the chain covers only its digest so
    that a later de-identification can erase personal values and keep the chain
    verifiable.
    """

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    id: uuid.UUID = Field(default_factory=new_id, unique=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: uuid.UUID | None = None
    entity: str
    entity_id: uuid.UUID
    household_id: uuid.UUID | None = Field(default=None, index=True)
    action: str
    # Canonical JSON text, so verifying needs only a hash of what is stored.
    payload: str = Field(default="", sa_column=Column(Text, nullable=False))
    payload_digest: str
    prev_hash: str
    hash: str
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class SearchTermRow(SQLModel, table=True):
    """Normalised search terms per household, for prefix search as the officer types."""

    __tablename__ = "search_term"
    __table_args__ = (
        Index("ix_search_term_term_household", "term", "household_id"),
        Index("ix_search_term_household_term", "household_id", "term"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id")
    term: str


class ConflictOfInterestRow(SQLModel, table=True):
    """A user's declaration that they must not decide for a household (6.4)."""

    __tablename__ = "conflict_of_interest"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    reason: str = ""
    declared_at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class PackageRow(SQLModel, table=True):
    """A support package; its status is a cache of the newest ``package_event``."""

    __tablename__ = "package"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    visit_id: uuid.UUID | None = Field(default=None, foreign_key="visit.id")
    visit_date: date
    created_by: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    policy_version: str
    items: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    explanation: str = Field(default="", sa_column=Column(Text, nullable=False))
    total_pence: int
    route: str
    status: str = Field(index=True)
    approved_on: date | None = None
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class PackageEventRow(SQLModel, table=True):
    """Append-only decisions: who, when, what and why."""

    __tablename__ = "package_event"

    seq: int | None = Field(default=None, primary_key=True)
    id: uuid.UUID = Field(default_factory=new_id, unique=True)
    package_id: uuid.UUID = Field(foreign_key="package.id", index=True)
    status: str
    actor_id: uuid.UUID = Field(foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    reason: str = ""
    amount_pence: int = 0
    method: str | None = None
    reference: str | None = None
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class FundRow(SQLModel, table=True):
    __tablename__ = "fund"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    team: str
    financial_year: str
    created_at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class FundEntryRow(SQLModel, table=True):
    """Append-only ledger of the team fund; balances are derived from it."""

    __tablename__ = "fund_entry"

    seq: int | None = Field(default=None, primary_key=True)
    id: uuid.UUID = Field(default_factory=new_id, unique=True)
    fund_id: uuid.UUID = Field(foreign_key="fund.id", index=True)
    kind: str
    amount_pence: int
    officer_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    package_id: uuid.UUID | None = Field(default=None, foreign_key="package.id")
    actor_id: uuid.UUID = Field(foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync
