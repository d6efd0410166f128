"""The drop-in's use cases that are two or three changes: each is one call and one
transaction.

Saving a visit proposes its package, and with Ctrl+Y says today's yes to it; a
manager approving in person first sends the officer's package to them. The screens
once strung these together themselves, in two and three transactions, so a refusal
half-way left half a change behind (a package in the manager's queue while the
screen said "Nothing changed"). Here the changes commit together or not at all;
each is still its own signed change for the team's store, signed by its own author.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import NamedTuple

from caseworker.domain.errors import Refused
from caseworker.domain.packages import Package, PackageStatus
from caseworker.domain.rules import Adjustment, RuleSet
from caseworker.domain.users import User
from caseworker.domain.visit import Visit
from caseworker.services import packages, users, visits
from caseworker.store.database import Store


class SavedVisit(NamedTuple):
    visit: Visit
    package: Package | None  # None: the recommendation holds no cash award
    # Today's yes was asked for and refused: why. The visit and its package are saved
    # all the same (the package stays recommended, for a manager), as the officer asked
    # to save them; only the yes did not happen.
    yes_refused: str | None = None


def save_visit(
    store: Store,
    officer: User,
    rules: RuleSet,
    visit: Visit,
    adjustments: list[Adjustment],
    day: date,
    draft: str | None = None,
    yes_today: bool = False,
) -> SavedVisit:
    """Save the visit (dropping its draft) and propose its package if it holds money;
    with ``yes_today``, also approve that package on the spot if the officer may.

    A refused yes is rolled back alone (a savepoint), so the saved visit and package
    stay and the refusal says why: the officer sees what did happen, nothing typed is
    lost, and the package can go to a manager from the Packages tab.
    """
    with store.unit_of_work() as session, store.joined(session):
        saved = visits.record_visit(store, officer, visit, draft=draft, rules=rules)
        try:
            package = packages.propose(store, officer, rules, visit.id, adjustments, day)
        except packages.NoCashAward:  # refused before writing anything: no package
            return SavedVisit(saved, None)
        if not yes_today:
            return SavedVisit(saved, package)
        savepoint = session.begin_nested()
        try:
            approved = packages.approve_on_the_spot(store, officer, rules, package.id, day)
        except Refused as exc:
            savepoint.rollback()
            return SavedVisit(saved, package, str(exc))
        savepoint.commit()
        return SavedVisit(saved, approved)


def approve_in_person(
    store: Store,
    officer: User,
    rules: RuleSet,
    package_id: uuid.UUID,
    manager_code: str,
    manager_password: str,
    day: date,
) -> Package:
    """A manager at the officer's laptop types their password and approves.

    Their sign-in is checked (and a wrong password counted) on its own, as every
    sign-in is; their key, unlocked to sign the approval, is put away afterwards.
    """
    manager = users.sign_in(store, manager_code, manager_password)
    try:
        with store.unit_of_work() as session, store.joined(session):
            if packages.get_package(store, package_id).status is PackageStatus.RECOMMENDED:
                packages.send_to_manager(store, officer, package_id)
            return packages.approve(store, manager, rules, package_id, day)
    finally:
        if manager.id != officer.id:
            users.put_away_key(manager)  # nothing left on this laptop that signs for them
