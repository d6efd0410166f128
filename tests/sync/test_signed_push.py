"""The team store replays a change only when its author signed it (SQLite and PostgreSQL).

Hostile-client tests: an officer's laptop holds the manager's account (pulled like
everyone's), so it can write an outbox row "made by" the manager; without the
manager's password it cannot sign it.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import col, func, select

from caseworker.domain import signing
from caseworker.domain.packages import Package, PackageStatus
from caseworker.domain.users import Role, User
from caseworker.services import fund, households, keys, packages, parked, users
from caseworker.services.audit_check import verify_store
from caseworker.services.signatures import AUDIT_ACTION
from caseworker.store.database import Store
from caseworker.store.sync_tables import OutboxRow, SyncMutation
from caseworker.store.tables import (
    AuditEventRow,
    FundEntryRow,
    HouseholdRow,
    PackageRow,
    UserAccount,
)
from caseworker.sync.push import PushReport
from caseworker.sync.remote import StoreRemote
from caseworker.sync.run import sync
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears
from tests.sync.conftest import Laptop


def signed_sync(laptop: Laptop) -> PushReport:
    """What the sync service does: a signed push of the whole queue, then a pull."""
    return sync(
        laptop.store, StoreRemote(laptop.shared, laptop.rules, signed=True), laptop.rules
    ).pushed


def _team(a: Laptop, b: Laptop) -> tuple[User, User]:
    """Tara manages (laptop a); Jo is an officer signed in on laptop b."""
    manager = users.create_first_manager(a.store, "Tara Manager", "TM01", PASSWORD)
    officer = users.add_user(a.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(a.store, manager, 200_000, TODAY)
    fund.grant_allowance(a.store, manager, officer.id, 10_000, TODAY)
    assert signed_sync(a) == PushReport(applied=4)
    signed_sync(b)
    keys.forget_all()  # Tara's key was unlocked on laptop a, not on b
    assert users.sign_in(b.store, "JS01", PASSWORD).id == officer.id
    return manager, officer


def _awaiting_manager(b: Laptop, officer: User) -> Package:
    case = households.create_household(b.store, officer, household_with_arrears(30_000))
    visit = add_visit(b.store, officer, case)
    package = packages.propose(b.store, officer, b.rules, visit.id, [], TODAY)
    return packages.send_to_manager(b.store, officer, package.id)


def _store_state(shared: Store, package_id: uuid.UUID) -> tuple[str | None, int]:
    """The package's status in the store (None: not there) and the fund ledger's length."""
    with shared.read() as session:
        row = session.get(PackageRow, package_id)
        entries = session.exec(select(func.count()).select_from(FundEntryRow)).one()
    return (row.status if row is not None else None), entries


def _set_signature(store: Store, name: str, signature: str) -> OutboxRow:
    with store.unit_of_work() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.name == name)).one()
        row.signature = signature
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


@pytest.mark.parametrize("signed_with", ["nothing", "the officer's key", "a forged key"])
def test_a_managers_decision_not_signed_by_the_manager_is_refused(
    laptops: list[Laptop], signed_with: str
) -> None:
    a, b, _ = laptops
    manager, officer = _team(a, b)
    package = _awaiting_manager(b, officer)
    # On the officer's laptop, "approved by" Tara without Tara's password.
    packages.approve(b.store, manager, b.rules, package.id, TODAY)
    row = _set_signature(b.store, "packages.approve", "")
    assert row.actor_id == manager.id
    message = signing.change_message(row.digest)
    officer_key = keys.key_for(officer.id)
    assert officer_key is not None
    forged = {
        "nothing": "",
        "the officer's key": signing.sign(officer_key, message),
        "a forged key": signing.sign(signing.new_key("someone else's").private, message),
    }[signed_with]
    _set_signature(b.store, "packages.approve", forged)
    _, ledger = _store_state(b.shared, package.id)

    report = signed_sync(b)

    assert (report.applied, report.refused) == (4, 1)  # Jo's own changes are accepted
    # Not approved, no money moved.
    assert _store_state(b.shared, package.id) == (PackageStatus.AWAITING_MANAGER.value, ledger)
    reason = (
        "Not signed by Tara Manager (TM01): the team store accepts a change only with its "
        "author's signature, made when they type their password on the laptop."
    )
    with b.shared.read() as session:
        refused = session.exec(
            select(SyncMutation).where(SyncMutation.name == "packages.approve")
        ).one()
        audit = session.exec(
            select(AuditEventRow).where(AuditEventRow.action == AUDIT_ACTION)
        ).one()
    assert (refused.status, refused.reason, refused.flagged) == ("refused", reason, True)
    assert refused.signature == forged
    assert audit.entity == "sync" and audit.actor_id is None
    assert json.loads(audit.payload) == {
        "author_id": manager.id.hex,
        "change": "packages.approve",
        "mutation_id": refused.mutation_id,
    }
    assert verify_store(b.shared)[1] is None  # the refusal is chained in, not beside
    # On the laptop it is parked with the reason, never lost; the refusal reaches it too.
    (change,) = parked.parked_changes(b.store)
    assert change.name == "packages.approve" and change.reason == reason
    with b.store.read() as session:
        assert session.exec(select(AuditEventRow).where(AuditEventRow.action == AUDIT_ACTION)).one()

    # Tara comes to the laptop and types her password: resent, it is hers and accepted.
    assert users.sign_in(b.store, "TM01", PASSWORD).id == manager.id
    parked.resend(b.store, manager, change.client_id, change.mutation_id)
    again = signed_sync(b)
    assert again.refused == 0 and again.applied == 2  # the approval, and the decision
    status, entries = _store_state(b.shared, package.id)
    assert status == PackageStatus.APPROVED.value and entries == ledger + 1


def test_the_manager_approving_in_person_on_the_officers_laptop_is_accepted(
    laptops: list[Laptop],
) -> None:
    """As the package panel does it: Tara signs in on Jo's laptop, approves, and her key
    is put away again."""
    a, b, _ = laptops
    manager, officer = _team(a, b)
    package = _awaiting_manager(b, officer)
    here = users.sign_in(b.store, "TM01", PASSWORD)
    try:
        packages.approve(b.store, here, b.rules, package.id, TODAY)
    finally:
        users.put_away_key(here)
    assert keys.key_for(manager.id) is None and keys.key_for(officer.id) is not None
    _, entries = _store_state(b.shared, package.id)

    report = signed_sync(b)

    assert (report.applied, report.refused) == (5, 0)
    assert _store_state(b.shared, package.id) == (PackageStatus.APPROVED.value, entries + 1)
    with b.shared.read() as session:
        row = session.exec(
            select(SyncMutation).where(SyncMutation.name == "packages.approve")
        ).one()
        public = session.exec(
            select(UserAccount.public_key).where(UserAccount.id == manager.id)
        ).one()
        assert (
            session.exec(select(AuditEventRow).where(AuditEventRow.action == AUDIT_ACTION)).all()
            == []
        )
    assert row.actor_id == manager.id
    assert signing.verify(public, signing.change_message(row.digest), row.signature)


def test_a_second_first_manager_is_refused(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    users.create_first_manager(a.store, "Tara Manager", "TM01", PASSWORD)
    assert signed_sync(a) == PushReport(applied=1)
    # Laptop b never synced: it sets up a "first manager" of its own, self-signed.
    users.create_first_manager(b.store, "Mal Intent", "MI01", PASSWORD)
    report = signed_sync(b)
    assert (report.applied, report.refused) == (0, 1)
    with b.shared.read() as session:
        codes = session.exec(select(UserAccount.officer_code)).all()
        refused = session.exec(select(SyncMutation).where(SyncMutation.status == "refused")).one()
    assert codes == ["TM01"]
    assert refused.reason.startswith("The team store already has a team manager")


def test_a_change_with_no_author_other_than_the_first_manager_is_refused(
    laptops: list[Laptop],
) -> None:
    a, _, _ = laptops
    # An account added with no author and not as the first manager (a laptop's own
    # system account, say, if it were ever sent): nobody signed it.
    users.save_account(a.store, None, User(name="Demo Data", officer_code="DEMO"), None)
    report = signed_sync(a)
    assert report.refused == 1
    with a.shared.read() as session:
        assert session.exec(select(UserAccount)).all() == []


def test_a_laptops_system_accounts_stay_on_the_laptop(laptops: list[Laptop]) -> None:
    """A subject access export's account is the laptop's own: nothing is queued for it."""
    a, _, _ = laptops
    users.system_user(a.store, "Subject access (command line)", "SAR")
    with a.store.read() as session:
        assert session.exec(select(OutboxRow)).all() == []
    assert signed_sync(a).refused == 0


def test_set_key_is_taken_only_for_an_account_without_a_key(laptops: list[Laptop]) -> None:
    """Trust on first use: a laptop cannot swap in a key of its own for someone's account."""
    a, b, _ = laptops
    manager, _officer = _team(a, b)
    mine = signing.new_key("the officer's choice")
    keys.remember(manager.id, mine.private)  # the officer's laptop "signs" as Tara
    with b.store.unit_of_work() as session:  # and clears Tara's key in its own copy
        row = session.get(UserAccount, manager.id)
        assert row is not None
        row.public_key = ""
        session.add(row)
    users.set_key(b.store, manager, mine.public, mine.sealed)
    with b.store.read() as session:
        (set_key,) = session.exec(select(OutboxRow).where(OutboxRow.name == "users.set_key"))
    assert signing.verify(mine.public, signing.change_message(set_key.digest), set_key.signature)

    report = signed_sync(b)

    assert (report.applied, report.refused) == (0, 1)
    with b.shared.read() as session:
        kept = session.get(UserAccount, manager.id)
        refused = session.exec(select(SyncMutation).where(SyncMutation.status == "refused")).one()
        audits = session.exec(
            select(func.count())
            .select_from(AuditEventRow)
            .where(col(AuditEventRow.action) == AUDIT_ACTION)
        ).one()
    assert kept is not None and kept.public_key not in ("", mine.public)
    assert refused.reason.startswith("Tara Manager (TM01) already has a signing key")
    assert audits == 1


