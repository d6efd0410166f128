"""The shape of the rule files, as pydantic models that refuse unknown keys.

These models are the contract with the councils that edit the YAML: a
mistyped key is an error, money is written in pounds with a £ sign so nobody
has to count zeros, and clause numbers are strings (YAML would read 5.10 as the
number 5.1). Their JSON Schema is published in ``resources/rules/schema`` so an
editor can check a file while it is typed. Meaning (which facts and
parameters exist, cross-file consistency) is checked by ``compile.py``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)

from caseworker.domain.money import MoneyError, parse_pounds

MONEY_PATTERN = r"^£\d{1,3}(,?\d{3})*(\.\d{1,2})?$"


def parse_money(value: object) -> int:
    """Read "£1,234.50" as pence; anything else (a bare number, no £) is refused."""
    if isinstance(value, bool) or not isinstance(value, str) or not value.startswith("£"):
        raise ValueError("write money in pounds with a £ sign, like £750.00")
    try:
        return parse_pounds(value)
    except MoneyError as exc:
        raise ValueError(f"write money in pounds with a £ sign, like £750.00 ({exc})") from exc


Money = Annotated[
    int,
    BeforeValidator(parse_money),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["£750.00"]}),
]
ClauseId = Annotated[str, Field(pattern=r"^\d+(\.\d+)*[a-z]?$", examples=["4.1"])]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
VersionName = Annotated[str, Field(pattern=r"^\d{4}-\d{2}[A-Za-z0-9_-]*$", examples=["2026-10"])]


class RuleModel(BaseModel):
    """Base of every rule-file model: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Operator(StrEnum):
    """How a fact is compared with a value."""

    EQUAL = "equal"
    NOT_EQUAL = "not_equal"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    GREATER_THAN = "greater_than"
    AT_LEAST = "at_least"
    IN = "in"
    NOT_IN = "not_in"


class ParamRef(RuleModel):
    """A value taken from the parameters of the version in force."""

    param: Name


class FactRef(RuleModel):
    """An amount taken from a fact about the household or visit."""

    fact: Name


Value = bool | int | str | list[str] | list[int] | ParamRef


class FactTest(RuleModel):
    """``{fact: savings, operator: less_than, value: {param: savings_limit}}``.

    Without ``operator`` and ``value`` the test is "the fact is true".
    """

    fact: Name
    operator: Operator = Operator.EQUAL
    value: Value = True


class AllOf(RuleModel):
    all: list[Condition] = Field(min_length=1)


class AnyOf(RuleModel):
    any: list[Condition] = Field(min_length=1)


class NotOf(RuleModel):
    not_: Condition = Field(alias="not")


class ClauseHolds(RuleModel):
    """The condition of a clause listed earlier in the file holds (5.7 uses 5.4 and 5.6)."""

    clause_holds: ClauseId


def _condition_tag(value: Any) -> str:
    if isinstance(value, dict):
        for key, tag in (
            ("all", "all_of"),
            ("any", "any_of"),
            ("not", "not_of"),
            ("clause_holds", "clause_ref"),
        ):
            if key in value:
                return tag
    return "fact_test"


Condition = Annotated[
    Annotated[AllOf, Tag("all_of")]
    | Annotated[AnyOf, Tag("any_of")]
    | Annotated[NotOf, Tag("not_of")]
    | Annotated[ClauseHolds, Tag("clause_ref")]
    | Annotated[FactTest, Tag("fact_test")],
    Discriminator(_condition_tag),
]


class InForce(RuleModel):
    """Optional dates bounding when a rule applies: from (inclusive), withdrawn (exclusive)."""

    in_force_from: date | None = None
    withdrawn_from: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.in_force_from and self.withdrawn_from and self.withdrawn_from <= self.in_force_from:
            raise ValueError("withdrawn_from must be after in_force_from")
        return self


class StageRow(RuleModel):
    """A row of the stage table; the first row whose ``when`` holds wins."""

    stage: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    when: Condition | None = None


class ClauseRule(InForce):
    """A numbered clause of the policy."""

    clause: ClauseId


class EligibilityRule(ClauseRule):
    title: str = Field(min_length=1)
    when: Condition


class ItemRule(ClauseRule):
    item: str = Field(min_length=1)
    when: Condition
    amount: ParamRef | FactRef
    cap: ParamRef | None = None


