import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from caseworker.domain.household import Household
from caseworker.services import households, users
from caseworker.store.database import HEAD_REVISION, Store, _alembic_config, _sqlite_engine
from caseworker.store.errors import StoreTooNew, StoreUnreadable
from tests.conftest import make_household


def test_head_constant_matches_alembic() -> None:
    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == HEAD_REVISION


def test_first_migration_upgrades_to_head_with_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Store(_sqlite_engine(path))
    old.upgrade("0001")
    assert old.current_revision() == "0001"
    # Write through the 0001 schema the way that release did (no search terms yet).
    household: Household = make_household()
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO household (id, reference, address_line1, address_line2, town, postcode,"
            " phone, email, savings_pence, created_at, updated_at, version, archived)"
            " VALUES (?, 'JS01-00007', '12 Rye Lane', '', '', 'SE15 4QF', '', '', 12000,"
            " '2026-11-01', '2026-11-01', 1, 0)",
            (household.id.hex,),
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
    old.dispose()

    store = Store.open_local(path)
    assert store.current_revision() == HEAD_REVISION
    loaded = households.get_household(store, household.id)
    assert loaded.savings_pence == 12_000
    assert [m.first_name for m in loaded.members] == ["Zoë", "민준"]
    # The new search index was filled from the old rows.
    assert [s.reference for s in households.search(store, "obrien")] == ["JS01-00007"]
    # And the upgraded store keeps working.
    officer = users.system_user(store, "Jo Smith", "JS01")
    assert households.create_household(store, officer, make_household()).reference == "JS01-00008"
    store.dispose()


def test_store_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store.open_local(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(StoreTooNew, match="newer version of Caseworker"):
        Store.open_local(path)
    assert path.read_bytes() == before


def test_unreadable_store_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnreadable, match="Move the file aside"):
        Store.open_local(path)
