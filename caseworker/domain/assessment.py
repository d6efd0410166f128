"""The four capitals assessment and the stage it implies (policy part 3)."""

from __future__ import annotations

from enum import IntEnum

from pydantic import Field

from caseworker.domain.household import DomainModel

Score = int | None


class Stage(IntEnum):
    COPING = 1
    STRETCHED = 2
    UNDER_PRESSURE = 3
    DEPRESSED_AND_DESPAIRING = 4

    @property
    def label(self) -> str:
        return STAGE_NAMES[self]


STAGE_NAMES = {
    Stage.COPING: "Coping",
    Stage.STRETCHED: "Stretched",
    Stage.UNDER_PRESSURE: "Under pressure",
    Stage.DEPRESSED_AND_DESPAIRING: "Depressed and despairing",
}

CAPITALS = ("financial", "mental", "social", "human")

CAPITAL_HELP = {
    "financial": "Income drop, arrears, debts, savings.",
    "mental": "Stress, low mood, anxiety, sleep, substance use.",
    "social": "Family relationships, support network, isolation.",
    "human": "Skills, qualifications, health for work, confidence.",
}

SCORE_LABELS = {
    0: "0 - no pressure",
    1: "1 - some pressure",
    2: "2 - significant pressure",
    3: "3 - severe pressure",
}


class Capitals(DomainModel):
    """Scores 0-3 per capital; ``None`` means not yet scored (a draft)."""

    financial: Score = Field(default=None, title="Financial capital", ge=0, le=3)
    mental: Score = Field(default=None, title="Mental capital", ge=0, le=3)
    social: Score = Field(default=None, title="Social capital", ge=0, le=3)
    human: Score = Field(default=None, title="Human capital", ge=0, le=3)

    @property
    def complete(self) -> bool:
        return None not in (self.financial, self.mental, self.social, self.human)


def stage_for(financial: int, mental: int, social: int, human: int) -> Stage:
    """Policy part 3: the first row that matches wins."""
    if mental >= 2 and (financial >= 2 or social >= 2):
        return Stage.DEPRESSED_AND_DESPAIRING
    if financial >= 2:
        return Stage.UNDER_PRESSURE
    if max(financial, mental, social, human) >= 2:
        return Stage.STRETCHED
    return Stage.COPING


def stage_of(capitals: Capitals) -> Stage | None:
    """The stage, or ``None`` while any capital is unscored."""
    if (
        capitals.financial is None
        or capitals.mental is None
        or capitals.social is None
        or capitals.human is None
    ):
        return None
    return stage_for(capitals.financial, capitals.mental, capitals.social, capitals.human)
