"""Savings that stand up: gross costs avoided, and net savings with a range.

The HM Treasury Green Book and the GMCA cost-benefit analysis guidance ask
that what an intervention is said to save is adjusted for what would have
happened anyway (*deadweight*), for the part other services played
(*attribution*) and for appraisers' optimism (*optimism bias*), that every
figure is in one price year, and that the uncertainty is shown. For each
unit cost line:

    gross = count x unit cost in the report's price year (GDP deflator)
    net   = gross x (1 - deadweight) x attribution x (1 - optimism bias)

rounded half up to the penny, line by line. Net is a range: *low* takes the
high deadweight, the low attribution and the optimism bias of one confidence
grade weaker; *high* the reverse; *central* the central values. The factors,
their sources and the deflators live in ``resources/savings_factors.toml`` and
``resources/gdp_deflators.toml``, which the council edits, never code.

Fiscal savings (costs public services avoid) and social value (HACT wellbeing
values) are kept apart: social value is never added to savings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from caseworker import paths
from caseworker.services.evaluation.disclosure import is_small
from caseworker.services.evaluation.figures import OutcomeCounts
from caseworker.services.evaluation.unit_costs import (
    OutcomeKey,
    UnitCost,
    UnitCostKind,
    UnitCosts,
    UnitCostsInvalid,
    load_toml,
)

SAVINGS_FACTORS_FILE = "savings_factors.toml"
GDP_DEFLATORS_FILE = "gdp_deflators.toml"
GRADES = range(1, 7)  # the GMCA guidance's confidence grades, 1 (best) to 6


class Spread(BaseModel):
    """A share (0 to 1) as a low, central and high value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: Decimal = Field(ge=0, le=1)
    central: Decimal = Field(ge=0, le=1)
    high: Decimal = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Spread:
        if not self.low <= self.central <= self.high:
            raise ValueError("low must not be above central, nor central above high")
        return self


class OutcomeFactors(BaseModel):
    """Deadweight and attribution for one outcome, with where they come from."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    outcome: OutcomeKey
    deadweight: Spread
    attribution: Spread
    source: str = Field(min_length=1)


class OptimismBias(BaseModel):
    """The GMCA guidance's optimism bias correction by confidence grade (1 to 6)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    source: str = Field(min_length=1)
    note: str = ""
    by_grade: dict[int, Decimal]

    @model_validator(mode="after")
    def _every_grade(self) -> OptimismBias:
        if sorted(self.by_grade) != list(GRADES):
            raise ValueError("by_grade needs one share for each grade from 1 to 6")
        if any(not 0 <= v < 1 for v in self.by_grade.values()):
            raise ValueError("each grade's share must be from 0 to less than 1")
        return self

    def spread(self, grade: int) -> Spread:
        """The correction for a grade, with one grade better (low) and one weaker (high)."""
        return Spread(
            low=self.by_grade[max(grade - 1, GRADES[0])],
            central=self.by_grade[grade],
            high=self.by_grade[min(grade + 1, GRADES[-1])],
        )


class SavingsFactors(BaseModel):
    """The whole factors file: the report's price year, optimism bias and each outcome's factors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    price_year: str = Field(min_length=1)
    label: str = Field(min_length=1)
    optimism_bias: OptimismBias
    factor: tuple[OutcomeFactors, ...]

    def for_outcome(self, outcome: str) -> OutcomeFactors | None:
        return next((f for f in self.factor if f.outcome == outcome), None)


class Deflators(BaseModel):
    """GDP deflator index values by financial year, and where they come from."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    series: str = Field(min_length=1)
    release: str = Field(min_length=1)
    source: str = Field(min_length=1)
    index: dict[str, Decimal]

    @model_validator(mode="after")
    def _positive(self) -> Deflators:
        if not self.index or any(v <= 0 for v in self.index.values()):
            raise ValueError("index needs at least one year, each value above 0")
        return self

    def convert(self, pence: int, from_year: str, to_year: str) -> int:
        """``pence`` in ``from_year`` prices, in ``to_year`` prices (to the penny, half up)."""
        return _round(pence * self.index[to_year] / self.index[from_year])


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def load_savings_factors(path: Path | None = None) -> SavingsFactors:
    """Read and check ``resources/savings_factors.toml`` (or the file ``path`` names)."""
    return load_toml(path or paths.resources_dir() / SAVINGS_FACTORS_FILE, SavingsFactors)


