"""Users, roles, passwords (argon2) and login sessions (signed bearer tokens)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, Signer
from sqlalchemy import Connection, Row, func, select, text, update
from sqlmodel import Session

from wayvo_app.core.errors import AuthenticationError, BadRequestError, ConflictError
from wayvo_app.services import api_keys
from wayvo_app.store import db, token_reads
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.dialect import is_postgres
from wayvo_app.store.models import LoginSession, User, utcnow
from wayvo_app.store.users import normalize_user_name, user_by_name

SESSION_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown user equal to a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
BAD_CREDENTIALS = "Invalid user name or password"


@dataclass(frozen=True)
class Principal:
    """The acting user, as code outside the engine sees it."""

    id: str
    user_name: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    via_api_key: str | None = None
    # Set for an API key only (contract §7): what the key may do and the workspace it acts in.
    scopes: tuple[str, ...] | None = None
    workspace_id: str | None = None

    def to_json(self) -> dict:
        return {"userName": self.user_name, "displayName": self.display_name, "roles": list(self.roles)}


def principal_of(user: User | Row, via_api_key: str | None = None) -> Principal:
    return Principal(user.id, user.user_name, user.display_name or user.user_name, user.email,
                     tuple(user.roles or ()), via_api_key)


def principal_of_key(user: User | Row, key) -> Principal:
    """The caller of an API-key request: the key's creator, limited to the key's scopes and workspace
    (`key`: an ApiKey, or store/token_reads.key_owner's row, which holds both)."""
    return replace(principal_of(user, via_api_key=key.name), scopes=tuple(key.scopes or ()),
                   workspace_id=key.workspace_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def count_users(s: Session) -> int:
    return s.exec(select(func.count()).select_from(User)).one()[0]


def find_user(s: Session, user_name: str) -> User | None:
    return user_by_name(s, user_name)


def check_password(password: str) -> None:
    if len(password or "") < 8:
        raise BadRequestError("Password must have at least 8 characters")


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def clean_roles(roles) -> list[str]:
    """Sorted, unique role names; a role is one word (no spaces or commas)."""
    names = {r.strip() for r in roles if r and r.strip()}
    bad = sorted(r for r in names if any(c.isspace() or c == "," for c in r))
    if bad:
        raise BadRequestError(f'Role "{bad[0]}" must be one word, without spaces or commas')
    return sorted(names)


def create_user(s: Session, user_name: str, password: str, *, roles=(), email: str | None = None,
                display_name: str | None = None) -> User:
    name = normalize_user_name(user_name)
    if not name or any(c.isspace() or c == "," for c in name):
        raise BadRequestError("User name must be non-empty, without spaces or commas")
    check_password(password)
    if find_user(s, name) is not None:
        raise ConflictError(f'User "{name}" already exists')
    user = User(user_name=name, display_name=(display_name or name).strip(), email=email or None,
                password_hash=_hasher.hash(password), roles=clean_roles(roles))
    s.add(user)
    s.flush()
    store_workspaces.create_workspace(s, user.display_name or name, user.id, personal=True)
    return user


def authenticate(s: Session, user_name: str, password: str) -> User:
    """The user for these credentials; one message whether the user exists or not."""
    user = find_user(s, user_name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise AuthenticationError(BAD_CREDENTIALS)
    if user is None or user.disabled:
        raise AuthenticationError(BAD_CREDENTIALS)
    return user


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt="wayvo-session")


def start_session(s: Session, user: User, secret_key: str, now: datetime | None = None) -> tuple[str, datetime]:
    """A new signed session token (returned once) and its expiry; only its hash is stored."""
    now = now or utcnow()
    token = _signer(secret_key).sign(secrets.token_urlsafe(32)).decode()
    expires = now + SESSION_LIFETIME
    s.add(LoginSession(token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires))
    return token, expires


def session_principal(conn: Connection, token: str, secret_key: str, now: datetime | None = None) -> Principal | None:
    """The user of a live session token signed with `secret_key` (never an API key), when that
    user is not disabled; None otherwise. One statement on `conn` (store/token_reads.py)."""
    try:
        _signer(secret_key).unsign(token.encode())
    except BadSignature:
        return None
    row = token_reads.session_user(conn, hash_token(token), now or utcnow())
    return principal_of(row) if row is not None else None


def end_session(s: Session, token: str) -> None:
    s.exec(update(LoginSession).where(LoginSession.token_hash == hash_token(token)).values(revoked_at=utcnow()))


def end_sessions_of(s: Session, user_id: str, keep_token: str | None = None) -> int:
    """Revokes every live session of the user (but `keep_token`'s); returns how many."""
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != hash_token(keep_token))
    return s.exec(stmt.values(revoked_at=utcnow())).rowcount


def lock_users_for_setup(s: Session) -> None:
    """Serializes first-run setups: on PostgreSQL two transactions would both count zero users
    (SQLite's BEGIN IMMEDIATE already serializes writers). The mode conflicts with itself and with
    inserts, so the second setup waits, then counts the first owner."""
    if is_postgres(s):
        s.exec(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))


