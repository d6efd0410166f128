import itertools

import pytest
from pydantic import ValidationError

from caseworker.domain.assessment import Capitals, Stage, stage_for, stage_of


def expected_stage(financial: int, mental: int, social: int, human: int) -> int:
    """Policy part 3, written out independently of the implementation."""
    if mental >= 2 and (financial >= 2 or social >= 2):
        return 4
    if financial >= 2:
        return 3
    if financial >= 2 or mental >= 2 or social >= 2 or human >= 2:
        return 2
    return 1


@pytest.mark.parametrize("scores", list(itertools.product(range(4), repeat=4)))
def test_stage_for_every_combination_matches_policy(scores: tuple[int, int, int, int]) -> None:
    assert int(stage_for(*scores)) == expected_stage(*scores)


def test_all_256_combinations_are_covered() -> None:
    stages = {stage_for(*s) for s in itertools.product(range(4), repeat=4)}
    assert stages == set(Stage)


def test_stage_unknown_until_every_capital_scored() -> None:
    assert stage_of(Capitals(financial=3, mental=3, social=3)) is None
    assert stage_of(Capitals(financial=3, mental=3, social=3, human=0)) is Stage(4)


@pytest.mark.parametrize("bad", [-1, 4, 10])
def test_score_outside_0_to_3_is_refused(bad: int) -> None:
    with pytest.raises(ValidationError, match="financial"):
        Capitals(financial=bad)