def test_an_old_account_gets_its_first_key_through_the_store(laptops: list[Laptop]) -> None:
    a, _, _ = laptops
    manager = users.create_first_manager(a.store, "Tara Manager", "TM01", PASSWORD)
    old = User(name="Old Timer", officer_code="OT01", role=Role.OFFICER)
    users.save_account(a.store, manager, old, users._hasher.hash(PASSWORD))  # before keys
    assert signed_sync(a) == PushReport(applied=2)
    users.sign_in(a.store, "OT01", PASSWORD)
    households.create_household(a.store, old, household_with_arrears(10_000))
    assert signed_sync(a) == PushReport(applied=2)  # the key first, then a change it signs
    with a.shared.read() as session:
        stored = session.get(UserAccount, old.id)
    assert stored is not None and stored.public_key == _public(a.store, old.id) != ""


def test_a_change_altered_after_signing_is_refused(laptops: list[Laptop]) -> None:
    a, b, _ = laptops
    _manager, officer = _team(a, b)
    households.create_household(b.store, officer, household_with_arrears(10_000))
    with b.store.unit_of_work() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.name == "households.create")).one()
        row.args = row.args.replace("SE15 4QF", "SE15 4QG")
        session.add(row)
    report = signed_sync(b)
    assert report.refused == 1
    with b.shared.read() as session:
        refused = session.exec(select(SyncMutation).where(SyncMutation.status == "refused")).one()
    assert refused.reason.startswith("This change was altered after it was made")


