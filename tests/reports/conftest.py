"""A team store with a rich case (two visits, a rejected exception, a paid package),
gathered once per module and written as both documents."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caseworker.reports import write_case_file, write_family_copy
from caseworker.services.case_file import CaseFile, case_file
from tests.reports.case_fixtures import RichCase, rich_case
from tests.services.packages_fixtures import Team, make_team


@dataclass
class Written:
    team: Team
    rich: RichCase
    case: CaseFile
    family: Path
    file: Path
    folder: Path


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    made = make_team(
        tmp_path_factory.mktemp("store") / "store.db", allowance=5_000_000, budget=20_000_000
    )
    yield made
    made.store.dispose()


@pytest.fixture(scope="module")
def written(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Written:
    rich = rich_case(team)
    case = case_file(team.store, rich.household.id, generated_by="Jo Smith")
    folder = tmp_path_factory.mktemp("pdf")
    family, file = folder / "family.pdf", folder / "file.pdf"
    write_family_copy(case, family)
    write_case_file(case, file)
    return Written(team, rich, case, family, file, folder)
