"""Users, roles, passwords (argon2) and login sessions (signed bearer tokens)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, Signer
from sqlalchemy import func, select, update
from sqlmodel import Session

from wayvo_app.core.errors import AuthenticationError, BadRequestError, ConflictError
from wayvo_app.store.models import LoginSession, User, utcnow
from wayvo_app.store.users import user_by_name

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

    def to_json(self) -> dict:
        return {"userName": self.user_name, "displayName": self.display_name, "roles": list(self.roles)}


def principal_of(user: User, via_api_key: str | None = None) -> Principal:
    return Principal(user.id, user.user_name, user.display_name or user.user_name, user.email,
                     tuple(user.roles or ()), via_api_key)


def normalize_user_name(name: str) -> str:
    return (name or "").strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def count_users(s: Session) -> int:
    return s.exec(select(func.count()).select_from(User)).one()[0]


def find_user(s: Session, user_name: str) -> User | None:
    return user_by_name(s, user_name)


def create_user(s: Session, user_name: str, password: str, *, roles=(), email: str | None = None,
                display_name: str | None = None) -> User:
    name = normalize_user_name(user_name)
    if not name or any(c.isspace() or c == "," for c in name):
        raise BadRequestError("User name must be non-empty, without spaces or commas")
    if len(password or "") < 8:
        raise BadRequestError("Password must have at least 8 characters")
    if find_user(s, name) is not None:
        raise ConflictError(f'User "{name}" already exists')
    clean_roles = sorted({r.strip() for r in roles if r and r.strip()})
    user = User(user_name=name, display_name=(display_name or name).strip(), email=email or None,
                password_hash=_hasher.hash(password), roles=clean_roles)
    s.add(user)
    s.flush()
    return user


def set_roles(s: Session, user_name: str, roles: list[str]) -> User:
    user = find_user(s, user_name)
    if user is None:
        raise BadRequestError(f'User "{user_name}" not found')
    user.roles = sorted(set(roles))
    s.add(user)
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


def user_for_session(s: Session, token: str, secret_key: str, now: datetime | None = None) -> User | None:
    try:
        _signer(secret_key).unsign(token.encode())
    except BadSignature:
        return None
    now = now or utcnow()
    row = s.exec(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None),
               LoginSession.expires_at > now, User.disabled.is_(False))
    ).scalars().first()
    return row


def end_session(s: Session, token: str) -> None:
    s.exec(update(LoginSession).where(LoginSession.token_hash == hash_token(token)).values(revoked_at=utcnow()))
