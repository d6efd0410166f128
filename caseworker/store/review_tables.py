"""The ``review`` table: one follow-up review per approved package (policy part 8).

Kept apart from ``tables.py`` so the reviews feature owns its schema. Importing
this module registers the table on ``SQLModel.metadata``; it imports
``tables`` first so the tables it refers to are always registered with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import caseworker.store.tables  # noqa: F401  (package, household, user_account: the FKs)
from caseworker.store.tables import new_id, utcnow


class ReviewRow(SQLModel, table=True):
    """A review: due 84 days after approval; scores and outcomes once recorded.

    Until it is recorded (``completed_on`` is None) the scores and outcomes are
    NULL, meaning "not yet known", never "no". ``referrals_taken_up`` is
    canonical JSON ``{"7.1": true, ...}``.
    """

    __tablename__ = "review"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    package_id: uuid.UUID = Field(foreign_key="package.id", unique=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    due_on: date = Field(index=True)
    completed_on: date | None = None
    officer_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    completed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    financial: int | None = None
    mental: int | None = None
    social: int | None = None
    human: int | None = None
    stage: int | None = None
    home_kept: bool | None = None
    job_started: bool | None = None
    hours_restored: bool | None = None
    training_started: bool | None = None
    debt_plan_in_place: bool | None = None
    referrals_taken_up: str = Field(default="", sa_column=Column(Text, nullable=False))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    server_version: int | None = Field(default=None, index=True)  # see caseworker.sync
