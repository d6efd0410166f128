"""Build validated domain models from what was typed into a form.

Every field is checked, so the user sees all problems at once, each naming
the field and the fix. Nothing is saved until the whole form is valid.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from caseworker.domain.dates import typed_date
from caseworker.domain.errors import describe, field_title
from caseworker.domain.money import MoneyError, parse_pounds
from caseworker.services.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def parse_date(text: str) -> date:
    """dd/mm/yyyy (or with - or .), yyyy-mm-dd, or the eight digits alone (ddmmyyyy)."""
    typed = typed_date(text)
    if typed is not None:
        return typed
    raise ValueError("must be a date written like 31/12/1985")


def build(
    model: type[M],
    values: dict[str, Any],
    money: frozenset[str] = frozenset(),
    dates: frozenset[str] = frozenset(),
) -> M:
    """Validate ``values``; text in ``money`` fields is pounds, in ``dates`` is dd/mm/yyyy.

    An empty money or date field means "not recorded" (``None``).
    """
    errors: dict[str, str] = {}
    data = dict(values)
    for name in money | dates:
        raw = data.get(name)
        if not isinstance(raw, str):
            continue
        if not raw.strip():
            data[name] = None
            continue
        try:
            data[name] = parse_pounds(raw) if name in money else parse_date(raw)
        except (MoneyError, ValueError) as exc:
            errors[name] = f"{field_title(model, name)}: {exc}"
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        for name, message in describe(exc, model).items():
            errors.setdefault(name, message)
        raise InvalidInput(errors) from exc
    if errors:
        raise InvalidInput(errors)
    return result


def to_form(
    model: BaseModel, money: frozenset[str] = frozenset(), dates: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The inverse of ``build``: field values as a form shows them (pounds, dd/mm/yyyy)."""
    values: dict[str, Any] = model.model_dump(mode="json")
    for name in money:
        pence = getattr(model, name)
        values[name] = "" if pence is None else f"{pence / 100:,.2f}"
    for name in dates:
        day = getattr(model, name)
        values[name] = "" if day is None else day.strftime("%d/%m/%Y")
    return values
