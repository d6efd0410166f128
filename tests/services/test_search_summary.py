"""Search results say where each family stands: stage, last visit, pending package, review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from caseworker.domain.packages import PackageStatus, PaymentMethod
from caseworker.services import households, packages
from caseworker.store import households as repo
from tests.services.packages_fixtures import (
    TODAY,
    VISIT_DAY,
    Team,
    add_visit,
    household_with_arrears,
)


def test_each_result_has_its_stage_pending_package_and_review(team: Team) -> None:
    jo = team.officers[0]
    store, rules = team.store, team.rules
    waiting = households.create_household(store, jo, household_with_arrears(40_000))
    visit = add_visit(store, jo, waiting)
    big = packages.propose(store, jo, rules, visit.id, [], TODAY)
    packages.send_to_manager(store, jo, big.id)
    yes = households.create_household(store, jo, household_with_arrears(12_000))
    yes_visit = add_visit(store, jo, yes)
    spot = packages.propose(store, jo, rules, yes_visit.id, [], TODAY)
    spot = packages.approve_on_the_spot(store, jo, rules, spot.id, TODAY)
    packages.record_payment(store, jo, spot.id, PaymentMethod.BANK_TRANSFER, "REF-1")
    new = households.create_household(store, jo, household_with_arrears(100))

    found = {s.id: s for s in households.search(store, "Mensah")}

    assert found[waiting.id].stage == 3 and found[waiting.id].last_visit == VISIT_DAY
    assert found[waiting.id].pending_status == PackageStatus.AWAITING_MANAGER
    assert found[waiting.id].pending_pence == big.total_pence
    assert found[waiting.id].review_due is None
    assert found[yes.id].pending_status is None  # paid: nothing pending
    assert found[yes.id].review_due == TODAY + timedelta(days=84)
    assert found[new.id].stage is None and found[new.id].last_visit is None
    assert found[new.id].pending_status is None and found[new.id].review_due is None


def test_a_page_of_results_is_read_in_one_query(team: Team) -> None:
    jo = team.officers[0]
    made = [
        households.create_household(team.store, jo, household_with_arrears(100 + i))
        for i in range(30)
    ]
    for household in made[:10]:
        visit = add_visit(team.store, jo, household)
        packages.propose(team.store, jo, team.rules, visit.id, [], TODAY)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(team.store.engine, "before_cursor_execute", count)
    try:
        with team.store.read() as session:
            rows = repo.summaries(session, [h.id for h in made])
    finally:
        event.remove(team.store.engine, "before_cursor_execute", count)
    assert len(rows) == 30
    assert sum(1 for r in rows if r.pending_status == PackageStatus.RECOMMENDED) == 10
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
