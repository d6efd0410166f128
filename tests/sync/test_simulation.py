"""Three laptops and one store, driven by hypothesis: random offline edits, decisions and
allowance moves; pushes and pulls in any order; lost answers, repeated pushes and a
push killed with SIGKILL. After a final sync every laptop equals the store."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from caseworker.domain.packages import PackageStatus
from caseworker.domain.users import Role
from caseworker.services import fund, households, packages, users
from caseworker.services.audit_check import verify_store
from caseworker.services.errors import ServiceError
from caseworker.services.outbox import client_row, pending
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.tables import AuditEventRow, HouseholdRow, PackageRow
from caseworker.sync.push import Entry, push
from caseworker.sync.run import sync
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears, rules
from tests.sync.conftest import Databases

ROOT = Path(__file__).resolve().parents[2]
RULES = rules()
PHONES = ["020 7946 0001", "020 7946 0002", "07700 900003"]
TOWNS = ["Peckham", "Camberwell"]


class Simulation(RuleBasedStateMachine):
    databases: Databases
    folder: Path

    def __init__(self) -> None:
        super().__init__()
        self.url = self.databases.new()
        self.shared = Store.open_shared(self.url, upgrade=True)
        name = os.urandom(4).hex()
        self.laptops = [Store.open_local(self.folder / f"{name}-{i}.db") for i in range(3)]
        first = self.laptops[0]
        self.manager = users.create_first_manager(first, "Morgan Lee", "TM01", PASSWORD)
        self.manager2 = users.add_user(
            first, self.manager, "Sam Roy", "TM02", Role.MANAGER, PASSWORD
        )
        self.officers = [
            users.add_user(first, self.manager, f"Officer {i}", f"OF0{i}", Role.OFFICER, PASSWORD)
            for i in (1, 2)
        ]
        fund.open_fund(first, self.manager, 300_000, TODAY)
        for officer in self.officers:
            fund.grant_allowance(first, self.manager, officer.id, 40_000, TODAY)
        for laptop in self.laptops:
            sync(laptop, self.shared, RULES)

    def teardown(self) -> None:
        for laptop in self.laptops:
            laptop.dispose()
        self.shared.dispose()

    def _households(self, laptop: Store) -> list[HouseholdRow]:
        with laptop.read() as session:
            return list(session.exec(select(HouseholdRow).order_by(HouseholdRow.reference)))

    @rule(at=st.integers(0, 2), who=st.integers(0, 1), arrears=st.sampled_from([15_000, 40_000]))
    def new_case(self, at: int, who: int, arrears: int) -> None:
        laptop, officer = self.laptops[at], self.officers[who]
        case = households.create_household(laptop, officer, household_with_arrears(arrears))
        visit = add_visit(laptop, officer, case)
        package = packages.propose(laptop, officer, RULES, visit.id, [], TODAY)
        try:
            packages.approve_on_the_spot(laptop, officer, RULES, package.id, TODAY)
        except ServiceError:
            packages.send_to_manager(laptop, officer, package.id)

    @rule(
        at=st.integers(0, 2),
        pick=st.integers(0, 50),
        phone=st.sampled_from(PHONES),
        town=st.sampled_from(TOWNS),
        both=st.booleans(),
    )
    def edit(self, at: int, pick: int, phone: str, town: str, both: bool) -> None:
        laptop = self.laptops[at]
        rows = [r for r in self._households(laptop) if not r.archived]
        if not rows:
            return
        current = households.get_household(laptop, rows[pick % len(rows)].id)
        change = {"phone": phone, "town": town} if both else {"phone": phone}
        households.update_household(laptop, self.officers[0], current.model_copy(update=change))

    @rule(
        at=st.integers(0, 2), pick=st.integers(0, 50), approve=st.booleans(), second=st.booleans()
    )
    def decide(self, at: int, pick: int, approve: bool, second: bool) -> None:
        laptop = self.laptops[at]
        manager = self.manager2 if second else self.manager
        with laptop.read() as session:
            waiting = list(
                session.exec(
                    select(PackageRow.id)
                    .where(PackageRow.status == PackageStatus.AWAITING_MANAGER.value)
                    .order_by(PackageRow.id)
                )
            )
        if not waiting:
            return
        try:
            if approve:
                packages.approve(laptop, manager, RULES, waiting[pick % len(waiting)], TODAY)
            else:
                packages.reject(laptop, manager, waiting[pick % len(waiting)], "Not this time")
        except ServiceError:
            pass  # the local rules refused it: nothing recorded

    @rule(at=st.integers(0, 2), amount=st.sampled_from([5_000, 20_000]), way=st.booleans())
    def move_allowance(self, at: int, amount: int, way: bool) -> None:
        holder, to = self.officers if way else self.officers[::-1]
        with contextlib.suppress(ServiceError):
            fund.move_allowance(self.laptops[at], self.manager, holder, to.id, amount, TODAY)

    @rule(at=st.integers(0, 2))
    def sync(self, at: int) -> None:
        sync(self.laptops[at], self.shared, RULES)

    @rule(at=st.integers(0, 2), twice=st.booleans())
    def push_answer_lost(self, at: int, twice: bool) -> None:
        """The store applies the push but the laptop never hears (no pull); maybe again."""
        laptop = self.laptops[at]
        with laptop.read() as session:
            client_id = client_row(session).client_id
            entries = [Entry.of(row) for row in pending(session)]
        for _ in range(2 if twice else 1):
            push(self.shared, client_id, entries, RULES)

    @rule(at=st.integers(0, 2), after=st.integers(0, 3))
    def push_killed(self, at: int, after: int) -> None:
        laptop = self.laptops[at]
        path = laptop.engine.url.database
        done = subprocess.run(
            [sys.executable, "-m", "tests.sync.killed_push", str(path), self.url, str(after)],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode in (0, -signal.SIGKILL), done.stderr.decode()[-2000:]

    @invariant()
    def store_fund_never_overspent(self) -> None:
        view = fund.fund_view(self.shared, self.manager, TODAY)
        assert view.balances.unallocated_pence >= 0
        assert all(o.left_pence >= 0 for o in view.balances.officers.values())

    def final_check(self) -> None:
        for _round in range(2):
            for laptop in self.laptops:
                sync(laptop, self.shared, RULES)
        with self.shared.read() as session:
            store_audit = sorted(session.exec(select(AuditEventRow.id)).all())
            ids = [r.id for r in session.exec(select(HouseholdRow))]
            store_households = {i: repo.load_household(session, i) for i in ids}
            store_packages = {
                r.id: (r.status, r.total_pence) for r in session.exec(select(PackageRow))
            }
        assert len(store_audit) == len(set(store_audit))
        assert verify_store(self.shared)[1] is None
        store_fund = fund.fund_view(self.shared, self.manager, TODAY).balances
        for laptop in self.laptops:
            with laptop.read() as session:
                assert pending(session) == []
                assert sorted(session.exec(select(AuditEventRow.id)).all()) == store_audit
                assert {
                    r.id: repo.load_household(session, r.id)
                    for r in session.exec(select(HouseholdRow))
                } == store_households
                assert {
                    r.id: (r.status, r.total_pence) for r in session.exec(select(PackageRow))
                } == store_packages
            assert verify_store(laptop)[1] is None
            assert fund.fund_view(laptop, self.manager, TODAY).balances == store_fund


@pytest.mark.slow
def test_three_laptops_one_store(databases: Databases, tmp_path: Path) -> None:
    class Run(Simulation):
        pass

    Run.databases, Run.folder = databases, tmp_path
    original_teardown = Run.teardown

    def checked_teardown(self: Simulation) -> None:
        try:
            self.final_check()
        finally:
            original_teardown(self)

    Run.teardown = checked_teardown  # type: ignore[method-assign]
    run_state_machine_as_test(
        Run,
        settings=settings(
            max_examples=int(os.environ.get("CASEWORKER_SIM_EXAMPLES", "6")),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
