"""Turn pydantic validation errors into messages that name the field and the fix."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError


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
