"""Who a bearer token is, read in one statement built once (every API request asks): the live owner
of a workflow API key, or the user of a live login session. Core rows, not ORM objects: the
request needs a few columns, and the ORM's unit of work costs more than the query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, or_, select, update

from wayvo_app.store.models import ApiKey, LoginSession, User

_CALLER = (User.id, User.user_name, User.display_name, User.email, User.roles)

_KEY_OWNER = (
    select(*_CALLER, ApiKey.id.label("key_id"), ApiKey.name, ApiKey.scopes,
           ApiKey.workspace_id, ApiKey.last_used_at)
    .join_from(ApiKey, User, ApiKey.user_id == User.id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None), User.disabled.is_(False),
           or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > bindparam("now"))))

_SESSION_USER = (
    select(*_CALLER)
    .join_from(LoginSession, User, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None),
           LoginSession.expires_at > bindparam("now"), User.disabled.is_(False)))

_STAMP_KEY = update(ApiKey.__table__).where(ApiKey.__table__.c.id == bindparam("key_id")).values(
    last_used_at=bindparam("now"))


def key_owner(conn: Connection, key_hash: str, now: datetime) -> Row[Any] | None:
    """(id, user_name, display_name, email, roles: the owner's; key_id, name, scopes, workspace_id,
    last_used_at: the key's) of the live key with this hash whose owner is not disabled; None
    otherwise."""
    return conn.execute(_KEY_OWNER, {"key_hash": key_hash, "now": now}).first()


def stamp_key_used(conn: Connection, key_id: str, now: datetime) -> None:
    conn.execute(_STAMP_KEY, {"key_id": key_id, "now": now})


def session_user(conn: Connection, token_hash: str, now: datetime) -> Row[Any] | None:
    """(id, user_name, display_name, email, roles) of the user of the live session with this token
    hash, when that user is not disabled; None otherwise."""
    return conn.execute(_SESSION_USER, {"token_hash": token_hash, "now": now}).first()