def _public(store: Store, user_id: uuid.UUID) -> str:
    with store.read() as session:
        row = session.get(UserAccount, user_id)
    assert row is not None
    return row.public_key


def test_a_forged_change_amid_its_authors_signed_ones_is_refused_alone(
    laptops: list[Laptop],
) -> None:
    """The store reads an author's key once per push and sends a run of household saves
    together; a change in the middle of the run with a forged signature is still
    checked on its own: refused and audited, and the changes around it applied."""
    a, b, _ = laptops
    _manager, officer = _team(a, b)
    made = [
        households.create_household(
            b.store,
            officer,
            household_with_arrears(10_000 + n).model_copy(update={"phone": f"07700 9{n:05}"}),
        ).id
        for n in range(5)
    ]
    with b.store.unit_of_work() as session:
        rows = session.exec(
            select(OutboxRow)
            .where(OutboxRow.name == "households.create")
            .order_by(col(OutboxRow.mutation_id))
        ).all()
        forged = signing.sign(
            signing.new_key("someone else's").private, signing.change_message(rows[2].digest)
        )
        rows[2].signature = forged
        session.add(rows[2])
    report = signed_sync(b)
    assert (report.applied, report.refused) == (4, 1)
    with b.shared.read() as session:
        stored = set(session.exec(select(HouseholdRow.id)).all())
        assert session.exec(select(AuditEventRow).where(AuditEventRow.action == AUDIT_ACTION)).one()
    assert stored >= {made[0], made[1], made[3], made[4]}
    assert made[2] not in stored
    signed_sync(a)
    with a.store.read() as session:
        assert {made[0], made[1], made[3], made[4]} <= set(
            session.exec(select(HouseholdRow.id)).all()
        )
