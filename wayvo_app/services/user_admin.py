"""People: installation administrators manage users (roles, e-mail, password, disable), and
everyone edits their own profile. Disabling or a password reset ends the user's sessions at once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from wayvo_app.services import accounts
from wayvo_app.store import db
from wayvo_app.store.models import User

ADMIN_ROLE = "admin"
NOT_ADMIN = "Only installation administrators may manage users"
LAST_ADMIN = "At least one active administrator must remain"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    """A user as the administration page and the CLI show it (never the password hash)."""

    id: str
    user_name: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    disabled: bool
    created_at: object


def _row(user: User) -> UserRow:
    return UserRow(user.id, user.user_name, user.display_name or user.user_name, user.email or "",
                   tuple(user.roles or ()), bool(user.disabled), user.created_at)


def is_admin(roles) -> bool:
    return ADMIN_ROLE in (roles or ())


def parse_roles(text: str) -> list[str]:
    """Roles typed in one field: separated by commas or spaces."""
    return accounts.clean_roles(re.split(r"[,\s]+", text or ""))


def clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 320 or not _EMAIL.match(email):
        raise BadRequestError(f'"{email}" is not an e-mail address')
    return email


def clean_display_name(name: str | None, fallback: str) -> str:
    name = (name or "").strip()
    if len(name) > 200:
        raise BadRequestError("Display name must have at most 200 characters")
    return name or fallback


def require_admin(s: Session, actor_id: str) -> User:
    """The acting administrator, read now (a role removed a second ago counts)."""
    actor = s.get(User, actor_id)
    if actor is None or actor.disabled or not is_admin(actor.roles):
        raise ForbiddenError(NOT_ADMIN)
    return actor


def _target(s: Session, user_id: str) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found")
    return user


def _other_active_admins(s: Session, user_id: str) -> int:
    users = s.exec(select(User).where(User.disabled.is_(False), User.id != user_id)).scalars()
    return sum(1 for u in users if is_admin(u.roles))


def _keep_an_admin(s: Session, user: User, *, disabling: bool, roles: list[str]) -> None:
    # Without an active admin nobody could manage users from the web any more.
    loses_admin = disabling or not is_admin(roles)
    if is_admin(user.roles) and not user.disabled and loses_admin and _other_active_admins(s, user.id) == 0:
        raise ConflictError(LAST_ADMIN)


def set_roles(s: Session, user: User, roles: list[str]) -> User:
    roles = accounts.clean_roles(roles)
    _keep_an_admin(s, user, disabling=False, roles=roles)
    user.roles = roles
    s.add(user)
    return user


def set_disabled(s: Session, user: User, disabled: bool) -> User:
    """Disabling also revokes every session: re-enabling does not bring old tabs back.
    API keys are refused while the user is disabled (api_keys.live_key_owner)."""
    if disabled:
        _keep_an_admin(s, user, disabling=True, roles=list(user.roles or ()))
        accounts.end_sessions_of(s, user.id)
    user.disabled = disabled
    s.add(user)
    return user


# Entry points for the web layer: each opens its own transaction and checks the actor first.

def users_for(actor_id: str) -> list[UserRow]:
    with db.session() as s:
        require_admin(s, actor_id)
        return [_row(u) for u in s.exec(select(User).order_by(User.user_name)).scalars()]


def create(actor_id: str, user_name: str, password: str, *, roles: str = "", email: str = "",
           display_name: str = "") -> UserRow:
    with db.session() as s:
        require_admin(s, actor_id)
        name = accounts.normalize_user_name(user_name)
        user = accounts.create_user(s, name, password, roles=parse_roles(roles), email=clean_email(email),
                                    display_name=clean_display_name(display_name, name))
        return _row(user)


def update(actor_id: str, user_id: str, *, display_name: str, email: str, roles: str) -> UserRow:
    """Display name, e-mail and approval roles of one user."""
    with db.session() as s:
        require_admin(s, actor_id)
        user = _target(s, user_id)
        set_roles(s, user, parse_roles(roles))
        user.email = clean_email(email)
        user.display_name = clean_display_name(display_name, user.user_name)
        s.add(user)
        return _row(user)


def reset_password(actor_id: str, user_id: str, password: str) -> UserRow:
    """A new password chosen by an administrator; the user's open sessions end."""
    with db.session() as s:
        require_admin(s, actor_id)
        user = _target(s, user_id)
        user.password_hash = accounts.hash_password(password)
        accounts.end_sessions_of(s, user.id)
        s.add(user)
        return _row(user)


def disable(actor_id: str, user_id: str, disabled: bool = True) -> UserRow:
    with db.session() as s:
        require_admin(s, actor_id)
        if disabled and user_id == actor_id:
            raise ConflictError("You cannot disable your own account")
        return _row(set_disabled(s, _target(s, user_id), disabled))


# Anyone, on their own account.

def profile_of(user_id: str) -> UserRow:
    with db.read_session() as s:
        return _row(_target(s, user_id))


def update_profile(user_id: str, *, display_name: str, email: str) -> UserRow:
    with db.session() as s:
        user = _target(s, user_id)
        user.email = clean_email(email)
        user.display_name = clean_display_name(display_name, user.user_name)
        s.add(user)
        return _row(user)


def change_password(user_id: str, current: str, new: str, keep_token: str | None = None) -> int:
    """Needs the current password; signs out the user's other sessions. Returns how many ended."""
    with db.session() as s:
        user = _target(s, user_id)
        if not accounts.password_matches(user, current):
            raise BadRequestError("The current password is wrong")
        user.password_hash = accounts.hash_password(new)
        s.add(user)
        return accounts.end_sessions_of(s, user.id, keep_token=keep_token)


# The command line (an operator on the server: no acting user).

def cli_set_roles(user_name: str, roles: list[str]) -> UserRow:
    with db.session() as s:
        user = _named(s, user_name)
        return _row(set_roles(s, user, roles))


def cli_set_disabled(user_name: str, disabled: bool) -> UserRow:
    with db.session() as s:
        return _row(set_disabled(s, _named(s, user_name), disabled))


def _named(s: Session, user_name: str) -> User:
    user = accounts.find_user(s, user_name)
    if user is None:
        raise NotFoundError(f'User "{accounts.normalize_user_name(user_name)}" not found')
    return user
