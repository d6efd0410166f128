"""The team store's audit trail proves itself: a database superuser's tampering is found.

A store is filled by laptops syncing real changes (households, visits, packages
approved on the spot: decisions and ledger rows), sealed with the service's keys,
then tampered with as a superuser would (triggers lifted): each change is reported,
with where, by ``audit_seal.verify`` and by ``caseworker audit verify`` run as a
fresh process. The unkeyed check alone says "intact" for a re-chained edit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from caseworker.domain.users import Role
from caseworker.services import fund, households, packages, users
from caseworker.services.audit import AuditTrail, canonical, digest
from caseworker.services.audit_check import verify_store
from caseworker.services.audit_seal import (
    LAST_HEAD_FILE,
    BadHead,
    ServiceKeys,
    TrailReport,
    TrailTampered,
    check_printed_head,
    head_text,
    load_public_key,
    public_key_text,
    seal,
    seal_store,
    verify,
)
from caseworker.store.database import Store
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.services.packages_fixtures import TODAY, add_visit, household_with_arrears
from tests.sync.conftest import Laptop


def _fill(laptops: list[Laptop]) -> None:
    """Two officers' households, visits and on-the-spot packages, synced to the store."""
    a, b, _ = laptops
    manager = users.create_first_manager(a.store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(a.store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    fund.open_fund(a.store, manager, 200_000, TODAY)
    fund.grant_allowance(a.store, manager, officer.id, 150_000, TODAY)
    for laptop in (a, b):
        if laptop is b:
            b.sync()
        for n in range(2):
            case = households.create_household(
                laptop.store, officer, household_with_arrears(20_000 + n * 1_000)
            )
            visit = add_visit(laptop.store, officer, case)
            package = packages.propose(laptop.store, officer, laptop.rules, visit.id, [], TODAY)
            packages.approve_on_the_spot(laptop.store, officer, laptop.rules, package.id, TODAY)
        laptop.sync()


@pytest.fixture
def sealed(laptops: list[Laptop], tmp_path: Path) -> tuple[Store, ServiceKeys]:
    _fill(laptops)
    keys = ServiceKeys.load_or_create(tmp_path / "service-keys")
    seal_store(laptops[0].shared, keys)
    return laptops[0].shared, keys


@contextmanager
def superuser(store: Store) -> Iterator[Session]:
    """A session on the store with the append-only triggers out of the way, as a
    database superuser can have it; committed at the end."""
    with Session(store.engine) as session:
        if store.engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("SET session_replication_role = replica")
        else:
            names = session.connection().exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            )
            for (name,) in names.all():
                session.connection().exec_driver_sql(f"DROP TRIGGER {name}")
        yield session
        session.commit()


def _scalar(store: Store, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _check(store: Store, keys: ServiceKeys, printed: str | None = None) -> TrailReport:
    report = verify(store, keys, printed)
    assert report.lines()[0].startswith("Audit trail BROKEN" if report.findings else "Audit")
    return report


def _said(report: TrailReport) -> str:
    return "\n".join(report.lines())


def test_an_untouched_store_is_intact_and_sealing_again_is_free(
    sealed: tuple[Store, ServiceKeys], laptops: list[Laptop]
) -> None:
    store, keys = sealed
    top = _scalar(store, "SELECT max(seq) FROM audit_event")
    assert top > 20
    report = _check(store, keys)
    assert report.intact, _said(report)
    assert report.entries == top and report.sealed_to == top and report.unsealed == 0
    assert _scalar(store, "SELECT count(*) FROM audit_mac") == top
    # Nothing changed: the same head, nothing written.
    first = seal_store(store, keys)
    assert seal_store(store, keys) == first
    assert _scalar(store, "SELECT count(*) FROM audit_head") == 1
    # New changes: a new head goes on from the last one, and the trail stays intact.
    a = laptops[0]
    jo = users.sign_in(a.store, "JS01", PASSWORD)
    households.create_household(a.store, jo, household_with_arrears(30_000))
    a.sync()
    assert verify(store, keys).unsealed > 0
    second = seal_store(store, keys)
    assert second.id > first.id and second.last_seq > first.last_seq
    assert second.version > first.version
    report = verify(store, keys, head_text(first))
    assert report.intact, _said(report)
    assert report.sealed_to == second.last_seq


def test_a_printed_head_checks_out_with_the_public_key_alone(
    sealed: tuple[Store, ServiceKeys],
) -> None:
    store, keys = sealed
    printed = head_text(seal_store(store, keys))
    public = load_public_key(public_key_text(keys.public_key))
    head = check_printed_head(printed, public)
    assert head.last_seq == _scalar(store, "SELECT max(seq) FROM audit_event")
    forged = printed.replace(f"Sync version: {head.version}", f"Sync version: {head.version + 1}")
    with pytest.raises(BadHead, match="signature does not match"):
        check_printed_head(forged, public)
    with pytest.raises(BadHead, match="not a printed audit head"):
        check_printed_head("Entries up to: 3", public)


def test_the_keys_are_made_once_for_the_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    made = ServiceKeys.load_or_create(folder)
    again = ServiceKeys.load_or_create(folder)
    assert again.chain_key == made.chain_key and again.key_id == made.key_id
    assert len(made.key_id) == 16 and len(made.chain_key) == 32
    if os.name == "posix":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for name in ("audit-chain.key", "audit-signing.key"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
        os.chmod(folder / "audit-chain.key", 0o644)
        with pytest.raises(Exception, match="other accounts"):
            ServiceKeys.load(folder)
    with pytest.raises(Exception, match=r"no audit-chain\.key"):
        ServiceKeys.load(tmp_path / "elsewhere")


def test_a_deleted_tail_is_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    top = _scalar(store, "SELECT max(seq) FROM audit_event")
    with superuser(store) as session:
        session.execute(text(f"DELETE FROM audit_event WHERE seq > {top - 3}"))
    report = _check(store, keys)
    said = _said(report)
    assert not report.intact
    assert f"At entry {top - 2}: Entries {top - 2} to {top} were deleted" in said
    assert f"it ends at entry {top - 3}" in said
    assert verify_store(store)[1] is None  # the unkeyed check cannot see a cut tail
    with pytest.raises(TrailTampered, match="not sealed"):
        seal_store(store, keys)


def test_a_truncated_trail_with_its_seals_and_heads_is_found_by_the_saved_head(
    sealed: tuple[Store, ServiceKeys],
) -> None:
    store, keys = sealed
    printed = head_text(seal_store(store, keys))
    with superuser(store) as session:
        for table in ("audit_event", "audit_mac", "audit_head"):
            session.execute(text(f"DELETE FROM {table}"))
    said = _said(_check(store, keys))
    assert "saved beside the service's keys signed head 1" in said
    assert "no longer in the store: signed heads were deleted" in said
    assert "the trail was cut short: it ends at entry 0" in said
    # Without the saved file, the printed head in the council's records still finds it.
    assert keys.folder is not None
    (keys.folder / LAST_HEAD_FILE).unlink()
    said = _said(_check(store, keys, printed))
    assert "printed signed head 1" in said and "cut short" in said


def test_an_edited_and_rechained_entry_is_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    target = _scalar(store, "SELECT min(seq) FROM audit_event WHERE entity = 'package'")
    forged = canonical({"amount_pence": {"before": 0, "after": 1}})
    with superuser(store) as session:
        session.execute(
            text(
                "UPDATE audit_event SET payload = :p, payload_digest = :d, action = 'edit' "
                "WHERE seq = :s"
            ),
            {"p": forged, "d": digest(forged), "s": target},
        )
        AuditTrail(session, None).rechain_after(target - 1)
    assert verify_store(store)[1] is None  # the old check says intact
    report = _check(store, keys)
    said = _said(report)
    assert report.findings[0].seq == target, said
    assert f"At entry {target}: Entry {target} does not match its seal" in said
    assert f"At entry {target + 1}: Entries {target + 1} to " in said
    assert "the trail was re-chained after the changed entry before them" in said
    assert "re-chained" not in said.split("\n")[1]


def test_a_deleted_decision_and_ledger_row_are_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    for table in ("package_event", "fund_entry"):
        assert _scalar(store, f"SELECT count(*) FROM {table}") > 2
    with superuser(store) as session:
        session.execute(
            text("DELETE FROM package_event WHERE seq = (SELECT max(seq) FROM package_event)")
        )
    said = _said(_check(store, keys))
    assert "decisions and fund ledger no longer match signed head 1" in said
    assert "deleted, changed or added" in said
    assert verify_store(store)[1] is None


def test_a_deleted_fund_ledger_row_is_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    with superuser(store) as session:
        session.execute(
            text("DELETE FROM fund_entry WHERE seq = (SELECT min(seq) FROM fund_entry)")
        )
    said = _said(_check(store, keys))
    assert "decisions and fund ledger no longer match signed head 1" in said


def test_deleted_heads_are_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    with superuser(store) as session:
        session.execute(text("DELETE FROM audit_head"))
    said = _said(_check(store, keys))
    assert "signed head 1" in said and "no longer in the store" in said
    # Without the file too, the seals left behind give it away.
    assert keys.folder is not None
    (keys.folder / LAST_HEAD_FILE).unlink()
    report = _check(store, keys)
    assert "seals up to entry" in _said(report) and "signed heads were deleted" in _said(report)
    with pytest.raises(TrailTampered):
        seal_store(store, keys)


def test_a_tampered_head_signature_is_found(sealed: tuple[Store, ServiceKeys]) -> None:
    store, keys = sealed
    with superuser(store) as session:
        session.execute(text("UPDATE audit_head SET version = version + 5"))
    said = _said(_check(store, keys))
    assert "Signed head 1" in said and "signature does not match" in said
    assert "differs from the saved beside the service's keys one" in said


def test_audit_verify_from_the_command_line(
    sealed: tuple[Store, ServiceKeys], store_url: str
) -> None:
    store, keys = sealed
    folder = str(keys.folder)
    done = caseworker("audit", "verify", "--store", store_url, "--keys", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Audit trail intact" in done.stdout
    shown = caseworker("audit", "head", "--store", store_url, "--keys", folder)
    assert shown.returncode == 0, shown.stderr
    assert "signed head 1" in shown.stdout and "Signature: " in shown.stdout
    top = _scalar(store, "SELECT max(seq) FROM audit_event")
    with superuser(store) as session:
        session.execute(text(f"DELETE FROM audit_event WHERE seq = {top - 1}"))
    done = caseworker("audit", "verify", "--store", store_url, "--keys", folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"At entry {top - 1}: Entry {top - 1} was deleted" in done.stdout
    assert "information governance lead" in done.stdout
    usage = caseworker("audit", "verify", "--store", store_url)
    assert usage.returncode == 2 and "--keys" in usage.stderr
    missing = caseworker("audit", "verify", "--store", store_url, "--keys", folder + "-gone")
    assert missing.returncode == 3 and "audit keys folder" in missing.stderr


def test_a_seal_rolled_back_with_its_transaction_leaves_no_trace(
    sealed: tuple[Store, ServiceKeys], laptops: list[Laptop]
) -> None:
    """The service seals inside its own transaction: if that rolls back, neither the
    store nor the head saved beside the keys moves on."""
    store, keys = sealed
    assert keys.folder is not None
    saved = (keys.folder / LAST_HEAD_FILE).read_text("utf-8")
    a = laptops[0]
    jo = users.sign_in(a.store, "JS01", PASSWORD)
    households.create_household(a.store, jo, household_with_arrears(30_000))
    a.sync()
    with pytest.raises(RuntimeError), store.unit_of_work() as session:
        made = seal(session, keys)
        assert made.id == 2
        raise RuntimeError("the push failed after sealing")
    assert _scalar(store, "SELECT count(*) FROM audit_head") == 1
    assert (keys.folder / LAST_HEAD_FILE).read_text("utf-8") == saved
    with store.unit_of_work() as session:
        version = _scalar(store, "SELECT version FROM sync_version")
        kept = seal(session, keys, version)
    assert f'"id": {kept.id}' in (keys.folder / LAST_HEAD_FILE).read_text("utf-8")
    assert verify(store, keys).intact


def test_retention_erasing_text_is_not_tampering(sealed: tuple[Store, ServiceKeys]) -> None:
    """Retention may erase audit payloads and decision reasons (the triggers allow it):
    the seals cover digests, so the trail stays intact."""
    store, keys = sealed
    with Session(store.engine) as session:
        session.execute(text("UPDATE audit_event SET payload = ''"))
        session.execute(text("UPDATE package_event SET reason = '', reference = NULL"))
        session.commit()
    report = verify(store, keys)
    assert report.intact, _said(report)


def test_other_keys_are_named_as_such(sealed: tuple[Store, ServiceKeys], tmp_path: Path) -> None:
    store, _keys = sealed
    other = ServiceKeys.load_or_create(tmp_path / "other-keys")
    report = verify(store, other)
    assert [f.what[:40] for f in report.findings] == ["None of the store's 1 signed heads was s"]
    assert f"key id {other.key_id}" in _said(report)
