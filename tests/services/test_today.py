"""Today: the officer's drop-in at a glance, read in one call."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from caseworker.domain.money import format_pence
from caseworker.services import drafts, households, packages, parked
from caseworker.services.today import NEW, Opens, today
from caseworker.store.sync_tables import OutboxRow
from tests.services.packages_fixtures import (
    TODAY,
    Team,
    add_visit,
    household_with_arrears,
)


def test_today_lists_the_officers_drop_in_and_no_one_elses(team: Team) -> None:
    jo, other = team.officers
    store, rules = team.store, team.rules
    # Seen today, with a big package sent to a manager.
    seen = households.create_household(store, jo, household_with_arrears(40_000))
    visit = add_visit(store, jo, seen, day=TODAY)
    big = packages.propose(store, jo, rules, visit.id, [], TODAY)
    packages.send_to_manager(store, jo, big.id)
    # Approved on the spot today: its review is due in 84 days.
    old = households.create_household(store, jo, household_with_arrears(12_000))
    old_visit = add_visit(store, jo, old, day=TODAY)
    spot = packages.propose(store, jo, rules, old_visit.id, [], TODAY)
    spot = packages.approve_on_the_spot(store, jo, rules, spot.id, TODAY)
    # Typed and not saved: a visit to the old household, and a new household.
    drafts.save_draft(store, jo, "visit", str(old.id), {"venue": "Library"})
    drafts.save_draft(store, jo, "household", NEW, {"fields": {}})
    # Someone else's visit today is not Jo's drop-in.
    theirs = households.create_household(store, other, household_with_arrears(500))
    add_visit(store, other, theirs, day=TODAY)

    view = today(store, jo, TODAY)

    assert view.on == TODAY
    assert [(i.household_id, i.opens, i.target_id) for i in view.seen] == [
        (seen.id, Opens.HOUSEHOLD, visit.id),
        (old.id, Opens.HOUSEHOLD, old_visit.id),
    ]
    assert view.seen[0].reference == seen.reference
    assert view.seen[0].lead_name == "Ama Mensah"
    assert "stage" in view.seen[0].detail
    assert [(i.household_id, i.target_id) for i in view.waiting] == [(seen.id, big.id)]
    assert format_pence(big.total_pence) in view.waiting[0].detail
    assert [(i.opens, i.household_id) for i in view.drafts] == [
        (Opens.NEW_HOUSEHOLD, None),
        (Opens.VISIT, old.id),
    ]
    assert view.drafts[0].reference == "New household"
    assert view.reviews == []  # due in 84 days, not this week
    # Nothing has been synced on this laptop: both of Jo's households wait; not the other's.
    assert {i.household_id for i in view.unsynced} == {seen.id, old.id}
    assert all(i.detail == "Changes not synced yet" for i in view.unsynced)
    assert view.allowance_left_pence == 50_000 - spot.total_pence

    # 80 days on: the review is due within the week; 90 days on, overdue.
    later = today(store, jo, TODAY + timedelta(days=80))
    assert later.seen == []
    assert [(i.household_id, i.opens) for i in later.reviews] == [(old.id, Opens.REVIEW)]
    assert later.reviews[0].detail.startswith("Due ")
    overdue = today(store, jo, TODAY + timedelta(days=90))
    assert overdue.reviews[0].detail == "Overdue by 6 days"
    assert today(store, other, TODAY + timedelta(days=80)).reviews == []


def test_a_parked_change_is_listed_before_changes_only_waiting_for_a_sync(team: Team) -> None:
    jo = team.officers[0]
    first = households.create_household(team.store, jo, household_with_arrears(100))
    second = households.create_household(team.store, jo, household_with_arrears(200))
    with team.store.unit_of_work() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.name == "households.create")).all()
        refused = [r for r in rows if second.id.hex in r.touched or str(second.id) in r.touched]
        assert len(refused) == 1
        refused[0].state, refused[0].reason = parked.PARKED, "refused"
        session.add(refused[0])

    view = today(team.store, jo, TODAY)

    assert [(i.household_id, i.detail) for i in view.unsynced] == [
        (second.id, parked.NOT_ACCEPTED),
        (first.id, "Changes not synced yet"),
    ]


def test_an_empty_day_and_no_fund(team: Team) -> None:
    jo = team.officers[0]
    view = today(team.store, jo, TODAY.replace(year=TODAY.year + 2))
    assert view.seen == view.drafts == view.waiting == view.reviews == []
    assert view.allowance_left_pence is None  # no fund open that year
