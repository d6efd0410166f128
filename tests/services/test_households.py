from datetime import date

import pytest
from sqlmodel import col, select

from caseworker.domain.household import Member
from caseworker.domain.merge import flatten
from caseworker.domain.users import Role, User
from caseworker.services import households, users, visits
from caseworker.services.audit import canonical, diff, iter_chain, payload_of, verify
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, HouseholdRow
from tests.conftest import PASSWORD, make_household
from tests.services.packages_fixtures import rules


def test_create_assigns_officer_reference_and_audits(store: Store, officer: User) -> None:
    first = households.create_household(store, officer, make_household())
    second = households.create_household(store, officer, make_household())
    assert (first.reference, second.reference) == ("JS01-00001", "JS01-00002")
    loaded = households.get_household(store, first.id)
    assert [m.full_name for m in loaded.members] == ["Zoë O'Brien-Smith", "민준 김"]
    with store.read() as session:
        events = session.exec(
            select(AuditEventRow).where(AuditEventRow.household_id == first.id)
        ).all()
    assert [e.action for e in events] == ["created"]
    assert payload_of(events[0])["postcode"] == {"before": None, "after": "SE15 4QF"}


def test_a_household_audit_payload_is_the_canonical_text_of_its_diff(
    store: Store, officer: User
) -> None:
    """Written without walking the diff (it is JSON already): the very text canonical() makes."""
    saved = households.create_household(store, officer, make_household())
    edited = households.update_household(
        store, officer, saved.model_copy(update={"phone": "0207 946 0000", "benefits": []})
    )
    with store.read() as session:
        payloads = session.exec(
            select(AuditEventRow.payload)
            .where(AuditEventRow.household_id == saved.id)
            .order_by(col(AuditEventRow.seq))
        ).all()
    created = diff({}, flatten(saved, presence=False))
    updated = diff(flatten(saved, presence=False), flatten(edited, presence=False))
    assert list(updated) == ["benefits", "phone"]
    assert payloads == [canonical(created), canonical(updated)]


def test_update_records_before_and_after(store: Store, officer: User) -> None:
    saved = households.create_household(store, officer, make_household())
    households.update_household(store, officer, saved.model_copy(update={"savings_pence": 600_000}))
    entries = visits.timeline(store, saved.id)
    assert entries[0].what == "Household details changed"
    assert entries[0].changes == {"savings_pence": {"before": 12_000, "after": 600_000}}
    assert entries[0].who == "Jo Smith"
    with store.read() as session:
        assert verify(iter_chain(session)) == (4, None)  # 2 users, create, update


def test_update_without_change_writes_no_audit(store: Store, officer: User) -> None:
    saved = households.create_household(store, officer, make_household())
    households.update_household(store, officer, saved)
    assert len(visits.timeline(store, saved.id)) == 1


def test_search_by_each_kind_of_term(store: Store, officer: User) -> None:
    saved = households.create_household(store, officer, make_household())
    households.create_household(
        store,
        officer,
        make_household(
            postcode="SE1 1AA",
            members=[Member(first_name="Anna", surname="Jones", date_of_birth=date(1990, 1, 1))],
        ),
    )
    for query in [
        "obrien",
        "O'Brien-Smith",
        "zoe",
        "ZOË",
        "se15",
        "SE15 4QF",
        "12/03/1985",
        "1985-03-12",
        saved.reference,
        "김",
        "zoe se15",
    ]:
        found = [s.reference for s in households.search(store, query)]
        assert found == [saved.reference], query
    assert households.search(store, "zoe se1 1aa") == []
    assert len(households.search(store, "")) == 2


def test_lead_contact_shown_in_list(store: Store, officer: User) -> None:
    household = make_household()
    household = household.model_copy(update={"members": list(reversed(household.members))})
    households.create_household(store, officer, household)
    assert households.search(store, "zoe")[0].lead_name == "Zoë O'Brien-Smith"