# Entry points for the web layer and the CLI: each opens its own transaction.

def has_users(url: str | None = None) -> bool:
    """Whether the first-run setup is done (an owner exists)."""
    with db.read_session(url) as s:
        return count_users(s) > 0


def sign_in(user_name: str, password: str, secret_key: str) -> tuple[str, datetime, Principal]:
    """A new session for these credentials: token, expiry and the user."""
    with db.session() as s:
        user = authenticate(s, user_name, password)
        token, expires = start_session(s, user, secret_key)
        return token, expires, principal_of(user)


def set_up_owner(user_name: str, password: str, secret_key: str, *, email: str | None = None,
                 display_name: str | None = None) -> str | None:
    """First run: the owner (role admin) and a session token; None when a user already exists."""
    with db.session() as s:
        lock_users_for_setup(s)
        if count_users(s) > 0:
            return None
        user = create_user(s, user_name, password, roles=["admin"], email=email, display_name=display_name)
        token, _ = start_session(s, user, secret_key)
        return token


def signed_in(token: str, secret_key: str) -> Principal | None:
    """The user of a live session token, or None. A read transaction: every event of an open
    tab asks (SessionGuard), and on SQLite a write transaction would take the write lock."""
    with db.read_session() as s:
        return session_principal(s.connection(), token, secret_key)


def principal_for_token(token: str, secret_key: str) -> Principal | None:
    """The caller of an API request: a workflow API key's owner or a session's user."""
    with db.statements() as conn:
        return principal_in(conn, token, secret_key)


def caller(authorize: Callable[[Connection], Principal]) -> Principal:
    """The caller's checks (api/auth.authorizer: limits, the token's lookup, scopes) on a
    connection of their own: for a route that runs them in its own thread hop, before its work."""
    with db.statements() as conn:
        return authorize(conn)


def principal_in(conn: Connection, token: str, secret_key: str, now: datetime | None = None) -> Principal | None:
    """principal_for_token on the caller's connection (in its transaction, if it has one): one
    statement, Core rows (store/token_reads.py); a key's coarse last-used stamp may add one."""
    if token.startswith(api_keys.KEY_PREFIX):
        row = api_keys.live_key_owner(conn, token, now)
        return principal_of_key(row, row) if row is not None else None
    return session_principal(conn, token, secret_key, now)


def sign_out(token: str) -> None:
    with db.session() as s:
        end_session(s, token)


def add_user(user_name: str, password: str, *, roles=(), email: str | None = None,
             display_name: str | None = None) -> Principal:
    with db.session() as s:
        return principal_of(create_user(s, user_name, password, roles=roles, email=email,
                                        display_name=display_name))


def add_missing_users(users: list[tuple[str, str, str, list[str]]], password: str,
                      url: str | None = None) -> list[bool]:
    """Creates each (name, display name, email, roles) not there yet, in one transaction; True per new one."""
    created = []
    with db.session(url) as s:
        for name, display, email, roles in users:
            missing = find_user(s, name) is None
            if missing:
                create_user(s, name, password, roles=roles, email=email, display_name=display)
            created.append(missing)
    return created

