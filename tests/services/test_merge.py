"""Merging two records of one family: nothing lost, one household cap, and an exact undo.

The family is Ama Mensah's, registered twice: the second time with the surname
typed "Mensha". Visits are on ``TODAY`` (27/11/2026), so the 2026-10 rules apply:
a household cap of £800 (it was £750 until 30 September 2026); the tests read the
cap from the recommendation rather than assume it.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from caseworker.domain.household import ERASED, Household
from caseworker.domain.packages import Package, PackageStatus, PaymentMethod
from caseworker.domain.rules import Adjustment
from caseworker.domain.users import User
from caseworker.services import (
    duplicates,
    evaluation,
    facts_reader,
    households,
    impact,
    packages,
    recommend,
    retention,
    reviews,
    visits,
)
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused
from caseworker.services.facts_reader import household_group
from caseworker.services.merge import (
    MergeRefused,
    merge_households,
    recent_merges,
    undo_merge,
)
from caseworker.services.packages import DecisionRefused
from caseworker.store.review_tables import ReviewRow
from caseworker.store.sync_tables import HouseholdMergeRow
from caseworker.store.tables import (
    AuditEventRow,
    FundEntryRow,
    HouseholdRow,
    MemberRow,
    PackageEventRow,
    PackageRow,
    VisitRow,
)
from tests.services.packages_fixtures import (
    TODAY,
    Team,
    add_visit,
    household_with_arrears,
)


def twice_registered(team: Team, arrears: int = 50_000) -> tuple[Household, Household]:
    """The same family saved twice by two officers; the second surname mistyped."""
    first = households.create_household(
        team.store, team.officers[0], household_with_arrears(arrears)
    )
    typo = household_with_arrears(arrears)
    lead = typo.members[0].model_copy(update={"surname": "Mensha"})
    second = households.create_household(
        team.store, team.officers[1], typo.model_copy(update={"members": [lead]})
    )
    return first, second


def award(team: Team, officer: User, household: Household, arrears: int | None = None) -> Package:
    """A visit today and its package approved: on the spot if it may be, else by a manager."""
    visit = add_visit(team.store, officer, household, day=TODAY)
    adjust = [] if arrears is None else [Adjustment("5.1", arrears)]
    package = packages.propose(team.store, officer, team.rules, visit.id, adjust, TODAY)
    if package.route == "officer":
        return packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    packages.send_to_manager(team.store, officer, package.id)
    return packages.approve(team.store, team.managers[1], team.rules, package.id, TODAY)


def owners(team: Team) -> dict[str, dict[uuid.UUID, uuid.UUID | None]]:
    """Every record's household (or package), by table: what a merge must not touch."""
    with team.store.read() as session:
        return {
            "visit": {r.id: r.household_id for r in session.exec(select(VisitRow))},
            "package": {r.id: r.household_id for r in session.exec(select(PackageRow))},
            "package_event": {r.id: r.package_id for r in session.exec(select(PackageEventRow))},
            "fund_entry": {r.id: r.package_id for r in session.exec(select(FundEntryRow))},
            "review": {r.id: r.household_id for r in session.exec(select(ReviewRow))},
            "audit_event": {r.id: r.household_id for r in session.exec(select(AuditEventRow))},
        }


def test_merge_keeps_every_record_and_shows_both_on_the_kept_household(team: Team) -> None:
    officer, other, manager = team.officers[0], team.officers[1], team.managers[0]
    kept, merged = twice_registered(team)
    mine = award(team, officer, kept, arrears=10_000)
    packages.record_payment(team.store, officer, mine.id, PaymentMethod.VOUCHER, "V-1")
    theirs = award(team, other, merged, arrears=20_000)
    before = owners(team)

    record = merge_households(team.store, manager, kept.id, merged.id, "Same family: typo")

    after = owners(team)
    new_audit = set(after["audit_event"]) - set(before["audit_event"])
    assert len(new_audit) == 2  # one entry on each household
    assert {after["audit_event"][i] for i in new_audit} == {kept.id, merged.id}
    for table, rows in before.items():
        assert {k: after[table][k] for k in rows} == rows, f"{table} rows were moved"
    assert {v.household_id for v in visits.visits_of(team.store, kept.id)} == {kept.id, merged.id}
    shown = {p.id: p.status for p in packages.packages_of(team.store, kept.id)}
    assert shown == {mine.id: PackageStatus.PAID, theirs.id: PackageStatus.APPROVED}
    assert {r.package_id for r in reviews.reviews_of(team.store, kept.id)} == {mine.id, theirs.id}
    timeline = [e.what for e in visits.timeline(team.store, kept.id)]
    assert timeline.count("Household created") == 2  # both records' histories, each once
    assert timeline.count(f"Households merged: {merged.reference} into {kept.reference}") == 1
    # The merged record leaves the case list and the scan, and says where it went.
    with pytest.raises(NotFound, match=f"merged into {kept.reference}"):
        households.get_household(team.store, merged.id)
    for text in ("Mensha", merged.reference, ""):
        found = [s.reference for s in households.search(team.store, text)]
        assert merged.reference not in found
    assert not duplicates.scan(team.store)
    # Its review is still due: a merge is not a de-identification.
    due = reviews.reviews_for(team.store, other, TODAY + timedelta(days=84))
    assert theirs.id in {e.review.package_id for e in due.due + due.overdue}
    assert recent_merges(team.store, manager)[0].id == record.id


