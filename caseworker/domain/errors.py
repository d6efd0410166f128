"""The one family of errors a person is shown, and pydantic errors as field messages.

Every error meant for a person derives from ``CaseworkerError`` and carries a
message in plain words: what happened, and what to do. Two branches, because
the person's next step differs:

- ``Refused``: Caseworker said no (a rule, a permission, a bad value). Change
  the request. The command line exits with code 2.
- ``EnvironmentProblem``: the machine or a store is the problem (disk full,
  folder read-only, store busy, connection lost). Nothing is wrong with the
  request; fix the machine or wait, then do it again. The command line exits
  with code 3.

Anything else that escapes is a bug, reported as one.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError


class CaseworkerError(Exception):
    """An error whose message is written for the person who hit it, not for a developer."""

    exit_code = 1


class Refused(CaseworkerError):
    """The operation was refused; the message says why and what to change."""

    exit_code = 2


class EnvironmentProblem(CaseworkerError):
    """The machine or a store failed, not the request; the message says what to do."""

    exit_code = 3


def field_title(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return info.title if info and info.title else name.replace("_", " ").capitalize()


def describe(error: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """Map each failing top-level field name to 'Title: what to fix'."""
    messages: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        name = str(loc[0]) if loc else "__root__"
        msg = item["msg"].removeprefix("Value error, ")
        messages.setdefault(name, f"{field_title(model, name)}: {_friendly(msg)}")
    return messages


def _friendly(msg: str) -> str:
    replacements = {
        "String should have at least 1 character": "must not be empty",
        "Input should be greater than or equal to 0": "must not be negative",
        "Input should be less than or equal to 3": "must be a score from 0 to 3",
    }
    return replacements.get(msg, msg)
