"""The ``payment`` and ``finance_line`` tables: payment instructions and finance's answers.

Kept apart from ``tables.py`` so the payments feature owns its schema (as
``review_tables``). Importing this module registers the tables on
``SQLModel.metadata``; it imports ``tables`` first so the tables it refers to are
registered with it.

A ``payment`` is one instruction to pay an approved package by one route; its
``details`` are the route's fields as canonical JSON, bank details only masked
(``caseworker.domain.payments``). A ``finance_line`` is one line of finance's
payment file, kept by finance's own line id so importing a file twice changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import caseworker.store.tables  # noqa: F401  (package, household, user_account: the FKs)
from caseworker.store.tables import new_id, utcnow


class PaymentRow(SQLModel, table=True):
    __tablename__ = "payment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    package_id: uuid.UUID = Field(foreign_key="package.id", index=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    reference: str = Field(unique=True, index=True)  # quoted by finance: CW-XXXXXXXXXX
    route: str
    details: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    amount_pence: int
    status: str = Field(index=True)  # instructed | paid | failed | returned
    instructed_by: uuid.UUID = Field(foreign_key="user_account.id")
    instructed_at: datetime = Field(default_factory=utcnow)
    settled_on: date | None = None  # when finance paid, failed or had it returned
    outcome_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    # A failed or returned payment is a task for the officer until they close it
    # (a new instruction closes a failed one's task by itself).
    task_closed_on: date | None = None
    task_note: str = Field(default="", sa_column=Column(Text, nullable=False))
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


class FinanceLineRow(SQLModel, table=True):
    __tablename__ = "finance_line"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    line_id: str = Field(unique=True, index=True)  # finance's id for the line
    payment_reference: str = Field(index=True)
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="payment.id", index=True)
    household_id: uuid.UUID | None = Field(default=None, foreign_key="household.id", index=True)
    route: str
    outcome: str  # paid | failed | returned
    amount_pence: int
    happened_on: date  # when finance paid, failed or had it returned
    detail: str = ""  # the route's last digits or invoice number, as finance sent it
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    result: str  # applied | paid_twice | unmatched
    note: str = Field(default="", sa_column=Column(Text, nullable=False))  # why, for the manager
    imported_by: uuid.UUID = Field(foreign_key="user_account.id")
    imported_at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync


#: The one ``modulus_table`` row's id (every store and laptop gives it the same).
MODULUS_TABLE_ID = uuid.UUID("0d6f3a8e-6c0b-5f3e-9d1a-7b2c4e5f6a01")


class ModulusTableRow(SQLModel, table=True):
    """The bank modulus check's tables as the council last loaded them from Pay.UK.

    One row (``MODULUS_TABLE_ID``): the weight table (``valacdos.txt``) and the sort
    code substitution table (``scsubtab.txt``) as their text, checked when loaded.
    Council reference data, like the services directory: no personal data.
    """

    __tablename__ = "modulus_table"

    id: uuid.UUID = Field(primary_key=True)
    weights: str = Field(sa_column=Column(Text, nullable=False))
    substitutions: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(default="", sa_column=Column(Text, nullable=False))  # the files' names
    row_count: int = 0
    loaded_by: uuid.UUID = Field(foreign_key="user_account.id")
    loaded_at: datetime = Field(default_factory=utcnow)
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync
