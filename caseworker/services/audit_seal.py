"""The team store's audit trail, proving itself: a keyed chain and signed heads.

The audit trail's own hash chain (``services.audit``) has no secret: a database
superuser can rewrite entries and re-chain them. So the sync service, which alone
holds two keys kept in a folder it owns (never in the database), seals the trail:

- ``audit_mac`` holds, for every entry, an HMAC-SHA256 over the MAC before it and
  the entry's content, with a 32-byte secret (the *chain key*). Without the key no
  one can re-chain an edited, inserted or deleted entry.
- ``audit_head`` holds heads signed with the service's Ed25519 key: the last sealed
  entry, its MAC, the store's sync version and a digest of every decision and fund
  ledger row up to that version (so a deleted or edited decision is found too).
  The newest head is also kept in the keys folder (``last-head.json``), and a manager
  can print it for the council's records, so deleting every head is found as well.

:func:`seal` runs after every sync and daily; :func:`verify` recomputes everything
and says, in plain words, where the trail stops adding up.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import event, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caseworker.domain import clock, signing
from caseworker.domain.errors import CaseworkerError, EnvironmentProblem
from caseworker.services.audit import (
    GENESIS,
    ChainFields,
    _canon,
    entry_content,
    iter_chain,
    write_pending,
)
from caseworker.services.audit import verify as verify_unkeyed
from caseworker.store.database import Store
from caseworker.store.service_tables import AuditHead, AuditMac
from caseworker.store.sync_tables import SyncMutation, SyncVersion
from caseworker.store.tables import AuditEventRow, FundEntryRow, PackageEventRow, UserAccount

log = logging.getLogger(__name__)

CHAIN_KEY_FILE = "audit-chain.key"
SIGNING_KEY_FILE = "audit-signing.key"
PUBLIC_KEY_FILE = "audit-public.key"
LAST_HEAD_FILE = "last-head.json"
_SIGNED_FORMAT = "caseworker audit head 1"
_INSERT_BATCH = 5_000

# Decisions and ledger rows, by the columns that may never change (retention may
# erase a decision's reason and reference, so the digest leaves those out).
_LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "package_event": ("seq", "id", "package_id", "status", "actor_id", "at", "amount_pence"),
    "fund_entry": (
        "seq",
        "id",
        "fund_id",
        "kind",
        "amount_pence",
        "officer_id",
        "package_id",
        "actor_id",
        "at",
    ),
}
_LEDGER_TABLES = {
    "package_event": PackageEventRow.__table__,  # type: ignore[attr-defined]
    "fund_entry": FundEntryRow.__table__,  # type: ignore[attr-defined]
}


class KeysProblem(EnvironmentProblem):
    """The service's keys folder is missing, unreadable or too open (exit code 3)."""


class TrailTampered(CaseworkerError):
    """Sealing stopped: the trail no longer matches its last signed head. Nothing was
    written, so the evidence stays as it was found (exit code 1)."""


class BadHead(ValueError):
    """A printed or saved head that cannot be read."""


# --- keys -------------------------------------------------------------------------


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short name for a signing key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The public key as one printable line (``ed25519:`` and 64 hex digits)."""
    return "ed25519:" + _raw(public_key).hex()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from :func:`public_key_text`'s form; ``BadHead`` if it is not one."""
    value = text.strip().removeprefix("ed25519:")
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
    except ValueError as exc:
        raise BadHead("That is not an audit public key (ed25519: and 64 hex digits).") from exc


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class VerifyKeys:
    """What checking needs: the chain key and the public half of the signing key.

    ``folder`` is where the service keeps ``last-head.json``, when it is known.
    """

    chain_key: bytes
    public_key: Ed25519PublicKey
    folder: Path | None

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    @classmethod
    def from_parts(
        cls, chain_key_hex: str, public_key: str, folder: Path | None = None
    ) -> VerifyKeys:
        """From the chain key (64 hex digits) and a printed public key."""
        try:
            chain_key = bytes.fromhex(chain_key_hex.strip())
        except ValueError as exc:
            raise BadHead("The audit chain key must be 64 hex digits.") from exc
        if len(chain_key) != 32:
            raise BadHead("The audit chain key must be 64 hex digits.")
        return cls(chain_key, load_public_key(public_key), folder)


