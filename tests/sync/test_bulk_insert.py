"""Many rows written at once (``store.bulk.insert_many``: ``COPY`` on PostgreSQL, as a
sync push writes them) read back exactly as the rows the insert would have written."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseworker.domain.household import Benefit
from caseworker.services import audit
from caseworker.services.audit import AuditTrail
from caseworker.store import households as repo
from caseworker.store.bulk import COPY_FROM, insert_many
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, MemberRow, SearchTermRow
from tests.conftest import make_household

MANY = COPY_FROM + 5


def test_households_written_together_read_back_as_saved(shared: Store) -> None:
    saved = [
        make_household(
            benefits=[None, [], [Benefit.UNIVERSAL_CREDIT, Benefit.CHILD_BENEFIT]][n % 3],
            reference=f"JS01-{n:05d}",
            address_line1=f"{n} Rye Lane",
            savings_pence=None if n % 2 else n * 100,
        )
        for n in range(MANY)
    ]
    with shared.unit_of_work() as session:
        repo.write_behind(session)
        for household in saved:
            repo.save_household(session, household, None, stored=None)
        repo.write_pending(session, stop=True)
    with shared.read() as session:
        for household in saved:
            assert repo.load_household(session, household.id) == household
        terms = session.execute(select(SearchTermRow.household_id)).scalars().all()
    assert set(terms) == {h.id for h in saved}


def test_audit_entries_written_together_keep_their_chain(shared: Store) -> None:
    with shared.unit_of_work() as session:
        trail = AuditTrail(session, None)
        for n in range(MANY):
            trail.record("household", uuid.uuid4(), "updated", {"phone": {"after": f"0207 {n}"}})
    with shared.read() as session:
        rows = session.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars().all()
        assert len(rows) == MANY
        assert audit.verify(rows) == (MANY, None)
        assert audit.payload_of(rows[-1]) == {"phone": {"after": f"0207 {MANY - 1}"}}


def test_a_refused_row_fails_the_write_as_an_insert_does(shared: Store) -> None:
    household = make_household()
    with shared.unit_of_work() as session:
        repo.save_household(session, household, None, stored=None)
    again = repo._member_rows(household) * MANY  # the members' ids are taken
    with pytest.raises(IntegrityError), shared.unit_of_work() as session:
        insert_many(session.connection(), MemberRow.__table__, again)
