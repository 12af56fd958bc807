"""Database engines and sessions: SQLite pragmas, immediate write transactions, PostgreSQL pools."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session

from wayvo_app.settings import get_settings

_engines: dict[tuple[str, bool], Engine] = {}
_autocommit_engines: dict[str, Engine] = {}
_lock = threading.Lock()
T = TypeVar("T")

# A pooled PostgreSQL connection is pinged at checkout only when it sat idle this long: a hot
# path reuses its connections within milliseconds and would pay a round trip per transaction for
# nothing (pool_pre_ping). A connection that died while in use fails its transaction once; the
# pool is then invalidated and `retry_once_on_disconnect` (or the caller's own loop) retries.
IDLE_PING_SECONDS = 2.0


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def is_postgres_url(url: str | None = None) -> bool:
    """Whether `url` (default: the configured database) is PostgreSQL."""
    return (url or get_settings().database_url).startswith("postgresql")


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front: a deferred transaction that upgrades
        # later fails at once with SQLITE_BUSY instead of waiting for the busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def get_engine(url: str | None = None, *, write: bool = True) -> Engine:
    """The shared engine for `url` (default: the configured database)."""
    url = url or get_settings().database_url
    key = (url, write if is_sqlite(url) else True)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if is_sqlite(url):
                engine = _sqlite_engine(url, immediate=key[1])
            else:
                engine = _postgres_engine(url)
            _engines[key] = engine
        return engine


def _postgres_engine(url: str, **options) -> Engine:
    engine = create_engine(url, pool_size=10, max_overflow=20, **options)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:  # the dialect's own ping: autocommit SELECT 1, so no transaction is left open
            engine.dialect._do_ping_w_event(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - the pool replaces the connection and tries again
            raise DisconnectionError() from exc

    return engine


def _autocommit_engine(url: str) -> Engine:
    """PostgreSQL: the engine of `statements()`, its connections in autocommit mode from the
    start, so nothing is set at checkout and reset at checkin (a connection of the shared engine
    switched to autocommit for one use costs about 35 us of CPU more a use). Nothing to roll
    back when one comes back: each statement committed or failed on its own."""
    engine = _autocommit_engines.get(url)
    if engine is None:
        with _lock:
            engine = _autocommit_engines.get(url)
            if engine is None:
                engine = _autocommit_engines[url] = _postgres_engine(url, isolation_level="AUTOCOMMIT",
                                                                     pool_reset_on_return=None)
    return engine


def retry_once_on_disconnect(fn: Callable[[], T]) -> T:
    """Run `fn` (one whole transaction); if it failed because its connection was dead (the pool
    is then invalidated), run it once more on a fresh connection."""
    try:
        return fn()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return fn()


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A write transaction: committed on success, rolled back on error."""
    with Session(get_engine(url), expire_on_commit=False) as s:
        with s.begin():
            yield s


@contextmanager
def statements(url: str | None = None) -> Iterator[Connection]:
    """A Core connection for a hot path of few statements. On PostgreSQL it autocommits (a pool
    of its own, `_autocommit_engine`): each statement is its own transaction, with no BEGIN and
    COMMIT round trips (a write that must be atomic is then one statement; under READ COMMITTED a
    read in a transaction of its own sees what it would have seen in a shared one). On SQLite one
    immediate write transaction, committed on success."""
    url = url or get_settings().database_url
    if is_postgres_url(url):
        with _autocommit_engine(url).connect() as conn:
            yield conn
        return
    with get_engine(url).begin() as conn:
        yield conn


@contextmanager
def read_session(url: str | None = None) -> Iterator[Session]:
    """A read-only session (a deferred transaction on SQLite)."""
    with Session(get_engine(url, write=False), expire_on_commit=False) as s:
        yield s


@contextmanager
def autocommit_session(url: str | None = None) -> Iterator[Session]:
    """PostgreSQL only: a Session over `statements()`, so every statement is its own transaction,
    committed when it returns (no BEGIN or COMMIT round trips). For a command whose writes are one
    statement (a signal)."""
    with statements(url) as conn, Session(bind=conn, expire_on_commit=False) as s:
        yield s


def dispose_engines() -> None:
    with _lock:
        for engine in (*_engines.values(), *_autocommit_engines.values()):
            engine.dispose()
        _engines.clear()
        _autocommit_engines.clear()