def test_undo_restores_both_households(team: Team) -> None:
    officer, other, manager = team.officers[0], team.officers[1], team.managers[0]
    kept, merged = twice_registered(team)
    mine = award(team, officer, kept, arrears=10_000)
    theirs = award(team, other, merged, arrears=20_000)
    record = merge_households(team.store, manager, kept.id, merged.id, "Same family")

    undone = undo_merge(team.store, team.managers[1], record.id)

    assert undone.undone and undone.undone_by == team.managers[1].name
    back = households.get_household(team.store, merged.id)
    assert (back.reference, back.members) == (merged.reference, merged.members)
    assert [p.id for p in packages.packages_of(team.store, kept.id)] == [mine.id]
    assert [p.id for p in packages.packages_of(team.store, merged.id)] == [theirs.id]
    assert {v.household_id for v in visits.visits_of(team.store, merged.id)} == {merged.id}
    assert merged.reference in [s.reference for s in households.search(team.store, "Mensha")]
    assert [(p.first_reference, p.second_reference) for p in duplicates.scan(team.store)] in (
        [(kept.reference, merged.reference)],
        [(merged.reference, kept.reference)],
    )
    with team.store.read() as session:
        assert household_group(session, kept.id) == [kept.id]
        assert session.exec(select(HouseholdMergeRow)).one().undone_at is not None
    timeline = [e.what for e in visits.timeline(team.store, merged.id)]
    assert f"Merge undone: {merged.reference} is separate from {kept.reference} again" in timeline
    with pytest.raises(MergeRefused, match="already undone"):
        undo_merge(team.store, manager, record.id)


def test_the_cap_counts_both_records_awards_after_a_merge(team: Team) -> None:
    officer, other, manager = team.officers[0], team.officers[1], team.managers[0]
    kept, merged = twice_registered(team)
    award(team, officer, kept)  # £500 (5.1), approved by a manager
    award(team, other, merged, arrears=20_000)  # £200 more on the second record
    later = add_visit(team.store, officer, kept, food=True, day=TODAY)

    alone = packages.recommend(team.store, officer, team.rules, later.id, TODAY)
    assert alone.cap_reduction is not None
    assert alone.cap_reduction.prior_awards_pence == 50_000  # the second record unseen
    cap = alone.cap_reduction.household_cap_pence

    merge_households(team.store, manager, kept.id, merged.id, "Same family")

    both = packages.recommend(team.store, officer, team.rules, later.id, TODAY)
    assert both.cap_reduction is not None
    assert both.cap_reduction.prior_awards_pence == 70_000
    assert both.total_pence == cap - 70_000
    # Proposed for the merged record (say offline, before the merge reached that
    # laptop), the package meets the same one cap.
    late = add_visit(team.store, other, merged, day=TODAY)
    with team.store.read() as session:
        counted = facts_reader.prior_awards(session, merged.id)
    assert sum(a.amount_pence for a in counted) == 70_000
    package = packages.propose(team.store, other, team.rules, late.id, [], TODAY)
    assert package.total_pence <= cap - 70_000


