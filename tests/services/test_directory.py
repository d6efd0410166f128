"""The services directory: an ORUK feed read page by page, checked, imported, matched, printed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import select

from caseworker.domain.directory import DirectoryService
from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.reports import write_family_copy
from caseworker.services import directory, households, visits
from caseworker.services.case_file import case_file
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.directory_tables import DirectoryServiceRow
from caseworker.sync.oruk import FeedRefused, read_feed
from caseworker.sync.rows import BY_NAME
from tests.directory_feed import pages, service
from tests.reports.pdf_tools import squash, text_of
from tests.services.packages_fixtures import VISIT_DAY, household_with_arrears, rules

# A Friday: 10:00 in London (GMT in November), so a Monday-to-Friday 9-to-5 service is open.
FRIDAY_10AM = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
SATURDAY_10AM = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class _Feed(BaseHTTPRequestHandler):
    feed_pages: ClassVar[list[dict[str, Any]]] = []
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        type(self).asked.append(self.path)
        number = int(parse_qs(url.query).get("page", ["1"])[0])
        if url.path != "/api/services" or not 1 <= number <= len(self.feed_pages):
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(self.feed_pages[number - 1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[tuple[str, type[_Feed]]]:
    """A directory feed served on this machine's loopback address."""

    class Handler(_Feed):
        feed_pages: ClassVar[list[dict[str, Any]]] = []
        asked: ClassVar[list[str]] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/services", Handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _rows(store: Store) -> dict[str, DirectoryServiceRow]:
    with store.read() as session:
        return {r.service_id: r for r in session.exec(select(DirectoryServiceRow)).all()}


def test_a_paged_feed_is_read_page_by_page_over_http_and_imported(
    store: Store, manager: User, feed_server: tuple[str, type[_Feed]]
) -> None:
    address, handler = feed_server
    handler.feed_pages = pages([service(n) for n in range(23)], size=10)
    feed = read_feed(address)
    assert feed.pages == 3
    assert [p.split("page=")[1] for p in handler.asked] == ["1", "2", "3"]
    assert len(feed.services) == 23 and not feed.problems
    first = feed.services[0]
    assert first.name == "Example Service 0000"
    assert first.organisation == "Example Charity 0"
    assert first.postcode == "SE15 1AB" and first.address == "1 Example Street, London"
    assert first.phone == "0300 000 0000" and first.email == "service0@example.org"
    assert first.languages == ("English",) and first.terms == ("Debt advice",)
    assert first.cost == "Everyone: free" and str(first.assured_date) == "2026-09-30"
    assert (first.latitude, first.longitude) == (51.47, -0.07)
    assert first.opening_words() == ["Monday, Tuesday, Wednesday, Thursday, Friday 09:00 to 17:00"]
    summary = directory.import_services(store, manager, feed.services, feed.source)
    assert (summary.added, summary.updated, summary.withdrawn) == (23, 0, 0)
    assert len(_rows(store)) == 23
    assert "127.0.0.1" in feed.source and "page" not in feed.source


def test_a_feed_address_must_be_https_unless_it_is_this_machine() -> None:
    with pytest.raises(FeedRefused, match="must start with https://"):
        read_feed("http://directory.example.org/api/services")


def test_paging_stops_at_total_pages_with_a_mock_transport() -> None:
    feed_pages = pages([service(n) for n in range(5)], size=2)
    for page in feed_pages:  # a feed that says only total_pages, not last_page
        del page["last_page"]
    asked: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        asked.append(number)
        return httpx.Response(200, json=feed_pages[number - 1])

    feed = read_feed("https://directory.example.org/api/services", httpx.MockTransport(answer))
    assert asked == [1, 2, 3] and len(feed.services) == 5


