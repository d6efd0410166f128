"""A household's referrals with their chosen services, and why a referral has no services."""

from __future__ import annotations

from caseworker.domain.users import User
from caseworker.services import directory, households
from caseworker.store.database import Store
from tests.directory_feed import service
from tests.services.packages_fixtures import VISIT_DAY, household_with_arrears, rules
from tests.services.test_directory import FRIDAY_10AM, add_visit, read_feed_of


def test_referrals_of_lists_each_visit_referral_and_the_service_chosen(
    store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)  # financial score 2: referral 7.1
    [before] = [r for r in directory.referrals_of(store, household.id) if r.clause == "7.1"]
    assert before.visit_id == visit.id and before.visit_date == VISIT_DAY
    assert before.chosen is None and before.service
    raw = service(7, name="Peckham Money Advice Centre", terms=("Debt advice",))
    directory.import_services(store, manager, read_feed_of([raw]), "feed")
    directory.choose_service(store, officer, visit.id, "7.1", raw["id"])
    [after] = [r for r in directory.referrals_of(store, household.id) if r.clause == "7.1"]
    assert after.chosen is not None and after.chosen.name == "Peckham Money Advice Centre"


def test_an_empty_directory_is_said_plainly_with_the_fallback(store: Store, officer: User) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    found = directory.referral_choices(store, rules(), household.id, "7.1", FRIDAY_10AM)
    assert found.matches == []
    assert "directory is empty" in found.why_none
    assert "general details from the referral list" in found.why_none


def test_no_matching_service_names_the_terms_looked_for(
    store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    other = service(1, name="Benefits only", terms=("Benefits advice",))
    directory.import_services(store, manager, read_feed_of([other]), "feed")
    found = directory.referral_choices(store, rules(), household.id, "7.1", FRIDAY_10AM)
    assert found.matches == []
    assert "No service in the directory offers Debt advice" in found.why_none
    near = service(2, name="Near help", terms=("Debt advice",), postcode="SE15 2BB")
    directory.import_services(store, manager, read_feed_of([other, near]), "feed")
    found = directory.referral_choices(store, rules(), household.id, "7.1", FRIDAY_10AM)
    assert [m.service.name for m in found.matches] == ["Near help"] and found.why_none == ""
