"""The unit costs (``resources/unit_costs.toml``): what one outcome is estimated to save."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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

OUTCOME_LABELS: dict[str, str] = {
    "home_kept": "Home kept (it was at risk)",
    "job_started": "Job started",
    "hours_restored": "Hours restored",
    "training_started": "Training started",
    "debt_plan_in_place": "Debt plan in place",
    "referral_taken_up": "Referral taken up",
}


class UnitCost(BaseModel):
    """One estimated cost to public services that an outcome avoids, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    outcome: OutcomeKey
    name: str = Field(min_length=1)
    pence: int = Field(ge=0)
    source: str = Field(min_length=1)
    year: str = Field(min_length=1)
    note: str = Field(min_length=1)


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
    path = path or unit_costs_path()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UnitCostsInvalid(f"The unit costs file {path} cannot be read ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UnitCostsInvalid(f"{path}: {exc}. Fix the file and run the report again.") from exc
    try:
        return UnitCosts.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UnitCostsInvalid(
            f"{path}: {problems}. Fix the file and run the report again."
        ) from exc