@dataclass(frozen=True)
class ServiceKeys(VerifyKeys):
    """The sync service's audit keys, kept in a folder only it can read."""

    signing_key: Ed25519PrivateKey

    @classmethod
    def load_or_create(cls, folder: Path) -> ServiceKeys:
        """The keys in ``folder``, made on first use (owner-only files).

        Two processes starting at once agree: each file is created once, atomically,
        and both then read what is there.
        """
        try:
            if not folder.exists():
                folder.mkdir(parents=True, mode=0o700)
                os.chmod(folder, 0o700)
            _create_once(folder / CHAIN_KEY_FILE, secrets.token_bytes(32).hex().encode())
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _create_once(folder / SIGNING_KEY_FILE, pem)
        except OSError as exc:
            raise KeysProblem(
                f"The audit keys folder cannot be written ({exc.strerror}). Check it is on "
                "a local disk and the sync service's account owns it, then start again."
            ) from exc
        keys = cls.load(folder)
        public = public_key_text(keys.public_key).encode() + b"\n"
        try:
            _create_once(folder / PUBLIC_KEY_FILE, public, mode=0o644)
        except OSError:
            log.warning("could not write the audit public key file")
        return keys

    @classmethod
    def load(cls, folder: Path) -> ServiceKeys:
        """The keys already in ``folder``; ``KeysProblem`` if they are not there."""
        chain_hex = _read_secret(folder / CHAIN_KEY_FILE)
        pem = _read_secret(folder / SIGNING_KEY_FILE)
        try:
            chain_key = bytes.fromhex(chain_hex.decode().strip())
            signing = serialization.load_pem_private_key(pem, password=None)
        except ValueError as exc:
            raise KeysProblem(
                f"The audit keys in {folder.name} are damaged. Restore the folder from the "
                "service's backup; do not make new keys, or the old heads cannot be checked."
            ) from exc
        if len(chain_key) != 32 or not isinstance(signing, Ed25519PrivateKey):
            raise KeysProblem(
                f"The audit keys in {folder.name} are not Caseworker audit keys. Restore the "
                "folder from the service's backup."
            )
        return cls(chain_key, signing.public_key(), folder, signing)

    def sign(self, text: str) -> str:
        return self.signing_key.sign(text.encode()).hex()