def test_a_likely_duplicate_with_awards_this_year_sends_the_package_to_a_manager(
    team: Team,
) -> None:
    officer, other = team.officers[0], team.officers[1]
    first, second = twice_registered(team)
    award(team, officer, first, arrears=10_000)  # £100 today's yes on the first record
    visit = add_visit(team.store, other, second, day=TODAY)

    package = packages.propose(
        team.store, other, team.rules, visit.id, [Adjustment("5.1", 5_000)], TODAY
    )

    assert package.route == "manager"  # £50 would otherwise be a today's yes
    said = " ".join(package.explanation)
    assert first.reference in said and "£100.00" in said and "not merged" in said
    with pytest.raises(DecisionRefused, match=rf"{first.reference} \(£100\.00\)"):
        packages.approve_on_the_spot(team.store, other, team.rules, package.id, TODAY)
    assert packages.get_package(team.store, package.id).status is PackageStatus.RECOMMENDED
    # The visit screen's preview says the same before anything is saved.
    household = households.get_household(team.store, second.id)
    context = recommend.decision_context(team.store, other, second.id, TODAY)
    _rec, adjusted = recommend.preview(
        team.rules, household, visit, context, [Adjustment("5.1", 5_000)]
    )
    assert adjusted.route == "manager" and first.reference in adjusted.route_explanation


def test_a_duplicate_whose_awards_are_older_than_a_year_does_not(team: Team) -> None:
    officer, other = team.officers[0], team.officers[1]
    first, second = twice_registered(team)
    old = award(team, officer, first, arrears=10_000)
    with team.store.unit_of_work() as session:  # as if approved 400 days ago
        row = session.exec(select(PackageRow).where(col(PackageRow.id) == old.id)).one()
        row.approved_on = TODAY - timedelta(days=400)
        session.add(row)
    visit = add_visit(team.store, other, second, day=TODAY)

    package = packages.propose(
        team.store, other, team.rules, visit.id, [Adjustment("5.1", 5_000)], TODAY
    )

    assert package.route == "officer"
    approved = packages.approve_on_the_spot(team.store, other, team.rules, package.id, TODAY)
    assert approved.status is PackageStatus.APPROVED_ON_SPOT


def test_after_a_merge_the_other_record_no_longer_routes_but_counts(team: Team) -> None:
    officer, manager = team.officers[0], team.managers[0]
    first, second = twice_registered(team)
    award(team, officer, second, arrears=10_000)
    merge_households(team.store, manager, first.id, second.id, "Same family")
    visit = add_visit(team.store, officer, first, day=TODAY)
    package = packages.propose(
        team.store, officer, team.rules, visit.id, [Adjustment("5.1", 5_000)], TODAY
    )
    assert package.route == "officer"  # one family now: the cap counts, no detour
    assert "not merged" not in " ".join(package.explanation)


def test_only_a_manager_merges_or_undoes_and_with_a_reason(team: Team) -> None:
    officer, manager = team.officers[0], team.managers[0]
    first, second = twice_registered(team)
    with pytest.raises(PermissionRefused, match="team manager"):
        merge_households(team.store, officer, first.id, second.id, "Same family")
    with pytest.raises(InvalidInput):
        merge_households(team.store, manager, first.id, second.id, "  ")
    with pytest.raises(MergeRefused, match="itself"):
        merge_households(team.store, manager, first.id, first.id, "Same family")
    record = merge_households(team.store, manager, first.id, second.id, "Same family")
    with pytest.raises(MergeRefused, match=f"already merged into {first.reference}"):
        merge_households(team.store, manager, first.id, second.id, "Again")
    with pytest.raises(PermissionRefused, match="team manager"):
        undo_merge(team.store, officer, record.id)
    with pytest.raises(PermissionRefused):
        recent_merges(team.store, officer)
    packages.declare_conflict(team.store, team.managers[1], first.id, "A neighbour")
    with pytest.raises(MergeRefused, match="conflict of interest"):
        undo_merge(team.store, team.managers[1], record.id)


def test_a_chain_of_merges_is_one_group(team: Team) -> None:
    manager = team.managers[0]
    first, second = twice_registered(team)
    third = households.create_household(
        team.store, team.officers[0], household_with_arrears(50_000)
    )
    merge_households(team.store, manager, first.id, second.id, "Same family")
    merge_households(team.store, manager, third.id, first.id, "Same family again")
    with team.store.read() as session:
        for member in (first.id, second.id, third.id):
            assert household_group(session, member) == [third.id, first.id, second.id]
    with pytest.raises(NotFound, match=f"merged into {third.reference}"):
        households.get_household(team.store, second.id)


