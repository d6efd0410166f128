"""Long notes and big households flow across pages without losing a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from caseworker.reports import write_case_file, write_family_copy
from caseworker.reports.common import council
from caseworker.services.case_file import CaseFile, case_file
from tests.reports.case_fixtures import rich_case, twelve_members
from tests.reports.pdf_tools import body_text, ink, render, squash, text_of
from tests.services.packages_fixtures import Team


def _long_note() -> str:
    sentences = []
    n = 0
    while sum(len(s) + 1 for s in sentences) < 10_000:
        n += 1
        sentences.append(
            f"Sentence {n:04d}: Zoë and Łukasz talked about the rent, Nguyễn about work, "
            f"and 김민준 about school."
        )
    return " ".join(sentences)[:10_000].rstrip()


LONG_NOTE = _long_note()
LONG_REASON = " ".join(f"Reason part {n:03d} explains the decision in detail." for n in range(70))


@pytest.fixture(scope="module")
def long_case(team: Team) -> CaseFile:
    rich = rich_case(team, note=LONG_NOTE, members=twelve_members(), reject_reason=LONG_REASON)
    return case_file(team.store, rich.household.id)


def _furniture(case: CaseFile) -> set[str]:
    return {"OFFICIAL-SENSITIVE", council().name, f"Case {case.reference}"}


def test_note_of_10000_characters_wraps_across_pages(long_case: CaseFile, tmp_path: Path) -> None:
    assert len(LONG_NOTE) == 10_000
    out = tmp_path / "long.pdf"
    write_case_file(long_case, out)
    text = body_text(out, _furniture(long_case))
    assert text.count(squash(LONG_NOTE)) == 2  # once per visit, every word in order
    # A table row taller than a page splits too (the table's header repeats on the new page).
    assert squash(LONG_REASON) in text.replace("When (UK time) Who Decision Amount Why ", "")
    assert len(PdfReader(out).pages) >= 6
    for page in render(out, tmp_path):
        assert ink(page) > 0.01, page.name


def test_twelve_members_all_listed(long_case: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "members.pdf"
    write_case_file(long_case, out)
    text = text_of(out)
    assert len(long_case.household.members) == 12
    for member in long_case.household.members:
        assert f"{member.first_name} {member.surname}" in text
    assert "Members (12)" in text


def test_family_copy_of_a_long_case_stays_short_and_private(
    long_case: CaseFile, tmp_path: Path
) -> None:
    out = tmp_path / "family.pdf"
    write_family_copy(long_case, out)
    assert len(PdfReader(out).pages) <= 2
    text = text_of(out)
    assert "Sentence 0001" not in text and "Reason part" not in text
    assert "Child00" not in text  # other members are not named in the letter
