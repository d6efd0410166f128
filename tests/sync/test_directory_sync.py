"""The services directory travels with the sync: imported on one laptop, found on another."""

from __future__ import annotations

from sqlmodel import select

from caseworker.domain.users import Role
from caseworker.services import directory, households, users, visits
from caseworker.store.directory_tables import DirectoryServiceRow
from caseworker.store.tables import VisitRow
from tests.conftest import PASSWORD
from tests.directory_feed import service
from tests.services.packages_fixtures import VISIT_DAY, household_with_arrears, rules
from tests.services.test_directory import FRIDAY_10AM, read_feed_of
from tests.sync.conftest import Laptop


def test_an_import_and_a_chosen_service_reach_every_laptop(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    manager = users.create_first_manager(a.store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(a.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    feed = read_feed_of([service(n, terms=("Debt advice",), postcode="SE15 1AA") for n in range(3)])
    directory.import_services(a.store, manager, feed, "feed")
    household = households.create_household(a.store, officer, household_with_arrears(50_000))
    visit = visits.record_visit(
        a.store,
        officer,
        visits.build_visit(
            {
                "household_id": str(household.id),
                "visit_date": VISIT_DAY.strftime("%d/%m/%Y"),
                "financial": "2",
                "mental": "1",
                "social": "1",
                "human": "1",
            }
        ),
        rules=rules(),
    )
    directory.choose_service(a.store, officer, visit.id, "7.1", feed[1].service_id)
    report = a.sync()
    assert report.pushed.refused == 0
    b.sync()
    with b.store.read() as session:
        held = session.exec(select(DirectoryServiceRow)).all()
        chosen = session.get(VisitRow, visit.id)
    assert sorted(r.service_id for r in held) == sorted(s.service_id for s in feed)
    assert chosen is not None and feed[1].service_id in chosen.referral_services
    matches = directory.matching_services(b.store, rules(), household.id, "7.1", FRIDAY_10AM)
    assert len(matches) == 3  # offline, from the laptop's own copy

    directory.import_services(a.store, manager, feed[:2], "feed")  # one service vanished
    a.sync()
    b.sync()
    assert directory.directory_size(b.store) == (2, 1)
    with a.shared.read() as session:
        assert len(session.exec(select(DirectoryServiceRow)).all()) == 3
