"""The PostgreSQL/SQLite differences in one place (as DBOS splits its two system databases):
row locks, claiming due rows, waking listening workers, and running a hot statement straight on
the PostgreSQL driver."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeVar

import psycopg
from sqlalchemy import Connection, Select, TextClause, text
from sqlalchemy.exc import DBAPIError
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


def is_postgres_connection(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


class Fixed(NamedTuple):
    """A statement of a fixed shape, written once with :name parameters: SQLAlchemy's text for
    SQLite, psycopg's %(name)s form for PostgreSQL."""

    text: TextClause
    driver_sql: str


_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


def fixed(sql: str) -> Fixed:
    return Fixed(text(sql), _PARAMETER.sub(r"%(\1)s", sql))


def _cursor(info: dict, raw: psycopg.Connection, stmt: Fixed) -> psycopg.Cursor:
    """The connection's cursor for `stmt`, kept with the pooled connection: a cursor running the
    same statement again keeps its adapters (psycopg's Transformer), made anew for a new cursor."""
    cursors = info.get("wayvo_cursors")
    if cursors is None or cursors[0] is not raw:
        cursors = info["wayvo_cursors"] = (raw, {})
    cur = cursors[1].get(stmt.driver_sql)
    if cur is None:
        cur = cursors[1][stmt.driver_sql] = raw.cursor()
    return cur


def first_row(conn: Connection, stmt: Fixed, params: dict[str, Any]) -> tuple | None:
    """The first row of a statement that returns rows, None when it returned none. On PostgreSQL it runs straight on
    the psycopg connection under `conn`, prepared once per connection: SQLAlchemy's execution
    layer (about 0.1 ms of CPU a statement, most of what a hot path of two statements costs) is
    skipped, and its errors come out as SQLAlchemy's would (IntegrityError...; a connection found
    dead is invalidated). On SQLite through SQLAlchemy. No SQLAlchemy events fire on PostgreSQL."""
    if not is_postgres_connection(conn):
        return conn.execute(stmt.text, params).first()
    pooled = conn.connection
    raw = pooled.driver_connection
    try:
        cur = _cursor(pooled.info, raw, stmt)
        cur.execute(stmt.driver_sql, params, prepare=True)
        return cur.fetchone()  # every Fixed statement returns rows (maybe none)
    except psycopg.Error as exc:
        raise _wrapped(conn, raw, stmt, params, exc) from exc


def pipelined(conn: Connection, statements: list[tuple[Fixed, dict[str, Any]]], *,
              commit: bool = False) -> list[tuple[list[str], list[tuple]]]:
    """PostgreSQL only: `statements` sent together in psycopg's pipeline mode, in one round trip
    (each is still a statement of its own: under READ COMMITTED a later one sees what an earlier
    one wrote and the locks it took). With `commit`, the transaction's COMMIT goes in the same
    round trip (the session's own commit afterwards finds nothing to do; its after-commit hooks
    still run then). Each statement's (column names, rows), empty for one that returns none.
    Errors come out as `first_row`'s."""
    pooled = conn.connection
    raw = pooled.driver_connection
    cursors = []
    stmt, params = statements[0]
    try:
        with raw.pipeline():
            for stmt, params in statements:
                # The connection's cursor for this statement (its loaders already resolved, as
                # in first_row), unless the batch ran the same statement already.
                cur = _cursor(pooled.info, raw, stmt)
                if any(cur is seen for seen in cursors):
                    cur = raw.cursor()
                cur.execute(stmt.driver_sql, params, prepare=True)
                cursors.append(cur)
            if commit:
                raw.commit()
        out = []
        for cur, (stmt, _) in zip(cursors, statements, strict=True):
            names = _names(cur, stmt)
            out.append((names, cur.fetchall() if names else []))
        return out
    except psycopg.Error as exc:
        raise _wrapped(conn, raw, stmt, params, exc) from exc


# A Fixed statement's result columns never change (its shape is fixed; a table change under a
# prepared statement fails it), so their names are read once: psycopg's `description` builds a
# Column object per column on every call (78 of them for a claim with its worlds).
_NAMES: dict[str, list[str]] = {}


def _names(cur: psycopg.Cursor, stmt: Fixed) -> list[str]:
    """The names of the result's columns; empty for a statement that returned no rows."""
    result = cur.pgresult
    if result is None or not result.nfields:
        return []
    names = _NAMES.get(stmt.driver_sql)
    if names is None or len(names) != result.nfields:
        names = _NAMES[stmt.driver_sql] = [column.name for column in cur.description]
    return names


def _wrapped(conn: Connection, raw: Any, stmt: Fixed, params: dict[str, Any], exc: psycopg.Error) -> DBAPIError:
    """A psycopg error as SQLAlchemy raises it (IntegrityError...); a dead connection is invalidated."""
    dead = conn.dialect.is_disconnect(exc, raw, None)
    if dead:
        conn.invalidate(exc)
    return DBAPIError.instance(stmt.driver_sql, params, exc, psycopg.Error, connection_invalidated=dead,
                               dialect=conn.dialect)
