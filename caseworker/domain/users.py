"""Who is using the application."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum

from pydantic import Field, field_validator

from caseworker.domain.household import DomainModel
from caseworker.domain.stamps import new_id

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


class Role(StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"


class User(DomainModel):
    id: uuid.UUID = Field(default_factory=new_id)
    name: str = Field(title="Your name", min_length=1, max_length=100)
    officer_code: str = Field(title="Officer code")
    role: Role = Role.OFFICER

    @field_validator("officer_code", mode="before")
    @classmethod
    def _valid_code(cls, value: object) -> object:
        code = str(value).strip().upper()
        if not _CODE_RE.match(code):
            raise ValueError("must be 2 to 8 letters or digits starting with a letter, like JS01")
        return code
