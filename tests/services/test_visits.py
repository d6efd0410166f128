from datetime import date

import pytest

from caseworker.domain.users import User
from caseworker.services import drafts, households, visits
from caseworker.services.errors import InvalidInput
from caseworker.store.database import Store
from caseworker.store.tables import VisitRow
from tests.conftest import make_household


def test_record_visit_with_stage_and_long_note(store: Store, officer: User) -> None:
    household = households.create_household(store, officer, make_household())
    note = "Hours cut at the depot. " * 417  # over 10,000 characters
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": "27/11/2026",
            "point_of_need": note,
            "financial": "2",
            "mental": "3",
            "social": "0",
            "human": "1",
            "no_money_for_food_or_fuel": True,
            "childcare_cost_pence": "120.00",
            "hearing_date": "10/12/2026",
            "need_categories": ["food_or_fuel"],
        }
    )
    drafts.save_draft(store, officer, "visit", str(household.id), {"point_of_need": "x"})
    visits.record_visit(store, officer, visit, draft=str(household.id))
    [saved] = visits.visits_of(store, household.id)
    assert len(saved.point_of_need) > 10_000 and saved.point_of_need == note.strip()
    assert saved.childcare_cost_pence == 12_000
    assert saved.hearing_date == date(2026, 12, 10)
    with store.read() as session:
        assert session.get(VisitRow, visit.id).stage == 4  # type: ignore[union-attr]
    assert households.search(store, household.reference)[0].last_visit == date(2026, 11, 27)
    assert drafts.load_draft(store, officer, "visit", str(household.id)) is None
    assert visits.timeline(store, household.id)[0].what == "Visit recorded"


def test_every_bad_visit_field_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as info:
        visits.build_visit(
            {
                "household_id": "00000000-0000-0000-0000-000000000001",
                "visit_date": "",
                "mental": "7",
                "tools_cost_pence": "ten",
            }
        )
    assert set(info.value.fields) == {"visit_date", "mental", "tools_cost_pence"}
    assert info.value.fields["mental"] == "Mental capital: must be a score from 0 to 3"


def test_drafts_keep_raw_text_per_user_and_subject(store: Store, officer: User) -> None:
    drafts.save_draft(store, officer, "household", "new", {"postcode": "not yet valid"})
    drafts.save_draft(store, officer, "household", "new", {"postcode": "SE15"})
    assert drafts.load_draft(store, officer, "household", "new") == {"postcode": "SE15"}
    assert drafts.load_draft(store, officer, "visit", "new") is None
    drafts.discard_draft(store, officer, "household", "new")
    assert drafts.load_draft(store, officer, "household", "new") is None
