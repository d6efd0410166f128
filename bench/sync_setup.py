"""The set-up ``bench_server.py`` and ``bench_replay.py`` share: the environment, the
PostgreSQL server, the team, and one laptop's signed changes.

Import it before anything of ``caseworker`` (it sets the environment the app reads):
like the tests, no machine-wide settings, and an in-memory keyring shared with the
service through a temporary file (the service looks the store's login up there).
The repository root must be on ``sys.path`` (the tests' keyring backend).
"""

from __future__ import annotations

import os
import tempfile

os.environ["CASEWORKER_MACHINE_SETTINGS"] = ""
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_backend.TestKeyring"
os.environ.setdefault(
    "CASEWORKER_TEST_KEYRING_FILE",
    os.path.join(tempfile.mkdtemp(prefix="cw-keyring-"), "keyring.json"),
)

from caseworker.domain.household import Household
from caseworker.domain.rules import RuleSet
from caseworker.domain.users import Role, User
from caseworker.services import households, users
from caseworker.store.database import Store
from caseworker.sync.remote import Remote
from caseworker.sync.run import sync
from tests.sample_households import make_household

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
UTC_OPTIONS = "?options=-c%20timezone%3DUTC"  # the store's sessions in UTC
PASSWORD = "correct horse battery"
OFFICER = "JS01"  # the one laptop's officer


def household(n: int) -> Household:
    """A two-member household; ``n`` varies the address and the lead's surname so no two
    look like duplicates."""
    sample = make_household(address_line1=f"{n} Rye Lane")
    lead, *others = sample.members
    lead = lead.model_copy(update={"surname": f"O'Brien-{n}"})
    return sample.model_copy(update={"members": [lead, *others]})


def seed_team(seed: Store, officers: int = 0) -> User:
    """The team, made on one laptop (``seed``) to be synced: a manager ``TM01``,
    ``officers`` fleet officers (``OF000``…) and the one laptop's officer ``JS01``."""
    manager = users.create_first_manager(seed, "Morgan Lee", "TM01", PASSWORD)
    for i in range(officers):
        users.add_user(seed, manager, f"Officer {i}", f"OF{i:03d}", Role.OFFICER, PASSWORD)
    users.add_user(seed, manager, "Jo Smith", OFFICER, Role.OFFICER, PASSWORD)
    return manager


def laptop_changes(local: Store, remote: Store | Remote, rules: RuleSet, mutations: int) -> User:
    """One laptop's ``mutations`` signed changes, made offline and not pushed: the laptop
    pulls the team, signs ``JS01`` in with the password (so it can sign its changes) and
    makes them, a quarter new households and the rest edits of those (a new phone
    number each). Returns the signed-in officer."""
    sync(local, remote, rules)
    officer = users.sign_in(local, OFFICER, PASSWORD)
    cases: list[Household] = []
    for n in range(mutations):
        if len(cases) < max(1, mutations // 4):
            cases.append(households.create_household(local, officer, household(n)))
        else:
            case = cases[n % len(cases)]
            households.update_household(
                local, officer, case.model_copy(update={"phone": f"0207 {n:07d}"})
            )
    return officer