def test_a_bad_feed_names_each_service_field_and_what_was_expected(tmp_path: Path) -> None:
    good = [service(n) for n in range(4)]
    wrong_status = service(10, name="Family Debt Clinic")
    wrong_status["status"] = "open"
    no_name = service(11)
    del no_name["name"]
    bad_time = service(12, name="Evening Advice", opens="6pm")
    bad_type = service(13, name="Food Bank")
    bad_type["languages"] = "English"
    folder = tmp_path / "feed"
    folder.mkdir()
    for number, page in enumerate(pages([*good, wrong_status, no_name, bad_time, bad_type], 4)):
        (folder / f"page-{number + 1}.json").write_text(json.dumps(page), "utf-8")
    feed = read_feed(str(folder))
    assert feed.pages == 2 and len(feed.services) == 4
    said = [str(p) for p in feed.problems]
    assert (
        f"Family Debt Clinic (id {wrong_status['id']}): status: expected one of active, "
        "inactive, defunct, temporarily closed; found 'open'" in said
    )
    assert (
        f"service 2 on page 2 (id {no_name['id']}): name: is missing; the ORUK schema requires it"
        in said
    )
    assert (
        f"Evening Advice (id {bad_time['id']}): schedules 1, opens at: expected a time like "
        "09:00, found '6pm'" in said
    )
    assert f"Food Bank (id {bad_type['id']}): languages: expected a list, found 'English'" in said
    assert sorted(feed.unreadable_ids) == sorted(
        s["id"] for s in (wrong_status, no_name, bad_time, bad_type)
    )
    assert not any("Traceback" in s or "jsonschema" in s for s in said)


def test_a_page_that_is_not_an_oruk_page_is_refused_whole(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"services": []}), "utf-8")
    with pytest.raises(FeedRefused, match='services in a list called "contents"'):
        read_feed(str(page))


def test_reimport_updates_in_place_withdraws_what_vanished_and_restores_what_returns(
    store: Store, manager: User
) -> None:
    first = read_feed_of([service(n) for n in range(6)])
    directory.import_services(store, manager, first, "feed")
    before = _rows(store)
    moved = service(0, postcode="SE5 8AA")
    again = read_feed_of([moved, *(service(n) for n in range(1, 5))])  # 5 has vanished
    summary = directory.import_services(store, manager, again, "feed")
    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 1, 4, 1)
    after = _rows(store)
    assert len(after) == 6  # nothing duplicated, nothing deleted
    gone = after[first[5].service_id]
    assert gone.withdrawn_at is not None and gone.id == before[first[5].service_id].id
    assert after[first[0].service_id].postcode == "SE5 8AA"
    assert after[first[0].service_id].district == "SE5"
    assert directory.directory_size(store) == (5, 1)
    back = directory.import_services(store, manager, read_feed_of([service(5)]), "feed", [])
    assert back.restored == 1 and back.withdrawn == 5
    assert _rows(store)[first[5].service_id].withdrawn_at is None


def test_services_the_feed_got_wrong_are_left_as_they_were_not_withdrawn(
    store: Store, manager: User
) -> None:
    services = read_feed_of([service(n) for n in range(3)])
    directory.import_services(store, manager, services, "feed")
    summary = directory.import_services(
        store, manager, services[:2], "feed", unreadable_ids=[services[2].service_id]
    )
    assert summary.withdrawn == 0 and summary.left_as_they_were == 1
    assert _rows(store)[services[2].service_id].withdrawn_at is None


def test_only_a_manager_imports_the_directory(store: Store, officer: User) -> None:
    with pytest.raises(PermissionRefused, match="team manager"):
        directory.import_services(store, officer, read_feed_of([service(1)]), "feed")


def test_the_directory_table_travels_with_pull() -> None:
    assert BY_NAME["directory_service"].how == "replace"


def read_feed_of(raw: list[dict[str, Any]]) -> list[DirectoryService]:
    """The services of a feed held in memory (one page)."""
    feed_pages = pages(raw, size=max(1, len(raw)))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=feed_pages[int(request.url.params["page"]) - 1])

    feed = read_feed("https://directory.example.org/api/services", httpx.MockTransport(answer))
    assert not feed.problems, feed.problems
    return feed.services


# --- matching --------------------------------------------------------------------------


