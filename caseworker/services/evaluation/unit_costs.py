"""The unit costs (``resources/unit_costs.toml``): what one outcome is estimated to save."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from caseworker import paths
from caseworker.services.errors import ServiceError

UNIT_COSTS_FILE = "unit_costs.toml"


class UnitCostsInvalid(ServiceError):
    """The unit costs file cannot be used; the message names the file and the problem."""


# -- unit costs (resources/unit_costs.toml) ----------------------------------------------

OutcomeKey = Literal[
    "home_kept",
    "job_started",
    "hours_restored",
    "training_started",
    "debt_plan_in_place",
    "referral_taken_up",
]

UnitCostKind = Literal["fiscal", "social"]
Bound = Literal["upper", "lower"]

KIND_LABELS: dict[str, str] = {
    "fiscal": "Fiscal: a cost public services avoid",
    "social": "Social value: a wellbeing value, not a saving",
}
BOUND_LABELS: dict[str, str] = {
    "upper": "upper bound",
    "lower": "lower bound (a floor)",
}

OUTCOME_LABELS: dict[str, str] = {
    "home_kept": "Home kept (it was at risk)",
    "job_started": "Job started",
    "hours_restored": "Hours restored",
    "training_started": "Training started",
    "debt_plan_in_place": "Debt plan in place",
    "referral_taken_up": "Referral taken up",
}


class UnitCost(BaseModel):
    """One estimated value of an outcome, with its source, price year and dates.

    ``kind`` keeps fiscal savings (costs public services avoid) apart from
    social value (wellbeing values such as HACT's, never added to savings);
    ``bound`` says when the figure is a ceiling or a floor rather than a
    central estimate; ``confidence`` is the GMCA guidance's grade (1 best, 6
    weakest), which sets the optimism bias applied to it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    outcome: OutcomeKey
    kind: UnitCostKind
    name: str = Field(min_length=1)
    pence: int = Field(ge=0)
    source: str = Field(min_length=1)
    price_year: str = Field(min_length=1)
    valid_from: date
    valid_until: date | None = None
    bound: Bound | None = None
    confidence: int = Field(ge=1, le=6)
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> UnitCost:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self

    @property
    def bound_label(self) -> str:
        """ "upper bound", "lower bound (a floor)", or "" for a central estimate."""
        return BOUND_LABELS[self.bound] if self.bound else ""

    def valid_text(self) -> str:
        """The dates the figure holds, as the report prints them."""
        since = f"valid from {self.valid_from:%-d %B %Y}"
        return f"{since} until {self.valid_until:%-d %B %Y}" if self.valid_until else since

    def out_of_date_on(self, day: date) -> bool:
        """The figure had stopped holding by ``day`` (a newer one should be looked up)."""
        return self.valid_until is not None and self.valid_until < day


class UnitCosts(BaseModel):
    """The whole unit costs file: a label the report prints and the costs."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    label: str = Field(min_length=1)
    unit_cost: tuple[UnitCost, ...] = ()


def unit_costs_path() -> Path:
    return paths.resources_dir() / UNIT_COSTS_FILE


def load_unit_costs(path: Path | None = None) -> UnitCosts:
    """Read and check the unit costs (the shipped file unless ``path`` names another).

    A council edits the figures in the file, never code; a mistake is reported
    with the file and the entry, so it can be fixed there.
    """
    return load_toml(path or unit_costs_path(), UnitCosts)


_Model = TypeVar("_Model", bound=BaseModel)


def load_toml(path: Path, model: type[_Model]) -> _Model:
    """A council's figures file (unit costs, savings factors, deflators), checked against
    ``model``; a mistake names the file and the entry, so it can be fixed there."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UnitCostsInvalid(f"The file {path} cannot be read ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UnitCostsInvalid(f"{path}: {exc}. Fix the file and run the report again.") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UnitCostsInvalid(
            f"{path}: {problems}. Fix the file and run the report again."
        ) from exc
