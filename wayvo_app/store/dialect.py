"""The PostgreSQL/SQLite differences in one place (as DBOS splits its two system databases):
row locks, claiming due rows, and waking listening workers."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlmodel import Session

WORK_CHANNEL = "wayvo_work"

S = TypeVar("S", bound=Select)


def is_postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def pick(s: Session, *, postgres: S, sqlite: S) -> S:
    """One of two prebuilt statements (hot paths build their constructs once)."""
    return postgres if is_postgres(s) else sqlite


def locked(s: Session, stmt: S, *, of=None) -> S:
    """`stmt` taking row locks: FOR UPDATE on PostgreSQL. SQLite has no row locks; there every
    write transaction starts with BEGIN IMMEDIATE (store/db.py), so writers are serialized."""
    return stmt.with_for_update(of=of) if is_postgres(s) else stmt


def claimable(s: Session, stmt: S) -> S:
    """`stmt` for claiming work among concurrent workers: FOR UPDATE SKIP LOCKED on PostgreSQL
    (each worker takes different rows); on SQLite the immediate write transaction of the claim
    already excludes other claimers."""
    return stmt.with_for_update(skip_locked=True) if is_postgres(s) else stmt


def notify_work(s: Session) -> None:
    """On PostgreSQL, wake listening workers when this transaction commits (NOTIFY is
    transactional and deduplicated per transaction); SQLite workers poll instead."""
    if is_postgres(s):
        s.connection().exec_driver_sql(f"NOTIFY {WORK_CHANNEL}")
