"""The family copy: plain English for the lead contact, nothing internal."""

from __future__ import annotations

import uuid
from pathlib import Path

from pypdf import PdfReader

from caseworker.reports import write_family_copy
from caseworker.reports.common import council, long_date, referral_directory
from caseworker.services.case_file import case_file
from tests.reports.case_fixtures import (
    EXCEPTION_REASON,
    MEMBERS,
    NOTE,
    PAYMENT_REF,
    REJECT_REASON,
    awaiting_case,
    bare_case,
)
from tests.reports.conftest import Written
from tests.reports.pdf_tools import fonts, squash, text_of
from tests.services.packages_fixtures import Team


def test_addressed_to_the_lead_contact_by_name(written: Written) -> None:
    text = text_of(written.family)
    assert "Dear Zoë O'Brien-Smith," in text
    assert f"Case reference: {written.case.reference}" in text


def test_says_what_we_talked_about_without_the_note(written: Written) -> None:
    text = text_of(written.family)
    assert "You met Officer 0 at Peckham Library drop-in on 20 November 2026." in text
    assert "Rent or mortgage" in text and "Food or fuel" in text
    assert squash(NOTE) not in text
    assert "PRIVATE NOTE" not in text and "section 21" not in text


def test_what_we_agreed_to_pay_and_how(written: Written) -> None:
    text = text_of(written.family)
    assert "We agreed to pay you £430.00." in text
    assert "Help with rent or mortgage arrears £350.00" in text
    assert "Emergency money for food and fuel £80.00" in text
    # The payment's date is when it was recorded (the real clock), not the visit's.
    [payment] = [r.payment for r in written.case.packages if r.payment is not None]
    paid_on = long_date(payment.at.date())
    paid = f"We paid this by bank transfer on {paid_on}. The payment reference is"
    assert f"{paid} {PAYMENT_REF}." in text


def test_every_referral_with_its_contact_details(written: Written) -> None:
    text = text_of(written.family)
    visit = written.case.focus_visit
    assert visit is not None and visit.recommendation is not None
    clauses = [r["clause"] for r in visit.recommendation["referrals"]]
    assert clauses == ["7.1", "7.3", "7.5", "7.6"]
    directory = referral_directory()
    for clause in clauses:
        service = directory[clause]
        for expected in (
            service.name,
            squash(service.what),
            f"Phone: {service.phone}",
            f"Website: {service.web}",
            f"Address: {service.address}",
        ):
            assert expected in text, (clause, expected)
    assert directory["7.9"].name not in text  # not referred: not listed


def test_review_is_84_days_after_approval(written: Written) -> None:
    text = text_of(written.family)
    assert "We will contact you around 19 February 2027" in text  # 27 Nov 2026 + 84 days


def test_how_to_contact_the_team(written: Written) -> None:
    text = text_of(written.family)
    c = council()
    for value in (c.name, c.phone, c.email, c.address):
        assert value in text


def test_no_internal_scores_explanations_or_reasons(written: Written) -> None:
    text = text_of(written.family)
    lowered = text.lower()
    for word in ("stage", "capital", "score", "despairing", "under pressure", "official"):
        assert word not in lowered, word
    for internal in (EXCEPTION_REASON, REJECT_REASON, "Household cap", "6.2", "4.1 Postcode"):
        assert internal not in text, internal
    for record in written.case.visits:
        assert record.recommendation is not None
        for line in record.recommendation["explanation"]:
            assert squash(line) not in text, line


def test_one_or_two_pages(written: Written) -> None:
    assert 1 <= len(PdfReader(written.family).pages) <= 2


def test_package_waiting_for_a_manager(team: Team, tmp_path: Path) -> None:
    household = awaiting_case(team)
    out = tmp_path / "waiting.pdf"
    write_family_copy(case_file(team.store, household.id), out)
    text = text_of(out)
    assert "We have asked a manager to agree a payment of £480.00." in text
    assert "We will contact you when the payment has been decided." in text
    assert "We paid this" not in text and "around" not in text


def test_lead_named_in_several_scripts(team: Team, tmp_path: Path) -> None:
    lead = MEMBERS[0].model_copy(
        update={"id": uuid.uuid4(), "first_name": "김민준", "surname": "Nguyễn-Łukasz"}
    )
    household = awaiting_case(team, lead)
    out = tmp_path / "korean.pdf"
    write_family_copy(case_file(team.store, household.id), out)
    assert "Dear 김민준 Nguyễn-Łukasz," in text_of(out)
    assert fonts(out) == {"DejaVuSans": True, "DejaVuSans-Bold": True, "NanumGothic": True}


def test_no_visit_yet_says_so(team: Team, tmp_path: Path) -> None:
    household = bare_case(team)
    out = tmp_path / "bare.pdf"
    write_family_copy(case_file(team.store, household.id), out)
    text = text_of(out)
    assert "Dear Ana Lima," in text
    assert "We have not recorded a visit with you yet." in text
    assert "We did not agree a payment at this visit." in text
    assert "We did not refer you to another service at this visit." in text


def test_says_how_and_when_the_family_gets_the_money_by_its_route(
    team: Team, tmp_path: Path
) -> None:
    from caseworker.services import packages, payments
    from tests.reports.case_fixtures import simple_case
    from tests.services.packages_fixtures import TODAY

    officer = team.officers[0]
    household = simple_case(team, officer)
    [package] = packages.packages_of(team.store, household.id)
    payments.instruct_from_form(
        team.store,
        officer,
        package.id,
        "cash_out",
        {"code": "AB12CD34", "delivery": "printed"},
        TODAY,
    )
    out = tmp_path / "route.pdf"
    write_family_copy(case_file(team.store, household.id), out)
    text = squash(text_of(out))
    assert (
        squash(
            "You get £120.00 in cash at any PayPoint or Post Office counter: show the code "
            "AB12CD34 printed on this copy from the next working day."
        )
        in text
    )
    assert "Your officer will tell you which one" not in text


def test_before_the_route_is_chosen_says_every_way_the_scheme_pays(
    team: Team, tmp_path: Path
) -> None:
    """An agreed payment with no route chosen yet: the scheme's four routes in the
    family's words (a voucher is not one of them), and that the officer will say."""
    from tests.reports.case_fixtures import simple_case

    household = simple_case(team, team.officers[0])
    out = tmp_path / "no-route.pdf"
    write_family_copy(case_file(team.store, household.id), out)
    text = squash(text_of(out))
    assert (
        squash(
            "We will pay this in one of these ways: a code to collect cash at a PayPoint or "
            "Post Office; a prepaid card; a payment straight to your landlord, energy "
            "supplier or uniform shop; or a bank transfer. Your officer will tell you which "
            "one and when."
        )
        in text
    )
    assert "voucher" not in text
