"""An upgrade keeps the data: a store written by the previous release (schema 0004),
encrypted as on a real laptop, opens with this release (head) with every record intact."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from alembic.script import ScriptDirectory
from argon2 import PasswordHasher

from caseworker import paths
from caseworker.services import households, users
from caseworker.services.case_file import case_file
from caseworker.store.database import Store, _alembic_config, _sqlite_engine
from caseworker.store.encryption import is_plaintext, open_encrypted, store_key
from tests.conftest import PASSWORD, make_household

PREVIOUS_RELEASE = "0004"


def _write_previous_release_store(path: Path) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Rows as the 0004 release wrote them: a manager, a household with members, a visit."""
    old = Store(_sqlite_engine(path, store_key(path)))
    old.upgrade(PREVIOUS_RELEASE)
    assert old.current_revision() == PREVIOUS_RELEASE
    manager_id, visit_id = uuid.uuid4(), uuid.uuid4()
    household = make_household()
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO user_account (id, name, officer_code, role, created_at, password_hash,"
            " failed_sign_ins) VALUES (?, 'Morgan Lee', 'TM01', 'manager', '2026-10-01', ?, 0)",
            (manager_id.hex, PasswordHasher().hash(PASSWORD)),
        )
        conn.exec_driver_sql(
            "INSERT INTO household (id, reference, address_line1, address_line2, town, postcode,"
            " phone, email, savings_pence, rent_arrears_pence, created_by, created_at,"
            " updated_at, version, archived) VALUES (?, 'TM01-00041', '12 Rye Lane', '', '',"
            " 'SE15 4QF', '', '', 12000, 124000, ?, '2026-10-02', '2026-10-02', 1, 0)",
            (household.id.hex, manager_id.hex),
        )
        for position, member in enumerate(household.members):
            conn.exec_driver_sql(
                "INSERT INTO member (id, household_id, position, first_name, surname,"
                " date_of_birth, relationship, reduced_hours, in_education_or_training)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
                (
                    member.id.hex,
                    household.id.hex,
                    position,
                    member.first_name,
                    member.surname,
                    str(member.date_of_birth),
                    member.relationship.value,
                ),
            )
        conn.exec_driver_sql(
            "INSERT INTO visit (id, household_id, officer_id, visit_date, venue, point_of_need,"
            " no_money_for_food_or_fuel, unfamiliar_with_benefits, family_strain, substance_use,"
            " created_at, updated_at, version, policy_version, recommendation) VALUES (?, ?, ?,"
            " '2026-10-05', 'Library', 'Rent arrears after hours cut', 1, 0, 0, 0,"
            " '2026-10-05', '2026-10-05', 1, '2026-10', '')",
            (visit_id.hex, household.id.hex, manager_id.hex),
        )
    old.dispose()
    return manager_id, household.id, visit_id


def test_upgrade_from_the_previous_release_keeps_the_data(data_dir: Path) -> None:
    path = paths.local_store_path()
    manager_id, household_id, visit_id = _write_previous_release_store(path)
    assert not is_plaintext(path)

    store = open_encrypted(path)  # what the new release does on its first start
    try:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        assert store.current_revision() == head != PREVIOUS_RELEASE
        manager = users.sign_in(store, "TM01", PASSWORD)
        assert manager.id == manager_id and manager.name == "Morgan Lee"
        loaded = households.get_household(store, household_id)
        assert loaded.reference == "TM01-00041"
        assert (loaded.savings_pence, loaded.rent_arrears_pence) == (12_000, 124_000)
        assert [m.first_name for m in loaded.members] == ["Zoë", "민준"]
        case = case_file(store, household_id)
        assert [v.visit.id for v in case.visits] == [visit_id]
        assert case.visits[0].policy_version == "2026-10"
        assert case.visits[0].visit.visit_date == date(2026, 10, 5)
        # The upgraded store goes on working: the next reference follows the old ones.
        created = households.create_household(store, manager, make_household())
        assert created.reference == "TM01-00042"
    finally:
        store.dispose()
    # And a second start finds nothing to do.
    again = open_encrypted(path)
    try:
        assert again.current_revision() == head
        assert households.get_household(again, household_id).reference == "TM01-00041"
    finally:
        again.dispose()
