"""The erasure inventory: complete, obeyed by retention, and covered by subject access."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Table, inspect, select, update
from sqlmodel import SQLModel

from caseworker.domain.assessment import Capitals
from caseworker.domain.household import Household
from caseworker.domain.packages import PaymentMethod
from caseworker.domain.reviews import Outcomes
from caseworker.services import erasure, households, packages, payments, retention, reviews
from caseworker.services.erasure import BY_TABLE, INVENTORY, HouseholdIds, Rule
from caseworker.services.subject_access import export_subject_access
from caseworker.store.database import Store
from caseworker.store.sync_tables import HouseholdConflict, HouseholdMergeRow, OutboxRow
from caseworker.store.tables import ConflictOfInterestRow, DraftRow
from tests.services.packages_fixtures import (
    TODAY,
    Team,
    add_visit,
    household_with_arrears,
    team_on,
)

NAMES = ("Quenby", "Thistlewood", "Marigold", "Pexbury", "07700 900123", "BACS-QX77")
REVIEW_DAY = date(2027, 2, 19)  # 84 days after TODAY's approval


def _is_text(column: Any) -> bool:
    return isinstance(column.type, String | JSON)


def _text_columns(tables: dict[str, Table]) -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in tables.values() for c in t.columns if _is_text(c)}


def _inventoried() -> set[tuple[str, str]]:
    return {(t.table, e.column) for t in INVENTORY for e in t.columns}


# --- the inventory is complete ------------------------------------------------------


def test_every_text_column_of_the_metadata_has_an_inventory_entry() -> None:
    missing = _text_columns(dict(SQLModel.metadata.tables)) - _inventoried()
    assert missing == set(), f"decide erase/de-identify/keep in services.erasure: {missing}"
    assert set(SQLModel.metadata.tables) <= set(BY_TABLE), "every table has an entry"


def test_every_inventory_entry_names_a_real_column_and_a_valid_erased_value() -> None:
    tables = SQLModel.metadata.tables
    for table in INVENTORY:
        assert table.table in tables, table.table
        for entry in table.columns:
            column = tables[table.table].c.get(entry.column)
            assert column is not None, (table.table, entry.column)
            assert entry.reason, (table.table, entry.column)
            if entry.rule is Rule.ERASE and entry.erased is None:
                assert column.nullable, (table.table, entry.column)
            if entry.rule is Rule.DEIDENTIFY:
                assert entry.deidentify is not None, (table.table, entry.column)
    personal_tables = {t for t, _ in erasure.personal_columns()}
    unlinked = {t.table for t in INVENTORY if t.link is erasure.Link.NONE}
    assert personal_tables and not personal_tables & unlinked  # subject access can find them


def test_the_migrated_schema_has_no_text_column_the_inventory_lacks(tmp_path: Path) -> None:
    """The migrations, not only the models: a column added by hand to a migration counts."""
    store = Store.open_local(tmp_path / "migrated.db")
    try:
        found = inspect(store.engine)
        text = {
            (name, c["name"])
            for name in found.get_table_names()
            if name != "alembic_version"
            for c in found.get_columns(name)
            if isinstance(c["type"], String | JSON)
        }
    finally:
        store.dispose()
    # Ids are CHAR(32) in SQLite; the models know them as UUIDs, which hold no text.
    tables = SQLModel.metadata.tables
    ids = {
        (t, c) for t, c in text if t in tables and c in tables[t].c and not _is_text(tables[t].c[c])
    }
    assert text and text - ids - _inventoried() == set()


# --- a real household with something in every column the inventory erases -------------


@pytest.fixture
def store(laptop_or_shared_store: Store) -> Store:
    """Each test here on a laptop's store and on a shared PostgreSQL store (conftest)."""
    return laptop_or_shared_store


@pytest.fixture
def team(store: Store) -> Team:
    return team_on(store)


def _family() -> Household:
    plain = household_with_arrears(12_000)
    lead = plain.members[0].model_copy(update={"first_name": "Quenby", "surname": "Thistlewood"})
    return plain.model_copy(
        update={
            "address_line1": "7 Marigold Row",
            "town": "Pexbury",
            "phone": "07700 900123",
            "members": [lead],
        }
    )


