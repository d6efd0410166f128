"""services.case_file: everything about one household, gathered for the documents."""

from __future__ import annotations

import pickle
import uuid
from datetime import date

import pytest
from sqlmodel import select

from caseworker.domain.packages import PackageStatus, PaymentMethod
from caseworker.services.case_file import case_file, cases_for_export, find_case
from caseworker.services.errors import NotFound
from caseworker.store.tables import HouseholdRow
from tests.reports.case_fixtures import EXCEPTION_REASON, PAYMENT_REF, REJECT_REASON, bare_case
from tests.reports.conftest import Written
from tests.services.packages_fixtures import TODAY, Team


def test_visits_oldest_first_with_their_stored_recommendation(written: Written) -> None:
    visits = written.case.visits
    assert [v.visit.visit_date for v in visits] == [date(2026, 6, 15), date(2026, 11, 20)]
    assert [v.policy_version for v in visits] == ["2026-04", "2026-10"]
    assert all(v.recommendation and v.recommendation["explanation"] for v in visits)
    assert [v.stage for v in visits] == [4, 4]
    assert visits[0].officer == "Officer 0"


def test_packages_with_decisions_who_when_why(written: Written) -> None:
    rejected, paid = written.case.packages
    assert rejected.package.items[0].reason == EXCEPTION_REASON
    assert [(e.status, e.who) for e in rejected.events] == [
        (PackageStatus.RECOMMENDED, "Officer 0"),
        (PackageStatus.AWAITING_MANAGER, "Officer 0"),
        (PackageStatus.REJECTED, "Morgan Lee"),
    ]
    assert rejected.events[-1].reason == REJECT_REASON
    assert rejected.review_due is None
    assert [e.status for e in paid.events][-2:] == [PackageStatus.APPROVED, PackageStatus.PAID]
    assert paid.review_due == date(2027, 2, 19)  # policy part 8: 84 days after approval
    assert paid.package.approved_on == TODAY
    (payment,) = written.case.payments
    assert (payment.amount_pence, payment.method, payment.reference) == (
        43_000,
        PaymentMethod.BANK_TRANSFER,
        PAYMENT_REF,
    )
    assert all(e.at.tzinfo is not None for e in paid.events)


def test_audit_entries_newest_first(written: Written) -> None:
    audit = written.case.audit
    assert audit[0].what == "Payment recorded" and audit[-1].what == "Household created"
    assert [a.at for a in audit] == sorted((a.at for a in audit), reverse=True)


def test_focus_visit(team: Team, written: Written) -> None:
    assert written.case.focus_visit is written.case.visits[-1]
    first = written.rich.first_visit.id
    focused = case_file(team.store, written.rich.household.id, focus_visit_id=first)
    assert focused.focus_visit is not None and focused.focus_visit.visit.id == first


def test_a_case_file_crosses_process_boundaries(written: Written) -> None:
    assert pickle.loads(pickle.dumps(written.case)) == written.case


def test_find_case_by_reference(team: Team, written: Written) -> None:
    reference = written.case.reference
    assert find_case(team.store, reference.lower()) == written.case.household.id
    with pytest.raises(NotFound, match="There is no case XX1-1 in this store"):
        find_case(team.store, " XX1-1 ")


def test_cases_for_export_leave_out_archived_households(team: Team, written: Written) -> None:
    archived = bare_case(team)
    assert archived.reference in [c.reference for c in cases_for_export(team.store)]
    with team.store.unit_of_work() as session:
        row = session.exec(select(HouseholdRow).where(HouseholdRow.id == archived.id)).one()
        row.archived = True
        session.add(row)
    refs = [c.reference for c in cases_for_export(team.store)]
    assert archived.reference not in refs and written.case.reference in refs
    assert refs == sorted(refs)


def test_unknown_household(team: Team) -> None:
    with pytest.raises(NotFound):
        case_file(team.store, uuid.uuid4())
