"""Looking users up by name (names are stored trimmed and lower-case)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from wayvo_app.store.models import User


def normalize_user_name(name: str | None) -> str:
    return (name or "").strip().lower()


_BY_NAME = select(User).where(User.user_name == bindparam("name"))  # built once: every decision reads it


def user_by_name(s: Session, name: str | None) -> User | None:
    """The user with this name (any case, surrounding spaces ignored), disabled or not."""
    return s.exec(_BY_NAME, params={"name": normalize_user_name(name)}).scalars().first()


def active_users(s: Session) -> list[User]:
    """Every user who may sign in, by user name (who can be named as an approver)."""
    return list(s.exec(select(User).where(User.disabled.is_(False)).order_by(User.user_name)).scalars())