class ReferralRule(ClauseRule):
    service: str = Field(min_length=1)
    when: Condition
    directory_terms: list[str] = Field(
        default_factory=list,
        description=(
            "Taxonomy terms of the borough's services directory (Open Referral UK) that "
            "this referral matches; a service listing any of them is offered to the officer."
        ),
    )


class PolicyFile(RuleModel):
    """``kind: policy``: the clauses (stage table, eligibility, items, referrals)."""

    kind: Literal["policy"]
    title: str = Field(min_length=1)
    stages: list[StageRow] = Field(min_length=1)
    eligibility: list[EligibilityRule]
    items: list[ItemRule]
    referrals: list[ReferralRule]


class Definitions(RuleModel):
    """The policy's windows and standing figures: part 2's thresholds used by the named
    facts, the 6.1 award window, part 8's review, part 9's fund defaults and retention.

    The defaults serve a council's version file written before the policy named them.
    """

    adult_age: int = Field(ge=0, le=120)
    young_person_min_age: int = Field(ge=0, le=120)
    young_person_max_age: int = Field(ge=0, le=120)
    income_drop_months: int = Field(ge=0, le=120)
    award_window_days: int = Field(ge=1, le=3660)
    # Part 8: a package's review falls this many days after its approval (12 weeks).
    # The default serves a council's version file written before the policy named it.
    review_after_days: int = Field(default=84, ge=1, le=3660)
    # Retention (docs/security.md): a household with no visit or payment for this many
    # years is listed for a manager to de-identify.
    retention_years: int = Field(default=6, ge=1, le=100)
    # Part 9: what the fund screen offers when a team's fund is opened and an officer's
    # offline allowance granted; the manager types the real figures.
    fund_budget: Money = Field(default=6_000_000)
    offline_allowance: Money = Field(default=50_000)


class Limits(RuleModel):
    """Policy part 6: the household cap, approval limits and the cut order."""

    household_cap: Money
    officer_limit: Money
    package_max: Money
    cap_priority: list[ClauseId] = Field(min_length=1)


class Bounds(RuleModel):
    """The range each fact of a visit must be in; outside it is a typing slip, refused.

    The shipped versions state every bound with its reason; these defaults only
    serve a council's version file written before bounds existed.
    """

    max_amount: Money = Field(default=100_000_000, description="any amount in the facts")
    max_age_years: int = Field(default=120, ge=1, le=150)
    max_days_before_visit: int = Field(default=3660, ge=1, le=36600)
    max_days_after_visit: int = Field(default=366, ge=1, le=3660)
    max_days_after_version: int = Field(default=1096, ge=1, le=36600)


class ParametersFile(RuleModel):
    """``kind: parameters``: one version of the amounts, lists and thresholds."""

    kind: Literal["parameters"]
    version: VersionName
    in_force_from: date
    changes: str = ""
    definitions: Definitions
    limits: Limits
    amounts: dict[Name, Money] = Field(default_factory=dict)
    numbers: dict[Name, int] = Field(default_factory=dict)
    lists: dict[Name, list[str]] = Field(default_factory=dict)
    bounds: Bounds = Field(default_factory=Bounds)


class Expected(RuleModel):
    """What a policy test case expects; only the keys given are checked."""

    policy_version: str | None = None
    stage: int | None = None
    eligible: bool | None = None
    failed_clauses: list[ClauseId] | None = None
    undecided_clauses: list[ClauseId] | None = None
    items: dict[ClauseId, int] | None = None
    cuts: dict[ClauseId, int] | None = None
    total_pence: int | None = None
    route: Literal["officer", "manager", "none"] | None = None
    referrals: list[ClauseId] | None = None
    missing_facts: list[str] | None = None
    what_if: list[ClauseId] | None = None
    explanation_contains: list[str] | None = None


class TestCase(RuleModel):
    name: str = Field(min_length=1)
    facts: dict[str, Any]
    allowance_left_pence: int | None = Field(default=None, ge=0)
    expected: Expected


class TestFile(RuleModel):
    """``kind: tests``: policy test cases; each case's facts are merged over ``base_facts``."""

    __test__ = False  # not a pytest class

    kind: Literal["tests"]
    base_facts: dict[str, Any] = Field(default_factory=dict)
    cases: list[TestCase] = Field(min_length=1)


for _model in (AllOf, AnyOf, NotOf, StageRow, EligibilityRule, ItemRule, ReferralRule, PolicyFile):
    _model.model_rebuild()

FILE_KINDS: dict[str, type[RuleModel]] = {
    "policy": PolicyFile,
    "parameters": ParametersFile,
    "tests": TestFile,
}
