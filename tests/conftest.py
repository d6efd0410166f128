"""Shared fixtures. Qt runs offscreen; every test gets its own data folder and a fixed clock."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No machine-wide settings file (/etc/caseworker/settings.json) leaks into the tests.
os.environ["CASEWORKER_MACHINE_SETTINGS"] = ""
# Never touch a developer's real keyring: tests use an in-memory one, shared with the
# CLI subprocesses they start through a temporary file.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_backend.TestKeyring"
os.environ.setdefault(
    "CASEWORKER_TEST_KEYRING_FILE",
    os.path.join(__import__("tempfile").mkdtemp(prefix="cw-keyring-"), "keyring.json"),
)
# No test reads the real clock: the ``caseworker`` commands the tests start see this
# instant too (see docs/clock.md). Set before anything reads the clock.
os.environ["CASEWORKER_CLOCK"] = "2026-11-27T10:00:00Z"

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from caseworker import paths
from caseworker.domain.clock import FixedClock, use_clock
from caseworker.domain.users import Role, User
from caseworker.services import keys, users
from caseworker.store.database import Store
from tests.sample_households import make_household  # noqa: F401 (imported by many tests)

# Hypothesis: the default profile locally; HYPOTHESIS_PROFILE=ci runs 2,000 examples of
# each property. No deadline: the machine running the tests may be busy.
settings.register_profile("ci", max_examples=2000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

#: The instant every test runs at (a Friday, 10:00 in London), and its date.
FIXED_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FIXED_TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[FixedClock]:
    """Each test starts at :data:`FIXED_NOW`, so results do not depend on the day it runs."""
    clock = FixedClock(FIXED_NOW)
    with use_clock(clock):
        yield clock


@pytest.fixture(autouse=True)
def no_unlocked_keys() -> Iterator[None]:
    """Signing keys are unlocked per process (``services.keys``): none leak between tests."""
    keys.forget_all()
    yield
    keys.forget_all()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    paths.set_data_dir(folder)
    yield folder
    paths.set_data_dir(None)


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = Store.open_local(paths.local_store_path())
    yield opened
    opened.dispose()


PASSWORD = "correct horse battery"


@pytest.fixture
def manager(store: Store) -> User:
    return users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)


@pytest.fixture
def officer(store: Store, manager: User) -> User:
    return users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
