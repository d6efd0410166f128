"""The case-file copy: the whole record, marked OFFICIAL-SENSITIVE on every page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from caseworker.reports import write_case_file
from caseworker.services.case_file import case_file
from tests.reports.case_fixtures import (
    EXCEPTION_REASON,
    MEMBERS,
    NOTE,
    PAYMENT_REF,
    REJECT_REASON,
    bare_case,
)
from tests.reports.conftest import Written
from tests.reports.pdf_tools import page_texts, squash, text_of
from tests.services.packages_fixtures import Team


def test_members_names_exactly_as_stored(written: Written) -> None:
    text = text_of(written.file)
    for member in MEMBERS:
        assert f"{member.first_name} {member.surname}" in text
    for name in ("Zoë", "Łukasz", "Nguyễn", "김민준"):
        assert name in text


def test_household_money_and_not_recorded(written: Written) -> None:
    text = text_of(written.file)
    assert "Savings £1,234.50" in text
    assert "Other debts £1,500.00" in text
    assert "Council tax arrears not recorded" in text


def test_visits_with_note_assessment_and_stage(written: Written) -> None:
    text = text_of(written.file)
    assert "Visit 1 of 2: 15 June 2026" in text and "Visit 2 of 2: 20 November 2026" in text
    assert text.count(squash(NOTE)) == 2
    assert "Financial 3 - severe pressure" in text
    assert "Mental 2 - significant pressure" in text
    assert text.count("Stage (policy part 3) Stage 4: Depressed and despairing") == 2


def test_every_rule_explanation_and_policy_version(written: Written) -> None:
    text = text_of(written.file)
    assert "Recommendation (policy version 2026-04)" in text
    assert "Recommendation (policy version 2026-10)" in text
    lines = 0
    for record in written.case.visits:
        assert record.recommendation is not None
        for line in record.recommendation["explanation"]:
            assert squash(line) in text, line
            lines += 1
    assert lines > 30
    for package in written.case.packages:
        for item in package.package.items:
            assert squash(item.explanation) in text


def test_changes_exceptions_and_decisions_with_who_when_why(written: Written) -> None:
    text = text_of(written.file)
    assert "Exception: raised above the recommendation" in text
    assert squash(EXCEPTION_REASON) in text
    assert "Lowered by the officer" in text
    assert squash(REJECT_REASON) in text
    assert "27 Nov 2026 10:00 Morgan Lee Rejected" in text  # at the tests' fixed clock
    assert re.search(r"Manager 1 Approved by a team manager £430\.00", text)
    assert "Review due (part 8) 19 February 2027" in text
    assert "Review due (part 8) none: not approved" in text


def test_payments_and_audit_entries(written: Written) -> None:
    text = text_of(written.file)
    assert re.search(rf"Package 2 £430\.00 Bank transfer {PAYMENT_REF} Officer 0", text)
    assert f"Audit trail ({len(written.case.audit)} entries, newest first)" in text
    assert len(written.case.audit) == 11
    for entry in written.case.audit:
        assert entry.what in text
    assert "Household details changed" in text and "Changed: email" in text


def test_marking_reference_and_page_numbers_on_every_page(written: Written) -> None:
    pages = page_texts(written.file)
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2  # top and bottom
        assert f"Case {written.case.reference}" in page
        assert f"Page {number} of {len(pages)}" in page


def test_missing_optional_data_says_not_recorded(team: Team, tmp_path: Path) -> None:
    household = bare_case(team)
    out = tmp_path / "bare.pdf"
    write_case_file(case_file(team.store, household.id), out)
    text = text_of(out)
    assert "Address not recorded" in text and "Savings not recorded" in text
    assert "Date of birth" in text and "not recorded" in text
    assert "No visits recorded (not recorded)." in text
    assert "No packages recorded." in text and "No payments recorded." in text
    assert len(PdfReader(out).pages) == 1


def test_times_in_the_case_file_are_uk_time(written: Written, tmp_path: Path) -> None:
    """Stored in UTC, printed as the clocks on the wall said: BST in summer, GMT in winter."""
    winter = text_of(written.file)
    assert "Generated 27 Nov 2026 10:00 GMT" in squash(winter)
    assert "UTC" not in winter
    summer = replace(written.case, generated_at=datetime(2026, 7, 1, 13, 30, tzinfo=UTC))
    out = tmp_path / "summer.pdf"
    write_case_file(summer, out)
    assert "Generated 1 Jul 2026 14:30 BST" in squash(text_of(out))
