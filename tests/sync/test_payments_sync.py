"""A finance import made on one laptop reaches the team store and another laptop."""

from __future__ import annotations

from caseworker.services import fund, payments
from caseworker.services.audit_check import verify_store
from tests.services.packages_fixtures import TODAY, team_on
from tests.services.test_payments import PAID_ON, _reconciliation_case
from tests.sync.conftest import Laptop


def test_instructions_and_the_import_sync_and_replay_to_the_same_figures(
    laptops: list[Laptop],
) -> None:
    a, b, _ = laptops
    team = team_on(a.store)
    manager = team.managers[0]
    _paid, text = _reconciliation_case(team)
    payments.import_finance_file(team.store, manager, text, PAID_ON)
    pushed = a.sync().pushed
    assert pushed.refused == 0 and pushed.applied > 0
    b.sync()

    def view(store: object) -> tuple[object, ...]:
        seen = payments.reconciliation(store, manager, PAID_ON)  # type: ignore[arg-type]
        return (
            [x.reference for x in seen.paid],
            [x.reference for x in seen.failed],
            [x.reference for x in seen.returned],
            [x.reference for x in seen.paid_twice],
            [x.line_id for x in seen.unmatched],
            fund.fund_summary(store, manager, TODAY),  # type: ignore[arg-type]
        )

    assert view(a.shared) == view(a.store) == view(b.store)
    assert len(view(b.store)[0]) == 2  # type: ignore[arg-type]
    for store in (a.shared, b.store):
        assert verify_store(store)[1] is None
    # The same file imported on the other laptop changes nothing anywhere.
    again = payments.import_finance_file(b.store, manager, text, PAID_ON)
    assert again.changed_nothing
    assert b.sync().pushed.refused == 0
    assert view(a.shared) == view(b.store)