def _create_once(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``path`` only if it does not exist, never half-written."""
    if path.exists():
        return
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_secret(path: Path) -> bytes:
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise KeysProblem(
                f"The audit key file {path.name} can be read by other accounts. Make it "
                "readable by the sync service's account only (chmod 600), then try again."
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise KeysProblem(
            f"The audit keys folder has no {path.name}. Give the folder the sync service "
            "uses (--keys), or restore it from the service's backup."
        ) from exc
    except PermissionError as exc:
        raise KeysProblem(
            f"The audit key file {path.name} cannot be read by this account. Run this as "
            "the sync service's account."
        ) from exc


# --- the keyed chain --------------------------------------------------------------


def _entry_text(entry: ChainFields) -> str:
    """What an entry's MAC covers: its place, identity, who, when, what and its hash."""
    return f"{entry.seq}|{entry_content(entry)}|{entry.hash}"


def entry_mac(chain_key: bytes, prev_mac: str, entry: ChainFields) -> str:
    """mac_i = HMAC-SHA256(key, mac_{i-1} | entry_i)."""
    message = (prev_mac + "|" + _entry_text(entry)).encode()
    return hmac.new(chain_key, message, hashlib.sha256).hexdigest()


def _iter_macs(session: Session, batch: int = 50_000) -> Iterator[tuple[int, str]]:
    last = 0
    while True:
        rows = session.execute(
            sa_select(col(AuditMac.seq), col(AuditMac.mac))
            .where(col(AuditMac.seq) > last)
            .order_by(col(AuditMac.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        for seq, mac in rows:
            yield int(seq), str(mac)
        last = int(rows[-1][0])


# --- the ledger digest ------------------------------------------------------------


def _ledger_rows(session: Session, after: int, upto: int | None) -> list[tuple[int, str, int, str]]:
    """(version, table, seq, text) of every decision and ledger row in (after, upto].

    A row written outside a sync push (no ``server_version``) counts as version 0.
    """
    found: list[tuple[int, str, int, str]] = []
    for name, columns in _LEDGER_COLUMNS.items():
        table = _LEDGER_TABLES[name]
        version = func.coalesce(table.c.server_version, 0)
        query = sa_select(version, *(table.c[c] for c in columns)).where(version > after)
        if upto is not None:
            query = query.where(version <= upto)
        for row in session.execute(query):
            text = name + "|" + "|".join(_canon(v) for v in row[1:])
            found.append((int(row[0]), name, int(row[1]), text))
    found.sort(key=lambda r: (r[0], r[1], r[2]))
    return found


def _ledger_steps(start: str, rows: list[tuple[int, str, int, str]]) -> Iterator[tuple[int, str]]:
    """The ledger digest after each version that has rows: each version's rows are
    chained onto the digest before, so a later seal goes on from the last head."""
    digest, i = start, 0
    while i < len(rows):
        version = rows[i][0]
        texts = []
        while i < len(rows) and rows[i][0] == version:
            texts.append(rows[i][3])
            i += 1
        block = f"{digest}|{version}|" + "\n".join(texts)
        digest = hashlib.sha256(block.encode()).hexdigest()
        yield version, digest


# --- heads ------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """A signed head: the database row, the saved file and the printed text all hold one."""

    id: int
    last_seq: int
    mac: str
    version: int
    ledger: str
    at: datetime  # UTC, whole seconds
    key_id: str
    signature: str

    @classmethod
    def from_row(cls, row: AuditHead) -> Head:
        return cls(
            int(row.id or 0),
            row.last_seq,
            row.mac,
            row.version,
            row.ledger,
            _utc(row.at),
            row.key_id,
            row.signature,
        )

    def signed_text(self) -> str:
        """Exactly what the signature covers."""
        return "\n".join(
            (
                _SIGNED_FORMAT,
                f"head={self.id}",
                f"last_seq={self.last_seq}",
                f"mac={self.mac}",
                f"version={self.version}",
                f"ledger={self.ledger}",
                f"at={self.at:%Y-%m-%dT%H:%M:%SZ}",
                f"key_id={self.key_id}",
            )
        )

    def when(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M:%S} UTC"

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["at"] = f"{self.at:%Y-%m-%dT%H:%M:%SZ}"
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Head:
        try:
            data = json.loads(text)
            data["at"] = _parse_at(data["at"])
            return cls(**data)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadHead("The saved head is not a Caseworker audit head.") from exc

    def signature_problem(self, public_key: Ed25519PublicKey) -> str | None:
        """Why the signature does not hold, in plain words; ``None`` if it does."""
        if self.key_id != key_id_of(public_key):
            return (
                f"it was signed with another key (key id {self.key_id}, not "
                f"{key_id_of(public_key)}), so it cannot be checked with this key"
            )
        try:
            public_key.verify(bytes.fromhex(self.signature), self.signed_text().encode())
        except (InvalidSignature, ValueError):
            return "its signature does not match: the head was altered or forged"
        return None


def _utc(value: datetime) -> datetime:
    """A stored instant as aware UTC (the stores keep UTC wall time)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_at(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


_LABELS = {
    "entries up to": "last_seq",
    "chain mac": "mac",
    "sync version": "version",
    "ledger digest": "ledger",
    "signed at": "at",
    "key id": "key_id",
    "signature": "signature",
}


def head_text(head: Head) -> str:
    """The head as a few printable lines to file in the council's records."""
    return "\n".join(
        (
            f"Caseworker audit trail - signed head {head.id}",
            f"Entries up to: {head.last_seq}",
            f"Chain MAC: {head.mac}",
            f"Sync version: {head.version}",
            f"Ledger digest: {head.ledger}",
            f"Signed at: {head.at:%Y-%m-%d %H:%M:%S} UTC",
            f"Key id: {head.key_id}",
            f"Signature: {head.signature}",
        )
    )


def parse_head_text(text: str) -> Head:
    """A head from :func:`head_text`'s lines (other lines are ignored)."""
    values: dict[str, str] = {}
    head_id = None
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and label.strip().lower() in _LABELS:
            values[_LABELS[label.strip().lower()]] = value.strip()
        elif "signed head" in line.lower():
            head_id = line.strip().rsplit(" ", 1)[-1]
    missing = sorted(set(_LABELS.values()) - values.keys())
    if head_id is None or missing:
        raise BadHead(
            "That is not a printed audit head: it needs the 'signed head' line and "
            "Entries up to, Chain MAC, Sync version, Ledger digest, Signed at, Key id "
            "and Signature."
        )
    try:
        at = datetime.strptime(values["at"].removesuffix("UTC").strip(), "%Y-%m-%d %H:%M:%S")
        return Head(
            int(head_id),
            int(values["last_seq"]),
            values["mac"],
            int(values["version"]),
            values["ledger"],
            at.replace(tzinfo=UTC),
            values["key_id"],
            values["signature"],
        )
    except ValueError as exc:
        raise BadHead("The printed audit head has a number or a time it cannot read.") from exc


def check_printed_head(text: str, public_key: Ed25519PublicKey) -> Head:
    """A printed head whose signature holds under ``public_key`` (no store needed);
    ``BadHead`` saying why not."""
    head = parse_head_text(text)
    problem = head.signature_problem(public_key)
    if problem is not None:
        raise BadHead(f"The printed head {head.id} does not check out: {problem}.")
    return head


def read_saved_head(folder: Path | None) -> Head | None:
    """The newest head the service saved in its keys folder, if any."""
    if folder is None:
        return None
    try:
        return Head.from_json((folder / LAST_HEAD_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None


def _save_head(folder: Path, head: Head) -> None:
    """Keep the newest head beside the keys (atomically; never an older one)."""
    try:
        saved = read_saved_head(folder)
    except BadHead:
        saved = None
    if saved is not None and saved.id >= head.id:
        return
    tmp = folder / f".{LAST_HEAD_FILE}.{secrets.token_hex(6)}"
    tmp.write_text(head.to_json(), "utf-8")
    os.replace(tmp, folder / LAST_HEAD_FILE)


_PENDING_HEAD = "audit_seal_head_to_save"


def _save_after_commit(session: Session, folder: Path | None, head: Head) -> None:
    if folder is not None:
        session.info[_PENDING_HEAD] = (folder, head)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_HEAD, None)
    if pending is None:
        return
    try:
        _save_head(*pending)
    except OSError:
        # The head is in the store; the next seal writes the file again.
        log.error("could not save the newest audit head beside the keys")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_HEAD, None)


def latest_head(session: Session) -> Head | None:
    row = session.exec(select(AuditHead).order_by(col(AuditHead.id).desc()).limit(1)).first()
    return None if row is None else Head.from_row(row)


# --- sealing ----------------------------------------------------------------------


def seal(session: Session, keys: ServiceKeys, version: int | None = None) -> Head:
    """Extend the keyed chain over every entry not sealed yet and sign a new head.

    Runs in the caller's transaction (``session``). ``version`` is the store's sync
    version to cover (default: read from ``sync_version``, waiting for any push in
    flight). When nothing changed since the newest head it writes nothing and
    returns that head. Before going on it checks, cheaply, that the trail still
    matches the newest head and the head saved beside the keys: if not it raises
    ``TrailTampered`` and writes nothing, so tampering is never sealed over.
    """
    write_pending(session)
    if version is None:
        version = int(
            session.execute(
                sa_select(col(SyncVersion.version))
                .where(col(SyncVersion.id) == 1)
                .with_for_update()
            ).scalar_one()
        )
    last = latest_head(session)
    _check_before_sealing(session, keys, last)
    top = int(session.execute(sa_select(func.max(col(AuditEventRow.seq)))).scalar() or 0)
    if last is not None:
        if version < last.version:
            raise ValueError(f"version {version} is older than head {last.id}'s {last.version}")
        if top == last.last_seq and version == last.version:
            _save_after_commit(session, keys.folder, last)
            return last
    last_seq, mac = (last.last_seq, last.mac) if last else (0, GENESIS)
    rows: list[dict[str, Any]] = []
    for entry in iter_chain(session, after=last_seq):
        mac = entry_mac(keys.chain_key, mac, entry)
        last_seq = int(entry.seq or 0)
        rows.append({"seq": last_seq, "mac": mac})
        if len(rows) >= _INSERT_BATCH:
            session.execute(insert(AuditMac), rows)
            rows = []
    if rows:
        session.execute(insert(AuditMac), rows)
    rows_since = _ledger_rows(session, last.version if last else -1, version)
    steps = list(_ledger_steps(last.ledger if last else GENESIS, rows_since))
    ledger = steps[-1][1] if steps else (last.ledger if last else GENESIS)
    row = AuditHead(
        last_seq=last_seq,
        mac=mac,
        version=version,
        ledger=ledger,
        at=clock.now().replace(microsecond=0),
        key_id=keys.key_id,
        signature="",
    )
    session.add(row)
    session.flush()
    unsigned = Head.from_row(row)
    row.signature = keys.sign(unsigned.signed_text())
    session.flush()
    head = Head.from_row(row)
    _save_after_commit(session, keys.folder, head)
    return head


def _check_before_sealing(session: Session, keys: ServiceKeys, last: Head | None) -> None:
    def refuse(what: str) -> TrailTampered:
        return TrailTampered(
            f"The audit trail was not sealed: {what}. Nothing was written. Run `caseworker "
            "audit verify` with the store and the keys folder, and tell the information "
            "governance lead."
        )

    saved = read_saved_head(keys.folder)
    if saved is not None:
        problem = saved.signature_problem(keys.public_key)
        if problem is not None:
            raise refuse(f"the head saved beside the keys does not check out ({problem})")
        row = session.get(AuditHead, saved.id)
        if row is None or Head.from_row(row) != saved:
            raise refuse(
                f"signed head {saved.id} of {saved.when()} is no longer in the store as it "
                "was signed: signed heads were deleted or changed"
            )
    if last is None:
        if session.execute(sa_select(func.count()).select_from(AuditMac)).scalar():
            raise refuse("the store holds seals but no signed head: the heads were deleted")
        return
    problem = last.signature_problem(keys.public_key)
    if problem is not None:
        raise refuse(f"the newest signed head ({last.id}) does not check out: {problem}")
    if last.last_seq:
        sealed = session.get(AuditMac, last.last_seq)
        entry = session.get(AuditEventRow, last.last_seq)
        if sealed is None or sealed.mac != last.mac or entry is None:
            raise refuse(
                f"entry {last.last_seq}, the last one head {last.id} covers, or its seal "
                "is missing or changed"
            )
    beyond = session.execute(
        sa_select(func.count()).select_from(AuditMac).where(col(AuditMac.seq) > last.last_seq)
    ).scalar()
    if beyond:
        raise refuse(f"the store holds seals after entry {last.last_seq} that no head signed")


def seal_store(store: Store, keys: ServiceKeys) -> Head:
    """:func:`seal` in a transaction of its own (the daily seal, ``audit head``)."""
    with store.unit_of_work() as session:
        return seal(session, keys)


# --- verifying --------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One place where the trail does not add up; ``seq`` is the entry, if one."""

    seq: int | None
    what: str


@dataclass
class TrailReport:
    """What :func:`verify` found. ``findings`` is empty when the trail is intact."""

    entries: int = 0
    sealed_to: int = 0
    unsealed: int = 0
    newest: Head | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        """The report in plain words, for the information governance lead."""
        if self.intact:
            sealed = (
                f"sealed and signed up to entry {self.sealed_to:,} (head {self.newest.id}, "
                f"signed {self.newest.when()})"
                if self.newest
                else "nothing sealed yet"
            )
            waiting = ""
            if self.unsealed:
                waiting = f"; {self.unsealed:,} newer entries are sealed at the next sync"
            return [f"Audit trail intact: {self.entries:,} entries verified, {sealed}{waiting}."]
        out = [f"Audit trail BROKEN: {len(self.findings)} problem(s) found."]
        for finding in self.findings:
            where = f"At entry {finding.seq}: " if finding.seq is not None else ""
            out.append(f"- {where}{finding.what}")
        out.append(
            "Report this to your information governance lead. Do not change the store: "
            "it is the evidence."
        )
        return out


_KINDS = {
    "changed": (
        "entry {a} does not match its seal: it was changed after it was sealed, or an "
        "entry just before it was deleted together with its seal.",
        "entries {a} to {b} do not match their seals: they were changed after they were "
        "sealed, or entries before them were deleted together with their seals.",
    ),
    "rechained": (
        "entry {a} no longer matches its seal either: the trail was re-chained after the "
        "changed entry before it (this one may have been changed too).",
        "entries {a} to {b} no longer match their seals either: the trail was re-chained "
        "after the changed entry before them (any of them may have been changed too).",
    ),
    "missing": (
        "entry {a} was deleted: its seal is still in the store.",
        "entries {a} to {b} were deleted: their seals are still in the store.",
    ),
    "inserted": (
        "entry {a} was added after the trail was sealed: it is not part of the sealed chain.",
        "entries {a} to {b} were added after the trail was sealed: they are not part of "
        "the sealed chain.",
    ),
    "seal_missing": (
        "the seal of entry {a} was deleted (the entry itself still fits the chain).",
        "the seals of entries {a} to {b} were deleted (the entries still fit the chain).",
    ),
    "unsealed": (
        "entry {a} has no seal although a signed head covers it: it was added later, or "
        "its seal was deleted.",
        "entries {a} to {b} have no seal although a signed head covers them: they were "
        "added later, or their seals were deleted.",
    ),
}


def _grouped(raw: list[tuple[int, str]]) -> list[Finding]:
    """Runs of the same problem as one line ("entries 12 to 40 were deleted")."""
    found: list[Finding] = []
    i = 0
    while i < len(raw):
        first, kind = raw[i]
        j = i
        while j + 1 < len(raw) and raw[j + 1][1] == kind:
            j += 1
        one, many = _KINDS[kind]
        text = one.format(a=first) if i == j else many.format(a=first, b=raw[j][0])
        found.append(Finding(first, text[0].upper() + text[1:]))
        i = j + 1
    return found


class _Chain:
    """Walks entries and seals together, in ``seq`` order."""

    def __init__(self, key: bytes, sealed_to: int, checkpoints: Iterable[int]) -> None:
        self.key, self.sealed_to = key, sealed_to
        self.prev = GENESIS  # follows the stored seals, so each problem is named once
        self.pure = GENESIS  # the chain as the entries alone give it
        self.pending: list[int] = []
        self.through_pending = GENESIS
        self.raw: list[tuple[int, str]] = []
        self.checkpoints = sorted(set(checkpoints))
        self.at_checkpoint: dict[int, str] = {}
        self.entries = self.unsealed = self.last_entry = 0
        self.prev_seq = self.last_mismatch = -1

    def _pass_checkpoints(self, upto: int) -> None:
        while self.checkpoints and self.checkpoints[0] < upto:
            self.at_checkpoint[self.checkpoints.pop(0)] = self.pure

    def _settle(self, kind: str) -> None:
        self.raw.extend((seq, kind) for seq in self.pending)
        self.pending = []

    def step(self, seq: int, entry: ChainFields | None, mac: str | None) -> None:
        self._pass_checkpoints(seq)
        self._step(seq, entry, mac)
        self.prev_seq = seq

    def _step(self, seq: int, entry: ChainFields | None, mac: str | None) -> None:
        if entry is not None:
            self.entries += 1
            self.last_entry = seq
        if entry is not None and mac is not None:
            expected = entry_mac(self.key, self.prev, entry)
            fits = mac == expected
            if self.pending:
                if fits:
                    self._settle("inserted")
                elif mac == entry_mac(self.key, self.through_pending, entry):
                    self._settle("seal_missing")
                    fits = True
                else:
                    self._settle("unsealed")
            if not fits:
                # A run of mismatches: the first entry was changed; re-chaining it
                # changed the hash of every entry after it, which the seals cover.
                follows = self.raw and self.raw[-1] == (self.last_mismatch, self.raw[-1][1])
                kind = "rechained" if follows and self.last_mismatch == self.prev_seq else "changed"
                self.raw.append((seq, kind))
                self.last_mismatch = seq
            self.prev = self.through_pending = mac
            self.pure = entry_mac(self.key, self.pure, entry)
        elif entry is None and mac is not None:
            self._settle("unsealed")
            self.raw.append((seq, "missing"))
            self.prev = self.through_pending = mac
        elif entry is not None:
            self.pure = entry_mac(self.key, self.pure, entry)
            if seq <= self.sealed_to:
                if not self.pending:
                    self.through_pending = self.prev
                self.pending.append(seq)
                self.through_pending = entry_mac(self.key, self.through_pending, entry)
            else:
                self.unsealed += 1

    def finish(self) -> None:
        self._settle("unsealed")
        self._pass_checkpoints(2**63)


def _merged(
    entries: Iterator[ChainFields], macs: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, ChainFields | None, str | None]]:
    entry, sealed = next(entries, None), next(macs, None)
    while entry is not None or sealed is not None:
        entry_seq = int(entry.seq or 0) if entry is not None else None
        if sealed is None or (entry_seq is not None and entry_seq < sealed[0]):
            assert entry is not None and entry_seq is not None
            yield entry_seq, entry, None
            entry = next(entries, None)
        elif entry_seq is None or sealed[0] < entry_seq:
            yield sealed[0], None, sealed[1]
            sealed = next(macs, None)
        else:
            yield entry_seq, entry, sealed[1]
            entry, sealed = next(entries, None), next(macs, None)


def verify(store: Store, keys: VerifyKeys, printed_head: str | None = None) -> TrailReport:
    """Check the store's trail against its seals, its signed heads, the head saved
    beside the keys and ``printed_head`` (the text :func:`head_text` printed), and
    run the unkeyed chain check. ``BadHead`` if ``printed_head`` cannot be read."""
    printed = parse_head_text(printed_head) if printed_head is not None else None
    report = TrailReport()
    found = report.findings
    with store.read() as session:
        stored = [
            Head.from_row(r) for r in session.exec(select(AuditHead).order_by(col(AuditHead.id)))
        ]
        if stored and all(h.key_id != keys.key_id for h in stored):
            # Every seal would look wrong: say the one thing that is, not a page of noise.
            signed_by = ", ".join(sorted({h.key_id for h in stored}))
            found.append(
                Finding(
                    None,
                    f"None of the store's {len(stored)} signed heads was signed with these "
                    f"keys (key id {keys.key_id}; the heads name {signed_by}): either these "
                    "are not the keys of this store's sync service, or every head was "
                    "replaced.",
                )
            )
            return report
        trusted = _check_heads(stored, keys, found)
        by_id = {h.id: h for h in stored}
        try:
            saved = read_saved_head(keys.folder)
        except BadHead:
            found.append(Finding(None, "The head saved beside the keys cannot be read."))
            saved = None
        anchors = [("saved beside the service's keys", saved), ("printed", printed)]
        for label, anchor in anchors:
            if anchor is None:
                continue
            problem = anchor.signature_problem(keys.public_key)
            if problem is not None:
                found.append(Finding(None, f"The {label} head {anchor.id}: {problem}."))
                continue
            if by_id.get(anchor.id) is None:
                found.append(
                    Finding(
                        None,
                        f"The {label} signed head {anchor.id} of {anchor.when()} is no longer "
                        "in the store: signed heads were deleted since.",
                    )
                )
            elif by_id[anchor.id] != anchor:
                found.append(
                    Finding(
                        None,
                        f"The store's copy of signed head {anchor.id} differs from the "
                        f"{label} one: the head was rewritten.",
                    )
                )
            if anchor not in trusted:
                trusted.append(anchor)
        sealed_to = max((h.last_seq for h in trusted), default=0)
        chain = _Chain(keys.chain_key, sealed_to, (h.last_seq for h in trusted))
        for seq, entry, mac in _merged(iter_chain(session), _iter_macs(session)):
            chain.step(seq, entry, mac)
        chain.finish()
        found.extend(_grouped(chain.raw))
        newest_seal = int(session.execute(sa_select(func.max(col(AuditMac.seq)))).scalar() or 0)
        if newest_seal > sealed_to:
            found.append(
                Finding(
                    None,
                    f"The store holds seals up to entry {newest_seal}, but the newest signed "
                    f"head it still has covers entries up to {sealed_to} only: signed heads "
                    "were deleted.",
                )
            )
        _check_trusted_heads(trusted, chain, found)
        _check_ledger(session, trusted, found)
        _check_authors(session, found)
        _checked, broken = verify_unkeyed(iter_chain(session))
        if broken is not None:
            found.append(
                Finding(
                    broken.seq,
                    f"the entries' own hash chain breaks here: {broken.reason}.",
                )
            )
    report.entries = chain.entries
    report.sealed_to = sealed_to
    report.unsealed = chain.unsealed
    report.newest = max(trusted, key=lambda h: h.id, default=None)
    found.sort(key=lambda f: (f.seq is None, f.seq or 0))
    return report


def _check_authors(session: Session, found: list[Finding]) -> None:
    """Each change the service applied from an enrolled laptop carries its author's
    signature (``services.signatures``); a row inserted or altered in the database
    does not. Changes with no author (the first manager signs with the key their own
    account brings) and those applied before the service are not checked here."""
    keys = {row.id: (row.officer_code, row.public_key) for row in session.exec(select(UserAccount))}
    answers = select(SyncMutation).where(
        SyncMutation.status == "applied",
        col(SyncMutation.device_id).is_not(None),
        col(SyncMutation.actor_id).is_not(None),
    )
    for answer in session.exec(answers.order_by(col(SyncMutation.server_version))):
        code, public = keys.get(answer.actor_id, ("an unknown account", ""))  # type: ignore[arg-type]
        if public and signing.verify(
            public, signing.change_message(answer.digest), answer.signature
        ):
            continue
        found.append(
            Finding(
                None,
                f"Change {answer.mutation_id} ({answer.name}) applied at sync version "
                f"{answer.server_version} is not signed by its author {code}: it did not "
                "pass the sync service's checks (it was inserted or altered in the database).",
            )
        )


def _check_heads(stored: list[Head], keys: VerifyKeys, found: list[Finding]) -> list[Head]:
    """The stored heads whose signatures hold; a finding for each other one."""
    trusted = []
    for head in stored:
        problem = head.signature_problem(keys.public_key)
        if problem is None:
            trusted.append(head)
        else:
            found.append(Finding(None, f"Signed head {head.id} ({head.when()}): {problem}."))
    return trusted


def _check_trusted_heads(trusted: list[Head], chain: _Chain, found: list[Finding]) -> None:
    """Each signed head's entry and MAC against the trail as it is now."""
    for head in sorted(trusted, key=lambda h: h.id):
        if head.last_seq > chain.last_entry:
            found.append(
                Finding(
                    chain.last_entry + 1,
                    f"the trail was cut short: it ends at entry {chain.last_entry}, but signed "
                    f"head {head.id} of {head.when()} covers entries up to {head.last_seq}; "
                    "the entries after it were deleted.",
                )
            )
            return
        explained = any(seq <= head.last_seq for seq, _kind in chain.raw)
        if not explained and chain.at_checkpoint.get(head.last_seq, GENESIS) != head.mac:
            found.append(
                Finding(
                    head.last_seq,
                    f"the trail up to here no longer gives the chain value signed head "
                    f"{head.id} of {head.when()} recorded: entries before it were rewritten "
                    "and re-sealed without the key, or replaced.",
                )
            )
            return


def _check_ledger(session: Session, trusted: list[Head], found: list[Finding]) -> None:
    """Each signed head's ledger digest against the decisions and ledger rows now."""
    if not trusted:
        return
    steps = list(_ledger_steps(GENESIS, _ledger_rows(session, -1, None)))
    matched_version = 0
    for head in sorted(trusted, key=lambda h: (h.version, h.id)):
        digest = GENESIS
        for version, value in steps:
            if version > head.version:
                break
            digest = value
        if digest == head.ledger:
            matched_version = max(matched_version, head.version)
            continue
        since = (
            f"between sync versions {matched_version} and {head.version}"
            if matched_version
            else f"at or before sync version {head.version}"
        )
        found.append(
            Finding(
                None,
                f"The decisions and fund ledger no longer match signed head {head.id} of "
                f"{head.when()}: a decision or fund ledger row written {since} was deleted, "
                "changed or added afterwards.",
            )
        )
        return