def test_a_duplicate_known_by_phone_and_email_alone_also_routes(team: Team) -> None:
    """A new postcode and a mistyped birth date: the contact details still tie them."""
    officer, other = team.officers[0], team.officers[1]
    first = households.create_household(
        team.store,
        officer,
        household_with_arrears(50_000).model_copy(
            update={"phone": "07700 900123", "email": "ama@example.org"}
        ),
    )
    award(team, officer, first, arrears=10_000)
    moved = household_with_arrears(50_000)
    lead = moved.members[0].model_copy(update={"date_of_birth": date(1988, 4, 5)})
    second = households.create_household(
        team.store,
        other,
        moved.model_copy(
            update={
                "members": [lead],
                "postcode": "SE15 5AB",
                "phone": "+44 7700 900123",
                "email": " AMA@example.org",
            }
        ),
    )
    visit = add_visit(team.store, other, second, day=TODAY)
    package = packages.propose(
        team.store, other, team.rules, visit.id, [Adjustment("5.1", 5_000)], TODAY
    )
    assert package.route == "manager"
    assert f"{first.reference} (£100.00)" in " ".join(package.explanation)


def test_deidentifying_a_family_erases_the_records_merged_into_it(team: Team) -> None:
    manager = team.managers[0]
    kept, merged = twice_registered(team)
    record = merge_households(team.store, manager, kept.id, merged.id, "Same family: typo")

    retention.deidentify(team.store, manager, kept.id)

    both = [kept.id, merged.id]
    with team.store.read() as session:
        surnames = session.exec(
            select(MemberRow.surname).where(col(MemberRow.household_id).in_(both))
        ).all()
        rows = [session.get(HouseholdRow, household_id) for household_id in both]
        erased = session.exec(
            select(AuditEventRow.household_id).where(AuditEventRow.action == "deidentified")
        ).all()
    assert set(surnames) == {ERASED}
    assert all(row is not None and row.address_line1 == ERASED and row.archived for row in rows)
    assert sorted(erased) == sorted(both)
    assert households.search(team.store, "Mensha") == []
    with pytest.raises(MergeRefused, match="de-identified"):
        undo_merge(team.store, team.managers[1], record.id)


def test_a_merged_family_is_one_household_seen_in_the_evaluation(team: Team) -> None:
    manager = team.managers[0]
    kept, merged = twice_registered(team)
    for household in (kept, merged):
        add_visit(team.store, team.officers[0], household, day=TODAY)
    before = evaluation.evaluation_figures(team.store, manager, TODAY, TODAY, today=TODAY)

    merge_households(team.store, manager, kept.id, merged.id, "Same family: typo")

    after = evaluation.evaluation_figures(team.store, manager, TODAY, TODAY, today=TODAY)
    assert (before.households_seen, after.households_seen) == (2, 1)
    assert before.visits == after.visits == 2


def test_impact_reads_a_merged_family_as_one_household(team: Team) -> None:
    officer, other, manager = team.officers[0], team.officers[1], team.managers[0]
    kept, merged = twice_registered(team)
    mine = award(team, officer, kept, arrears=10_000)
    theirs = award(team, other, merged, arrears=20_000)  # the family's latest visit
    merge_households(team.store, manager, kept.id, merged.id, "Same family: typo")

    # Read whole, and in two id ranges that put the two records in different parts
    # (as the worker processes read): the family is one case either way.
    low, high = sorted([kept.id, merged.id], key=lambda i: i.int)
    middle = uuid.UUID(int=(low.int + high.int) // 2 + 1)
    for parts in ([(None, None)], [(None, middle), (middle, None)]):
        cases = [case for part in parts for case in impact.read_cases(team.store, part)[1]]
        # The report reads only the visits in force (here all of them): the same cases.
        first = date(2026, 4, 1)
        assert [c for p in parts for c in impact.read_in_force(team.store, p, first)[1]] == cases
        [family] = [case for case in cases if case[0][0] in (kept.id.hex, merged.id.hex)]
        household, _members, visit, awards = family
        assert household[0] == kept.id.hex  # read raw, as stored
        assert theirs.visit_id is not None and visit[3] == theirs.visit_id.hex
        made = {p.visit_id.hex for p in (mine, theirs) if p.visit_id}
        assert {a.visit_id for a in awards} == made