def _secret(table: str, column: str) -> str:
    return f"SECRET-{table}-{column}"


def _poison(team: Team, household_id: uuid.UUID) -> set[str]:
    """Put a distinctive value in every erased text column of the household's rows, and
    add the rows services do not make in a few steps; return the values put in."""
    officer, boss = team.officers[0], team.managers[0]
    other = households.create_household(team.store, officer, household_with_arrears(1_000))
    put: set[str] = set()
    with team.store.unit_of_work() as session:
        session.add(
            DraftRow(
                user_id=officer.id,
                kind="household",
                subject=str(household_id),
                payload={"typed": _secret("draft", "payload")},
            )
        )
        session.add(ConflictOfInterestRow(user_id=boss.id, household_id=household_id))
        session.add(
            HouseholdConflict(
                household_id=household_id,
                field="phone",
                base_value="",
                store_value="",
                their_value="",
                resolved_at=datetime(2026, 11, 28, tzinfo=UTC),
            )
        )
        session.add(
            HouseholdMergeRow(
                kept_id=household_id,
                merged_id=other.id,
                merged_by=boss.id,
                reason="",
                undone_at=datetime(2026, 11, 28, tzinfo=UTC),
                undone_by=boss.id,
            )
        )
        session.add(
            OutboxRow(
                mutation_id=10_000,
                client_id=uuid.uuid4(),
                name="households.update",
                args="",
                tape="[]",
                touched=json.dumps([["household", household_id.hex]]),
                digest="0" * 64,
            )
        )
        session.flush()
        ids = HouseholdIds.read(session, household_id)
        for entry in erasure.linked_tables():
            table = SQLModel.metadata.tables[entry.table]
            for e in entry.columns:
                column = table.c[e.column]
                if e.rule is Rule.KEEP or not _is_text(column):
                    continue
                value = _poison_value(entry.table, e.column, household_id)
                if value is None:
                    continue
                where = erasure.where_linked(entry, ids)
                if (entry.table, e.column) == ("outbox", "args"):  # linked by what args name
                    where = table.c.mutation_id == 10_000
                session.execute(update(table).where(where).values({e.column: value}))
                put.add(_secret(entry.table, e.column))
    return put


def _poison_value(table: str, column: str, household_id: uuid.UUID) -> Any:
    secret = _secret(table, column)
    match (table, column):
        case ("household", "postcode") | ("visit", "recommendation") | ("audit_event", "payload"):
            return None  # read back as structure by the case file: their real values are tested
        case ("package", "items"):
            item = {"clause": "5.1", "item": "Rent arrears", "amount_pence": 1, "exception": True}
            return json.dumps(
                [{**item, "recommended_pence": 1, "explanation": secret, "reason": secret}]
            )
        case ("package", "explanation"):
            return json.dumps([secret])
        case ("payment", "details"):
            return json.dumps({"route": "cash_out", "phone": secret})
        case ("draft", "payload"):
            return {"typed": secret}
        case ("outbox", "args"):
            return json.dumps({"household_id": str(household_id), "typed": secret})
        case ("household_conflict", _):
            return json.dumps(secret)
    return secret


def _case(team: Team) -> uuid.UUID:
    """A paid package, a recorded review with notes, and every other erased column filled."""
    officer = team.officers[0]
    household = households.create_household(team.store, officer, _family())
    visit = add_visit(team.store, officer, household)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)
    packages.record_payment(
        team.store, officer, package.id, PaymentMethod.BANK_TRANSFER, "BACS-QX77"
    )
    # A second award, paid by a route and reconciled with finance's file.
    again = add_visit(team.store, officer, household, food=True)
    second = packages.propose(team.store, officer, team.rules, again.id, [], TODAY)
    packages.approve_on_the_spot(team.store, officer, team.rules, second.id, TODAY)
    payment = payments.instruct_from_form(
        team.store,
        officer,
        second.id,
        "cash_out",
        {"code": "QUENBY77", "delivery": "text", "phone": "07700900123"},
        TODAY,
    )
    payments.import_finance_file(
        team.store,
        team.managers[0],
        "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"
        f"F1,{payment.reference},cash_out,failed,{payment.amount_pence / 100:.2f},"
        f"{TODAY.isoformat()},BY77,Quenby's phone was off\n",
        TODAY,
    )
    due = reviews.reviews_for(team.store, officer, REVIEW_DAY).due[0]
    reviews.record_review(
        team.store,
        officer,
        due.review.id,
        Capitals(financial=1, mental=0, social=0, human=0),
        Outcomes(),
        REVIEW_DAY,
        "Quenby's landlord rang about the Marigold Row flat",
    )
    return household.id