def test_household_needs_a_member(store: Store, officer: User) -> None:
    with pytest.raises(InvalidInput) as info:
        households.create_household(store, officer, make_household(members=[]))
    assert "members" in info.value.fields
    with store.read() as session:
        assert session.exec(select(HouseholdRow)).first() is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "XYZ", "Postcode: is not a UK postcode"),
        ("savings_pence", "-5", "Savings: must not be negative"),
        ("savings_pence", "lots", "Savings: must be an amount in pounds"),
        ("rent_arrears_pence", "1.234", "Rent arrears: must be an amount in pounds"),
    ],
)
def test_bad_household_input_names_field(field: str, value: str, message: str) -> None:
    values = {"postcode": "SE15 4QF", field: value}
    with pytest.raises(InvalidInput) as info:
        households.build_household(values, make_household().members)
    assert info.value.fields[field].startswith(message)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"first_name": "A", "surname": "", "date_of_birth": ""}, "surname", "must not be empty"),
        (
            {"first_name": "A", "surname": "B", "date_of_birth": "01/01/2999"},
            "date_of_birth",
            "cannot be in the future",
        ),
        (
            {"first_name": "A", "surname": "B", "date_of_birth": "31/12/1899"},
            "date_of_birth",
            "1900 or later",
        ),
        (
            {"first_name": "A", "surname": "B", "date_of_birth": "yesterday"},
            "date_of_birth",
            "31/12/1985",
        ),
    ],
)
def test_bad_member_input_names_field(values: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        households.build_member(values)
    assert message in info.value.fields[field]


@pytest.mark.parametrize("name", ["Zoë", "Łukasz", "Nguyễn", "김민준", "O'Brien-Smith"])
def test_names_in_any_script_round_trip_exactly(store: Store, officer: User, name: str) -> None:
    member = households.build_member({"first_name": name, "surname": name})
    saved = households.create_household(store, officer, make_household(members=[member]))
    assert households.get_household(store, saved.id).members[0].first_name == name
    assert households.search(store, name)[0].lead_name == f"{name} {name}"


def test_form_round_trip(store: Store, officer: User) -> None:
    saved = households.create_household(store, officer, make_household())
    form = households.household_form(saved)
    assert form["rent_arrears_pence"] == "1,240.00"
    rebuilt = households.build_household(form, saved.members)
    assert rebuilt.rent_arrears_pence == 124_000


def test_users_need_a_manager_and_a_unique_code(store: Store, manager: User) -> None:
    assert not users.needs_first_manager(store)
    with pytest.raises(PermissionRefused, match="already exists"):
        users.create_first_manager(store, "Sam Patel", "SP01", PASSWORD)
    officer = users.add_user(store, manager, "Jo Smith", "js01", Role.OFFICER, PASSWORD)
    assert officer.officer_code == "JS01"
    with pytest.raises(InvalidInput, match="already in use"):
        users.add_user(store, manager, "Jo Smythe", "JS01", Role.OFFICER, PASSWORD)
    with pytest.raises(PermissionRefused, match="Only a team manager"):
        users.add_user(store, officer, "Al Green", "AG01", Role.OFFICER, PASSWORD)
    with pytest.raises(InvalidInput) as info:
        users.add_user(store, manager, "", "1", Role.OFFICER, PASSWORD)
    assert set(info.value.fields) == {"name", "officer_code"}
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        users.add_user(store, manager, "Al Green", "AG01", Role.OFFICER, "short")


def test_typed_postcode_with_space_matches_only_that_postcode(store: Store, officer: User) -> None:
    wanted = households.create_household(store, officer, make_household(postcode="SE1 4PQ"))
    for other in ("SE14 4PQ", "SE11 4PQ", "SE15 4QF"):
        households.create_household(store, officer, make_household(postcode=other))
    for query in ("SE1 4PQ", "se1 4p", "SE14PQ"):
        assert [s.reference for s in households.search(store, query)] == [wanted.reference]
    assert len(households.search(store, "SE1")) == 4  # a district prefix still browses widely


def test_every_household_amount_is_read_as_pounds_and_reaches_the_engines_facts(
    store: Store, officer: User
) -> None:
    """One list of the household's amounts (``MONEY_FIELDS``) for the form and the facts."""
    from caseworker.domain.household import MONEY_FIELDS
    from caseworker.services.facts_reader import read_facts

    assert MONEY_FIELDS == (
        "savings_pence",
        "rent_arrears_pence",
        "mortgage_arrears_pence",
        "utility_arrears_pence",
        "council_tax_arrears_pence",
        "other_debts_pence",
    )
    lead = make_household().members[0]
    form = {"postcode": "SE15 4QN"} | {name: f"{i + 1}.25" for i, name in enumerate(MONEY_FIELDS)}
    built = households.build_household(form, [lead])
    assert [getattr(built, n) for n in MONEY_FIELDS] == [125, 225, 325, 425, 525, 625]
    created = households.create_household(store, officer, built)
    visit = visits.record_visit(
        store,
        officer,
        visits.build_visit({"household_id": str(created.id), "visit_date": "20/11/2026"}),
    )
    with store.read() as session:
        facts = read_facts(session, created.id, visit.id, rules())
    assert [getattr(facts.household, n) for n in MONEY_FIELDS] == [125, 225, 325, 425, 525, 625]