def load_deflators(path: Path | None = None) -> Deflators:
    """Read and check ``resources/gdp_deflators.toml`` (or the file ``path`` names)."""
    return load_toml(path or paths.resources_dir() / GDP_DEFLATORS_FILE, Deflators)


def check_inputs(unit_costs: UnitCosts, factors: SavingsFactors, deflators: Deflators) -> None:
    """Every unit cost has factors for its outcome and a deflator for its price year.

    The message names the file to fix and the closest thing it lacks.
    """
    years = sorted(deflators.index)
    if factors.price_year not in deflators.index:
        raise UnitCostsInvalid(
            f"{SAVINGS_FACTORS_FILE}: price_year {factors.price_year!r} has no GDP deflator "
            f"in {GDP_DEFLATORS_FILE} (it has {', '.join(years)})."
        )
    for unit in unit_costs.unit_cost:
        if unit.price_year not in deflators.index:
            raise UnitCostsInvalid(
                f"unit_costs.toml: '{unit.name}' has price_year {unit.price_year!r}, which has "
                f"no GDP deflator in {GDP_DEFLATORS_FILE} (it has {', '.join(years)})."
            )
        if factors.for_outcome(unit.outcome) is None:
            raise UnitCostsInvalid(
                f"{SAVINGS_FACTORS_FILE}: no [[factor]] for outcome {unit.outcome!r}, which "
                f"'{unit.name}' in unit_costs.toml needs."
            )


@dataclass(frozen=True)
class Amounts:
    """Net savings as a range, in pence."""

    low: int
    central: int
    high: int

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.low + other.low, self.central + other.central, self.high + other.high)


NOTHING = Amounts(0, 0, 0)


@dataclass(frozen=True)
class SavingsLine:
    """One unit cost applied to its outcome's count: gross and net, in the report's prices."""

    unit: UnitCost
    count: int
    unit_pence: int  # the unit cost in the report's price year
    deadweight: Spread
    attribution: Spread
    optimism_bias: Spread

    @property
    def counted(self) -> bool:
        """Left out of totals when the count is suppressed (the money would reveal it)."""
        return not is_small(self.count)

    @property
    def gross_pence(self) -> int:
        return self.count * self.unit_pence

    def _net(self, deadweight: Decimal, attribution: Decimal, optimism: Decimal) -> int:
        return _round(self.gross_pence * (1 - deadweight) * attribution * (1 - optimism))

    @property
    def net(self) -> Amounts:
        dw, at, ob = self.deadweight, self.attribution, self.optimism_bias
        return Amounts(
            low=self._net(dw.high, at.low, ob.high),
            central=self._net(dw.central, at.central, ob.central),
            high=self._net(dw.low, at.high, ob.low),
        )


@dataclass(frozen=True)
class Savings:
    """Every line, gross and net, in one price year, with the factors and deflators used."""

    price_year: str
    label: str
    lines: tuple[SavingsLine, ...]
    factors: SavingsFactors
    deflators: Deflators

    def of_kind(self, kind: UnitCostKind) -> tuple[SavingsLine, ...]:
        return tuple(line for line in self.lines if line.unit.kind == kind)

    def gross_pence(self, kind: UnitCostKind) -> int:
        """The total of the lines counted 5 times or more (fewer would give the count away)."""
        return sum(line.gross_pence for line in self.of_kind(kind) if line.counted)

    def net(self, kind: UnitCostKind) -> Amounts:
        total = NOTHING
        for line in self.of_kind(kind):
            if line.counted:
                total += line.net
        return total

    def basis(self, kind: UnitCostKind) -> int:
        """How many outcomes the totals rest on (0 if none is counted)."""
        return sum(line.count for line in self.of_kind(kind) if line.counted and line.count)


def work_out_savings(
    outcomes: OutcomeCounts,
    unit_costs: UnitCosts,
    factors: SavingsFactors,
    deflators: Deflators,
) -> Savings:
    """Each unit cost applied to its outcome's count, gross and net, in the factors' price year."""
    check_inputs(unit_costs, factors, deflators)
    lines = []
    for unit in unit_costs.unit_cost:
        outcome = factors.for_outcome(unit.outcome)
        assert outcome is not None  # check_inputs saw to it
        lines.append(
            SavingsLine(
                unit=unit,
                count=outcomes.count(unit.outcome),
                unit_pence=deflators.convert(unit.pence, unit.price_year, factors.price_year),
                deadweight=outcome.deadweight,
                attribution=outcome.attribution,
                optimism_bias=factors.optimism_bias.spread(unit.confidence),
            )
        )
    return Savings(factors.price_year, factors.label, tuple(lines), factors, deflators)
