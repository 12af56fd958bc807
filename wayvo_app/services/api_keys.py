"""Workflow API keys: `wfb_` + a random secret, shown once, stored as a SHA-256 hash. A key belongs
to one workspace, carries scopes (contract §7) and may expire; it acts with its creator's current role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, NotFoundError
from wayvo_app.core.times import aware
from wayvo_app.services import access
from wayvo_app.store import db, token_reads
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import ApiKey, User, utcnow

KEY_PREFIX = "wfb_"
SCOPES = ("execute", "signal", "approve", "manage")
DEFAULT_SCOPES = ("execute", "signal")


@dataclass(frozen=True)
class NewApiKey:
    row: ApiKey
    key: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def clean_scopes(scopes) -> list[str]:
    """The scopes in their canonical order; unknown names or an empty list are a 400."""
    if scopes is None:
        return list(DEFAULT_SCOPES)
    if not isinstance(scopes, (list, tuple)) or not all(isinstance(x, str) for x in scopes):
        raise BadRequestError("scopes must be a list of execute, signal, approve, manage")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise BadRequestError(f"Unknown scope '{unknown[0]}' (expected execute, signal, approve or manage)")
    if not scopes:
        raise BadRequestError("An API key needs at least one scope")
    return [scope for scope in SCOPES if scope in scopes]


def parse_expiry(value, now: datetime | None = None) -> datetime | None:
    """An expiry from `YYYY-MM-DD` (valid through that UTC day) or an ISO date-time; it must be future."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = aware(value)
    elif isinstance(value, date):
        moment = datetime.combine(value + timedelta(days=1), time(), UTC)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(), UTC)
            else:
                moment = aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise BadRequestError("expiresAt must be a date (YYYY-MM-DD) or an ISO date-time")
    else:
        raise BadRequestError("expiresAt must be a date (YYYY-MM-DD) or an ISO date-time")
    if moment <= (now or utcnow()):
        raise BadRequestError("expiresAt must be in the future")
    return moment.astimezone(UTC)


def _workspace_for_new_key(s: Session, user_id: str, workspace_id: str | None) -> str:
    """The key's workspace (default: the creator's personal one); §7: editors and admins manage keys."""
    return access.target_workspace(s, user_id, "key.create", workspace_id)


def create_api_key(s: Session, user_id: str, name: str, *, workspace_id: str | None = None,
                   scopes=None, expires_at=None) -> NewApiKey:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequestError("API key name must be 1 to 200 characters")
    clean = clean_scopes(scopes)
    expiry = parse_expiry(expires_at)
    workspace_id = _workspace_for_new_key(s, user_id, workspace_id)
    parts = [secrets.token_urlsafe(12) for _ in range(3)]
    key = KEY_PREFIX + "-".join(parts)
    row = ApiKey(user_id=user_id, name=name, key_hash=_hash(key), key_prefix=key[:9], scopes=clean,
                 expires_at=expiry, workspace_id=workspace_id)
    s.add(row)
    s.flush()
    return NewApiKey(row, key)


def list_api_keys(s: Session, who: Any, workspace_id: str | None = None) -> list[tuple[ApiKey, str]]:
    """(key, creator's user name) of the live keys the caller may see (access.py `key.view`: their
    own, and every key of the workspaces where they are an editor or admin), of one workspace when
    given (an API key: of its own only), newest first."""
    only = access.list_workspace(s, who, workspace_id)
    stmt = (select(ApiKey, User.user_name).join(User, User.id == ApiKey.user_id)
            .where(store_workspaces.visible_api_keys(access.user_id_of(who), only), ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc()))
    return [(key, name) for key, name in s.exec(stmt).all()]


def revoke_api_key(s: Session, who: Any, key_id: str) -> None:
    """Revoke a key the caller may revoke: their own, or any of a workspace where they are an editor
    or admin; 404 for a key they may not see."""
    row = s.get(ApiKey, key_id) if key_id else None
    access.require(s, who, "key.revoke", row if row is not None and row.revoked_at is None else None)
    result = s.exec(update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if result.rowcount != 1:
        raise NotFoundError("API key not found")


def _stamp_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Coarse last-used stamp: one write a minute per key at most, not one per request."""
    return last_used_at is None or (now - aware(last_used_at)).total_seconds() > 60


def live_key_owner(conn: Connection, key: str, now: datetime | None = None) -> Row[Any] | None:
    """The owner's columns and the key's (store/token_reads.key_owner) for a live key whose owner
    is not disabled; None for an unknown, revoked, expired or disabled-user key. One statement
    on `conn` (every API request asks), and a coarse last-used stamp."""
    if not key.startswith(KEY_PREFIX):
        return None
    now = now or utcnow()
    row = token_reads.key_owner(conn, _hash(key), now)
    if row is not None and _stamp_due(row.last_used_at, now):
        token_reads.stamp_key_used(conn, row.key_id, now)
    return row


# Entry points for the web layer: each opens its own transaction.

def new_api_key(user_id: str, name: str, *, workspace_id: str | None = None, scopes=None,
                expires_at=None) -> NewApiKey:
    """A new key for the user; `key` is the secret, shown once."""
    with db.session() as s:
        return create_api_key(s, user_id, name, workspace_id=workspace_id, scopes=scopes, expires_at=expires_at)


def api_keys_of(who: Any, workspace_id: str | None = None) -> list[ApiKey]:
    """The live keys the caller may see (of one workspace when given), newest first."""
    return [key for key, _ in keys_with_creators(who, workspace_id)]


def keys_with_creators(who: Any, workspace_id: str | None = None) -> list[tuple[ApiKey, str]]:
    """(key, creator's user name) of the live keys the caller may see, newest first."""
    with db.read_session() as s:
        return list_api_keys(s, who, workspace_id)


def revoke(user_id: Any, key_id: str) -> None:
    with db.session() as s:
        revoke_api_key(s, user_id, key_id)
