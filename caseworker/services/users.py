"""People: the first manager, adding users, signing in with a password.

Passwords are stored only as Argon2 hashes and verified offline. After
``MAX_FAILURES`` wrong passwords in a row an account is locked for
``LOCK_MINUTES`` (kept in the store, so restarting does not reset it). A
password is passed straight to the hasher and never logged; the screens clear
their password fields as soon as it has been checked.

Each person also has a signing key (``domain.signing``), made with their first
password and stored sealed under it. Signing in opens it and keeps it unlocked in
this process (``services.keys``) until sign-out or lock, so the changes they make
are signed by them; an account made before keys existed gets one at its next
sign-in (``users.set_key``).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError
from sqlmodel import Session, col, select

from caseworker.domain.errors import describe
from caseworker.domain.users import Role, User
from caseworker.services import keys
from caseworker.services.audit import AuditTrail
from caseworker.services.errors import InvalidInput, NotFound, PermissionRefused, ServiceError
from caseworker.services.outbox import mutation
from caseworker.store.database import Store
from caseworker.store.tables import UserAccount, utcnow

if TYPE_CHECKING:  # cryptography is imported when first used, not at start-up
    from caseworker.domain.signing import PrivateKey

log = logging.getLogger(__name__)
MAX_FAILURES = 5
LOCK_MINUTES = 5
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


class SignInRefused(ServiceError):
    pass


def _validated(name: str, officer_code: str, role: Role) -> User:
    try:
        return User(name=name, officer_code=officer_code, role=role)
    except ValidationError as exc:
        raise InvalidInput(describe(exc, User)) from exc


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            {
                "password": f"Password: use at least {MIN_PASSWORD_LENGTH} characters "
                "(a few unrelated words are easy to remember)"
            }
        )


def to_user(row: UserAccount) -> User:
    """The account as the services see a person."""
    return User(id=row.id, name=row.name, officer_code=row.officer_code, role=Role(row.role))


def _insert(
    session: Session,
    user: User,
    password_hash: str | None,
    actor: User | None,
    public_key: str = "",
    sealed_key: str = "",
) -> None:
    if session.exec(
        select(UserAccount).where(UserAccount.officer_code == user.officer_code)
    ).first():
        raise InvalidInput({"officer_code": f"Officer code: {user.officer_code} is already in use"})
    session.add(
        UserAccount(
            id=user.id,
            name=user.name,
            officer_code=user.officer_code,
            role=user.role.value,
            password_hash=password_hash,
            public_key=public_key,
            sealed_key=sealed_key,
        )
    )
    AuditTrail(session, actor.id if actor else user.id).record(
        "user", user.id, "added", {"officer_code": user.officer_code, "role": user.role.value}
    )
    log.info("user %s added with role %s", user.id, user.role.value)


def needs_first_manager(store: Store) -> bool:
    """True until someone can sign in: the first run sets up a team manager."""
    with store.read() as session:
        return (
            session.exec(
                select(UserAccount.id).where(col(UserAccount.password_hash).is_not(None)).limit(1)
            ).first()
            is None
        )


def create_first_manager(store: Store, name: str, officer_code: str, password: str) -> User:
    """The team's first manager, signed in: their new key stays unlocked, and signs
    the change that adds them (it has no other author)."""
    from caseworker.domain import signing  # cryptography: when first used

    user = _validated(name, officer_code, Role.MANAGER)
    _check_password(password)
    key = signing.new_key(password)
    keys.remember(user.id, key.private)
    try:
        save_account(
            store,
            None,
            user,
            _hasher.hash(password),
            first_manager=True,
            public_key=key.public,
            sealed_key=key.sealed,
        )
    except BaseException:
        keys.forget(user.id)
        raise
    return user


def add_user(
    store: Store, manager: User, name: str, officer_code: str, role: Role, password: str
) -> User:
    """A team manager adds an officer or another manager."""
    from caseworker.domain import signing  # cryptography: when first used

    require_manager(manager, "add users")
    user = _validated(name, officer_code, role)
    _check_password(password)
    key = signing.new_key(password)  # sealed under their first password; not unlocked
    save_account(
        store,
        manager,
        user,
        _hasher.hash(password),
        public_key=key.public,
        sealed_key=key.sealed,
    )
    return user


@mutation("users.add", new=("account",))
def save_account(
    store: Store,
    actor: User | None,
    account: User,
    password_hash: str | None,
    first_manager: bool = False,
    public_key: str = "",
    sealed_key: str = "",
) -> None:
    """Add an account (the mutation synced: it carries the password's hash and the
    sealed signing key, never the password). Accounts without a manager are the first
    manager and system accounts for headless jobs, which cannot sign in."""
    if actor is not None:
        require_manager(actor, "add users")
    with store.unit_of_work() as session:
        if (
            first_manager
            and session.exec(
                select(UserAccount.id).where(col(UserAccount.password_hash).is_not(None)).limit(1)
            ).first()
        ):
            raise PermissionRefused("A team manager already exists; ask them to add you.")
        _insert(session, account, password_hash, actor, public_key, sealed_key)


@mutation("users.set_key")
def set_key(store: Store, user: User, public_key: str, sealed_key: str) -> None:
    """Give an account made before signing keys its first key (at its next sign-in).

    An account's key is never replaced this way: the team store takes the first key
    it is sent for an account (``services.signatures``)."""
    with store.unit_of_work() as session:
        row = session.get(UserAccount, user.id)
        if row is None:
            raise NotFound("That user is not in this store; their account has not been synced.")
        if row.public_key:
            raise PermissionRefused(
                f"{row.name} ({row.officer_code}) already has a signing key; it is not replaced."
            )
        if len(public_key) != 64 or not sealed_key:
            raise InvalidInput({"public_key": "Signing key: this is not a signing key"})
        row.public_key, row.sealed_key = public_key, sealed_key
        session.add(row)
        AuditTrail(session, user.id).record("user", user.id, "signing key set", {})


def system_user(store: Store, name: str, officer_code: str) -> User:
    """An account that cannot sign in, for headless jobs on this laptop (a subject
    access export, demo data). It is this store's own and is never synced: it has no
    signing key, so the team store would refuse it and everything it did."""
    user = _validated(name, officer_code, Role.OFFICER)
    with store.unit_of_work() as session:
        row = session.exec(
            select(UserAccount).where(UserAccount.officer_code == user.officer_code)
        ).first()
        if row is not None:
            return to_user(row)
        _insert(session, user, None, None)
    return user


def sign_in(store: Store, officer_code: str, password: str) -> User:
    """Check a password; also how a manager confirms an approval in person."""
    code = officer_code.strip().upper()
    with store.unit_of_work() as session:
        row = session.exec(select(UserAccount).where(UserAccount.officer_code == code)).first()
        if row is None or row.password_hash is None or not row.active:
            raise SignInRefused("The officer code or password is wrong. Check both and try again.")
        now = utcnow()
        locked_until = row.locked_until.replace(tzinfo=UTC) if row.locked_until else None
        if locked_until is not None and locked_until > now:
            minutes = max(1, round((locked_until - now).total_seconds() / 60))
            raise SignInRefused(
                f"Too many wrong passwords. This account is locked for {minutes} more "
                "minute(s); a team manager can help if you have forgotten it."
            )
        # Both checks of a password are deliberately slow (argon2id): the signing key is
        # opened in a second thread while the password is verified here, so signing in
        # waits for one derivation, not two, on a machine with two cores (the argon2
        # library lets go of the GIL). A wrong password opens nothing, as before.
        with ThreadPoolExecutor(max_workers=1) as pool:
            opening = (
                pool.submit(_open_sealed, row.sealed_key, password) if row.public_key else None
            )
            try:
                _hasher.verify(row.password_hash, password)
                refusal = None
            except (VerificationError, InvalidHashError):
                refusal = _count_failure(row, now)
                log.warning("failed sign-in for user %s", row.id)
            else:
                row.failed_sign_ins = 0
                row.locked_until = None
                log.info("user %s signed in", row.id)
            opened = opening.result() if opening is not None else None
        session.add(row)
        user = to_user(row)
        public_key = row.public_key
    # Raised after the commit, so the failure count is kept.
    if refusal is not None:
        raise refusal
    _unlock_key(store, user, password, public_key, opened)
    return user


def _open_sealed(sealed: str, password: str) -> PrivateKey | None:
    """The signing key sealed under ``password``; None if the password does not open it."""
    from caseworker.domain import signing  # cryptography: when first used

    try:
        return signing.unseal(sealed, password)
    except signing.SealedKeyRefused:
        return None


def _unlock_key(
    store: Store, user: User, password: str, public_key: str, private: PrivateKey | None
) -> None:
    """Keep the person's signing key (opened by :func:`_open_sealed`) unlocked; an account
    without one gets one now."""
    from caseworker.domain import signing  # cryptography: when first used

    if not public_key:
        key = signing.new_key(password)
        keys.remember(user.id, key.private)
        set_key(store, user, key.public, key.sealed)
        log.info("user %s given a signing key", user.id)
        return
    if private is None or signing.public_hex(private) != public_key:
        # Signed in all the same (the password is right); their changes go unsigned and
        # the team store will refuse them, with a reason, until the key is repaired.
        keys.forget(user.id)
        log.warning("user %s: signing key could not be opened", user.id)
        return
    keys.remember(user.id, private)


def forget_keys() -> None:
    """Sign-out and lock: every signing key unlocked here is forgotten, so nothing more
    is signed until someone types their password again."""
    keys.forget_all()


def put_away_key(user: User) -> None:
    """Forget one person's key: a manager who approved in person on someone else's
    laptop leaves nothing behind that signs for them."""
    keys.forget(user.id)


def _count_failure(row: UserAccount, now: datetime) -> SignInRefused:
    row.failed_sign_ins += 1
    left = MAX_FAILURES - row.failed_sign_ins
    if left > 0:
        return SignInRefused(
            f"The officer code or password is wrong. {left} tries left before the "
            "account is locked."
        )
    row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    row.failed_sign_ins = 0
    return SignInRefused(
        f"Too many wrong passwords. This account is locked for {LOCK_MINUTES} minutes."
    )


def require_manager(user: User, action: str) -> None:
    if user.role is not Role.MANAGER:
        raise PermissionRefused(f"Only a team manager can {action}.")


def list_users(store: Store) -> list[User]:
    with store.read() as session:
        rows = session.exec(select(UserAccount).order_by(col(UserAccount.name))).all()
        return [to_user(r) for r in rows if r.password_hash is not None]
