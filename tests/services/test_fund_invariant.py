"""Hypothesis stateful test: whatever officers and managers do, the fund is never overspent.

Grants, returns, on-the-spot approvals, manager approvals, rejections,
withdrawals (cancellations) and payments run through the real services on a
real store; after every step no allowance is below zero and what is committed
never exceeds the budget.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlmodel import select

from caseworker.domain.packages import APPROVED_STATUSES, Package, PackageStatus, PaymentMethod
from caseworker.domain.rules import RuleSet
from caseworker.domain.users import User
from caseworker.services import fund, packages
from caseworker.services.errors import ServiceError
from caseworker.store.database import Store
from caseworker.store.tables import PackageRow
from tests.services.packages_fixtures import BUDGET, TODAY, Team, make_team, new_case

_TEMPLATE = Path(tempfile.mkdtemp(prefix="cw-fund-template-")) / "store.db"
_team = make_team(_TEMPLATE, officers=3, managers=2, allowance=30_000)
_OFFICERS, _MANAGERS, _RULES = _team.officers, _team.managers, _team.rules
_team.store.dispose()

amounts = st.integers(min_value=1, max_value=60_000)


@dataclass(frozen=True)
class Made:
    """A package in the bundle, with the officer who made it."""

    package: uuid.UUID
    officer: User


arrears = st.sampled_from([5_000, 12_000, 24_999, 25_000, 30_000, 45_000, 80_000])


class FundMachine(RuleBasedStateMachine):
    package_ids = Bundle("packages")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="cw-fund-"))
        shutil.copy(_TEMPLATE, self.folder / "store.db")
        self.store = Store.open_local(self.folder / "store.db")
        self.rules: RuleSet = _RULES

    def teardown(self) -> None:
        self.store.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def attempt(self, action: object, *args: object) -> object:
        """Run a service call; a refusal is a fine outcome, a crash is not."""
        try:
            return action(*args)  # type: ignore[operator]
        except ServiceError:
            return None

    @initialize(target=package_ids, officer=st.sampled_from(_OFFICERS), rent=arrears)
    def first_package(self, officer: User, rent: int) -> Made:
        return self.propose(officer, rent, food=False)

    @rule(target=package_ids, officer=st.sampled_from(_OFFICERS), rent=arrears, food=st.booleans())
    def propose(self, officer: User, rent: int, food: bool) -> Made:
        visit = new_case(self._team_view(), officer, rent, food)
        package = self.attempt(
            packages.propose, self.store, officer, self.rules, visit.id, [], TODAY
        )
        return Made(package.id if isinstance(package, Package) else uuid.uuid4(), officer)

    @rule(made=package_ids)
    def say_yes_today(self, made: Made) -> None:
        self.attempt(
            packages.approve_on_the_spot, self.store, made.officer, self.rules, made.package, TODAY
        )

    @rule(made=package_ids)
    def send(self, made: Made) -> None:
        self.attempt(packages.send_to_manager, self.store, made.officer, made.package)

    @rule(made=package_ids, manager=st.sampled_from(_MANAGERS), lower=st.booleans())
    def approve(self, made: Made, manager: User, lower: bool) -> None:
        lowered = {"5.1": 1_000} if lower else None
        self.attempt(
            packages.approve, self.store, manager, self.rules, made.package, TODAY, lowered
        )

    @rule(made=package_ids, manager=st.sampled_from(_MANAGERS))
    def reject(self, made: Made, manager: User) -> None:
        self.attempt(packages.reject, self.store, manager, made.package, "Not this time")

    @rule(made=package_ids, manager=st.sampled_from(_MANAGERS), by_manager=st.booleans())
    def withdraw(self, made: Made, manager: User, by_manager: bool) -> None:
        who = manager if by_manager else made.officer
        self.attempt(packages.withdraw, self.store, who, made.package, "Things changed", TODAY)

    @rule(made=package_ids)
    def pay(self, made: Made) -> None:
        self.attempt(
            packages.record_payment,
            self.store,
            made.officer,
            made.package,
            PaymentMethod.VOUCHER,
            "V-1",
        )

    @rule(manager=st.sampled_from(_MANAGERS), officer=st.sampled_from(_OFFICERS), amount=amounts)
    def grant(self, manager: User, officer: User, amount: int) -> None:
        self.attempt(fund.grant_allowance, self.store, manager, officer.id, amount, TODAY)

    @rule(officer=st.sampled_from(_OFFICERS), amount=amounts)
    def give_back(self, officer: User, amount: int) -> None:
        self.attempt(fund.return_allowance, self.store, officer, amount, TODAY)

    @rule(
        manager=st.sampled_from(_MANAGERS),
        holder=st.sampled_from(_OFFICERS),
        to=st.sampled_from(_OFFICERS),
        amount=amounts,
    )
    def move(self, manager: User, holder: User, to: User, amount: int) -> None:
        self.attempt(fund.move_allowance, self.store, manager, holder, to.id, amount, TODAY)

    @invariant()
    def never_overspent(self) -> None:
        view = fund.fund_view(self.store, _MANAGERS[0], TODAY)
        b = view.balances
        assert b.budget_pence == BUDGET
        assert b.unallocated_pence >= 0
        for allowance in b.officers.values():
            assert allowance.left_pence >= 0
        assert b.committed_pence + b.unallocated_pence == BUDGET
        assert b.committed_pence <= BUDGET
        # The ledger agrees with the packages themselves.
        approved = sum(p.total_pence for p in self._packages() if p.status in APPROVED_STATUSES)
        assert b.approved_pence == approved
        paid = sum(p.total_pence for p in self._packages() if p.status is PackageStatus.PAID)
        assert b.paid_pence == paid

    def _packages(self) -> list[Package]:
        with self.store.read() as session:
            ids = session.exec(select(PackageRow.id)).all()
        return [packages.get_package(self.store, i) for i in ids]

    def _team_view(self) -> Team:
        return Team(self.store, self.rules, _MANAGERS, _OFFICERS)


FundMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFundNeverOverspent = FundMachine.TestCase
