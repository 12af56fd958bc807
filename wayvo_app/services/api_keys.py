"""Workflow API keys: `wfb_` + a random secret, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, NotFoundError
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import ApiKey, User, utcnow

KEY_PREFIX = "wfb_"


@dataclass(frozen=True)
class NewApiKey:
    row: ApiKey
    key: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(s: Session, user_id: str, name: str) -> NewApiKey:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequestError("API key name must be 1 to 200 characters")
    parts = [secrets.token_urlsafe(12) for _ in range(3)]
    key = KEY_PREFIX + "-".join(parts)
    row = ApiKey(user_id=user_id, name=name, key_hash=_hash(key), key_prefix=key[:9],
                 workspace_id=store_workspaces.personal_workspace_id(s, user_id))
    s.add(row)
    s.flush()
    return NewApiKey(row, key)


def list_api_keys(s: Session, user_id: str) -> list[ApiKey]:
    stmt = (select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc()))
    return list(s.exec(stmt).scalars())


def revoke_api_key(s: Session, user_id: str, key_id: str) -> None:
    result = s.exec(update(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id,
                                         ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if result.rowcount != 1:
        raise NotFoundError("API key not found")


def user_for_api_key(s: Session, key: str) -> tuple[User, ApiKey] | None:
    """The key's live owner, or None for an unknown, revoked or disabled-user key."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = s.exec(
        select(User, ApiKey).join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None), User.disabled.is_(False))
    ).first()
    if row is None:
        return None
    user, api_key = row
    now = utcnow()
    # Coarse last-used stamp: one write a minute per key at most, not one per request.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        s.exec(update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now))
    return user, api_key


# Entry points for the web layer: each opens its own transaction.

def new_api_key(user_id: str, name: str) -> NewApiKey:
    """A new key for the user; `key` is the secret, shown once."""
    with db.session() as s:
        return create_api_key(s, user_id, name)


def api_keys_of(user_id: str) -> list[ApiKey]:
    """The user's live keys, newest first."""
    with db.read_session() as s:
        return list_api_keys(s, user_id)


def revoke(user_id: str, key_id: str) -> None:
    with db.session() as s:
        revoke_api_key(s, user_id, key_id)