def test_matches_are_ordered_open_now_then_district_then_language(
    store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    assert household.postcode == "SE15 4QF"
    raw = [
        service(1, name="A closed today", terms=("Debt advice",), byday="SA", postcode="SE15 1AA"),
        service(2, name="B open far", terms=("Money advice",), postcode="SE1 1AA"),
        service(
            3,
            name="C open near",
            terms=("Debt advice",),
            postcode="SE15 2BB",
            languages=("English",),
        ),
        service(
            4,
            name="D open near Polish",
            terms=("Debt advice",),
            postcode="SE15 3CC",
            languages=("English", "Polish"),
        ),
        service(5, name="E benefits only", terms=("Benefits advice",), postcode="SE15 1AA"),
    ]
    directory.import_services(store, manager, read_feed_of(raw), "feed")
    ruleset = rules()
    names = [
        m.service.name
        for m in directory.matching_services(
            store, ruleset, household.id, "7.1", FRIDAY_10AM, languages=["polish"]
        )
    ]
    assert names == ["D open near Polish", "C open near", "B open far", "A closed today"]
    saturday = directory.matching_services(store, ruleset, household.id, "7.1", SATURDAY_10AM)
    assert saturday[0].service.name == "A closed today" and saturday[0].open_now
    assert [m.service.name for m in saturday[1:]] == [
        "C open near",
        "D open near Polish",
        "B open far",
    ]


def test_withdrawn_and_inactive_services_are_not_offered(
    store: Store, manager: User, officer: User
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    closed = service(2, name="Closed for now", terms=("Debt advice",))
    closed["status"] = "temporarily closed"
    directory.import_services(
        store, manager, read_feed_of([service(1, terms=("Debt advice",)), closed]), "feed"
    )
    directory.import_services(store, manager, read_feed_of([closed]), "feed")  # 1 withdrawn
    assert directory.matching_services(store, rules(), household.id, "7.1", FRIDAY_10AM) == []


# --- the referral and the family copy ---------------------------------------------------


def add_visit(store: Store, officer: User, household: Household) -> Visit:
    """A visit saved with the engine's recommendation (financial score 2: referral 7.1)."""
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": VISIT_DAY.strftime("%d/%m/%Y"),
            "financial": "2",
            "mental": "1",
            "social": "1",
            "human": "1",
        }
    )
    return visits.record_visit(store, officer, visit, rules=rules())


def test_a_chosen_service_is_printed_on_the_family_copy(
    store: Store, manager: User, officer: User, tmp_path: Path
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)  # financial score 2: referral 7.1
    raw = service(
        7,
        name="Peckham Money Advice Centre",
        terms=("Debt advice",),
        postcode="SE15 5DQ",
        phone="0300 000 1507",
    )
    directory.import_services(store, manager, read_feed_of([raw]), "feed")
    [match] = directory.matching_services(store, rules(), household.id, "7.1", FRIDAY_10AM)
    with pytest.raises(InvalidInput) as refused:
        directory.choose_service(store, officer, visit.id, "7.8", match.service.service_id)
    assert "was not recommended at this visit" in refused.value.fields["clause"]
    directory.choose_service(store, officer, visit.id, "7.1", match.service.service_id)
    case = case_file(store, household.id, visit.id)
    assert case.visits[-1].referral_services["7.1"].name == "Peckham Money Advice Centre"
    pdf = tmp_path / "family.pdf"
    write_family_copy(case, pdf)
    text = squash(text_of(pdf))
    assert "Peckham Money Advice Centre" in text
    assert "Phone: 0300 000 1507" in text
    assert "Address: 8 Example Street, London, SE15 5DQ" in text
    assert "Opening times: Monday, Tuesday, Wednesday, Thursday, Friday 09:00 to 17:00" in text
    assert "Citizens Advice Example" not in text  # the referrals.yaml entry is not used


def test_without_a_chosen_service_the_family_copy_falls_back_to_the_referral_list(
    store: Store, officer: User, tmp_path: Path
) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)
    pdf = tmp_path / "family.pdf"
    write_family_copy(case_file(store, household.id, visit.id), pdf)
    assert "Citizens Advice Example" in squash(text_of(pdf))


def test_the_visit_reads_as_before_when_no_service_was_chosen(store: Store, officer: User) -> None:
    household = households.create_household(store, officer, household_with_arrears(50_000))
    visit = add_visit(store, officer, household)
    assert [v.id for v in visits.visits_of(store, household.id)] == [visit.id]
    assert case_file(store, household.id).visits[-1].referral_services == {}


def test_a_service_without_a_readable_id_means_nothing_is_withdrawn(
    store: Store, manager: User, tmp_path: Path
) -> None:
    held = read_feed_of([service(n) for n in range(3)])
    directory.import_services(store, manager, held, "feed")
    no_id = service(2)
    del no_id["id"]
    page = tmp_path / "page.json"
    page.write_text(json.dumps(pages([service(0), service(1), no_id], 5)[0]), "utf-8")
    feed = read_feed(str(page))
    assert [str(p) for p in feed.problems] == [
        "service 3 on page 1: id: is missing; the ORUK schema requires it"
    ]
    assert not feed.every_id_read
    summary = directory.import_services(
        store, manager, feed.services, feed.source, feed.unreadable_ids, feed.every_id_read
    )
    assert summary.withdrawn == 0
    assert _rows(store)[held[2].service_id].withdrawn_at is None