def _everything_text(store: Store) -> str:
    """Every text value in every table, one per line."""
    lines: list[str] = []
    with store.read() as session:
        for table in SQLModel.metadata.tables.values():
            columns = [c for c in table.columns if _is_text(c)]
            if columns:
                for row in session.execute(select(*columns)).all():
                    lines.extend(
                        json.dumps(v) if isinstance(v, dict | list) else str(v) for v in row
                    )
    return "\n".join(lines)


def _linked_rows(store: Store, household_id: uuid.UUID) -> dict[str, dict[tuple[Any, ...], Any]]:
    """The household's rows in each linked table, by primary key."""
    out: dict[str, dict[tuple[Any, ...], Any]] = {}
    with store.read() as session:
        ids = HouseholdIds.read(session, household_id)
        for entry in erasure.linked_tables():
            table = SQLModel.metadata.tables[entry.table]
            keys = [c.name for c in table.primary_key.columns]
            rows = session.execute(select(table).where(erasure.where_linked(entry, ids))).all()
            out[entry.table] = {tuple(getattr(r, k) for k in keys): r for r in rows}
    return out


def test_retention_erases_review_notes_and_every_erase_column(team: Team) -> None:
    household_id = _case(team)
    put = _poison(team, household_id)
    before = _everything_text(team.store)
    assert all(s in before for s in put) and all(n in before for n in NAMES)
    assert "Quenby's landlord rang" in before  # the review's notes, through the service
    rows_before = _linked_rows(team.store, household_id)
    assert all(rows_before[t.table] for t in erasure.linked_tables()), "a row in every table"

    retention.deidentify(team.store, team.managers[0], household_id)

    after = _everything_text(team.store)
    assert [s for s in (*put, *NAMES, "landlord rang") if s in after] == []
    rows_after = _linked_rows(team.store, household_id)
    for entry in erasure.linked_tables():
        # Rows written by the de-identification itself (its audit entry, its outbox row)
        # are not the household's old data.
        kept = [r for k, r in rows_after[entry.table].items() if k in rows_before[entry.table]]
        if entry.delete_rows:
            assert kept == [], entry.table
            continue
        assert kept, entry.table
        for e in entry.columns:
            if e.rule is Rule.ERASE:
                values = {getattr(r, e.column) for r in kept}
                assert values == {e.erased}, (entry.table, e.column, values)
    found = list(rows_after["review"].values())  # two awards, two reviews
    assert {r.notes for r in found} == {""}
    assert [r.financial for r in found if r.completed_on] == [1]  # the score stays
    [household] = rows_after["household"].values()
    assert household.postcode == "SE15" and household.archived


def test_subject_access_shows_every_column_the_inventory_marks_personal(
    team: Team, tmp_path: Path
) -> None:
    household_id = _case(team)
    put = _poison(team, household_id)
    [json_path, _pdf] = export_subject_access(
        team.store, team.managers[0], household_id, tmp_path / "sar"
    )
    text = json_path.read_text("utf-8")
    assert [s for s in put if s not in text] == []
    assert all(n in text for n in NAMES)
    held = json.loads(text)["held"]
    for table, column in erasure.personal_columns():
        rows = held.get(table)
        assert rows, f"no {table} rows in the export"
        assert all(column in row for row in rows), (table, column)
