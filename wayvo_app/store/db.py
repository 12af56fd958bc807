"""Database engines and sessions: SQLite pragmas, immediate write transactions, PostgreSQL pools."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session

from wayvo_app.settings import get_settings

_engines: dict[tuple[str, bool], Engine] = {}
_autocommit: dict[str, _Autocommit] = {}
_lock = threading.Lock()
T = TypeVar("T")

# A pooled PostgreSQL connection is pinged at checkout only when it sat idle this long: a hot
# path reuses its connections within milliseconds and would pay a round trip per transaction for
# nothing (pool_pre_ping). A connection that died while in use fails its transaction once; the
# pool is then invalidated and `retry_once_on_disconnect` (or the caller's own loop) retries.
IDLE_PING_SECONDS = 2.0
POOL_SIZE = 10  # connections a PostgreSQL pool keeps open while idle (20 more at busy times)


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
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=20, **options)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        if not _ping(engine, dbapi_conn):
            raise DisconnectionError()  # the pool replaces the connection and tries again

    return engine


def _ping(engine: Engine, dbapi_conn) -> bool:
    """Whether the connection answers the dialect's own ping (an autocommit SELECT 1, so no
    transaction is left open). SQLAlchemy's ping answers False for a connection found dead."""
    try:
        return bool(engine.dialect._do_ping_w_event(dbapi_conn))
    except Exception:  # noqa: BLE001 - any other failure: not usable either
        return False


class _Autocommit:
    """PostgreSQL: the connections of `statements()`, from an engine of their own in autocommit
    mode from the start (nothing set at checkout nor reset at checkin: each statement committed
    or failed on its own). Between two uses a connection stays checked out of that engine's pool,
    in `idle`: a use pops one there instead of a pool checkout and checkin (about 80 Python
    calls, a quarter of a start's CPU). At most POOL_SIZE wait there, as in a pool; one that sat
    idle IDLE_PING_SECONDS or more is pinged first, as the pool's checkout does."""

    def __init__(self, url: str):
        self.engine = _postgres_engine(url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
        self.idle: deque[tuple[Connection, float]] = deque()

    def take(self) -> Connection:
        while True:
            try:
                conn, since = self.idle.pop()  # the most recently used
            except IndexError:
                return self.engine.connect()
            if time.monotonic() - since < IDLE_PING_SECONDS or self._alive(conn):
                return conn

    def _alive(self, conn: Connection) -> bool:
        if _ping(self.engine, conn.connection.dbapi_connection):
            return True
        conn.invalidate()  # dropped; the next one is tried
        conn.close()
        return False

    def give_back(self, conn: Connection) -> None:
        """Kept for the next use if it is sound; else returned to the pool invalidated (which
        closes it). One found dead makes the waiting ones suspect (the server may have restarted,
        as a pool invalidates its connections then): each is pinged before its next use."""
        if conn.invalidated:
            conn.close()
            self._suspect_idle()
        elif conn.connection.driver_connection.pgconn.transaction_status != TransactionStatus.IDLE:
            conn.invalidate()  # interrupted mid-statement: nobody else gets it
            conn.close()
        elif conn.in_transaction() or len(self.idle) >= POOL_SIZE:
            conn.close()
        else:
            self.idle.append((conn, time.monotonic()))

    def _suspect_idle(self) -> None:
        for _ in range(len(self.idle)):
            try:
                conn, _since = self.idle.popleft()
            except IndexError:  # taken meanwhile
                return
            self.idle.append((conn, 0.0))

    def dispose(self) -> None:
        while self.idle:
            self.idle.pop()[0].close()
        self.engine.dispose()


def _autocommit_of(url: str) -> _Autocommit:
    found = _autocommit.get(url)
    if found is None:
        with _lock:
            found = _autocommit.get(url)
            if found is None:
                found = _autocommit[url] = _Autocommit(url)
    return found


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
    of its own, `_Autocommit`): each statement is its own transaction, with no BEGIN and
    COMMIT round trips (a write that must be atomic is then one statement; under READ COMMITTED a
    read in a transaction of its own sees what it would have seen in a shared one). On SQLite one
    immediate write transaction, committed on success."""
    url = url or get_settings().database_url
    if is_postgres_url(url):
        hot = _autocommit_of(url)
        conn = hot.take()
        try:
            yield conn
        finally:
            hot.give_back(conn)
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
        for engine in _engines.values():
            engine.dispose()
        for hot in _autocommit.values():
            hot.dispose()
        _engines.clear()
        _autocommit.clear()
