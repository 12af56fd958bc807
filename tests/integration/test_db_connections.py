"""PostgreSQL connections found dead: store/db.statements() keeps its autocommit connections
checked out between uses (db._Autocommit) and the pools ping a connection idle for long at
checkout; a dead one fails one transaction at most (retry_once_on_disconnect then succeeds) or is
replaced before use, and nothing is left open after dispose_engines."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.services import executions as commands
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution

pytestmark = pytest.mark.postgres_only


def _workflow() -> str:
    owner = make_user()
    wf = create_workflow(owner, document([node("t", "Trigger"), node("a", "Check", "Condition", condition="true")],
                                         [edge("t", "a")]), publish=True)
    commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})  # what the next start assumes
    return wf


def _pid(conn) -> int:
    return conn.connection.driver_connection.info.backend_pid


def _terminate(pids: list[int]) -> None:
    """As a server restart would (the clients learn it at their next statement); from a
    connection of no pool of the product."""
    other = create_engine(get_settings().database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with other.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                               {"pids": pids}).scalar():
                time.sleep(0.01)  # until the server has ended them
    finally:
        other.dispose()


def _running(execution_id: str) -> bool:
    with db.read_session() as s:
        return s.get(Execution, execution_id).status == "running"


def test_dead_connections_fail_one_start_and_the_retry_gets_a_live_one(db_url):
    wf = _workflow()
    with db.statements() as first, db.statements() as second:  # two connections kept for reuse
        pids = [_pid(first), _pid(second)]
    _terminate(pids)
    attempts = []

    def start() -> str:
        try:
            return commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}).execution_id
        except DBAPIError as exc:
            attempts.append(exc.connection_invalidated)
            raise

    execution_id = db.retry_once_on_disconnect(start)
    # the first dead one failed the start, invalidated; the other one, suspect from then on, was
    # pinged before the retry and replaced
    assert attempts == [True]
    assert _running(execution_id)
    with db.statements() as conn:
        assert _pid(conn) not in pids


def test_a_kept_connection_idle_for_long_is_pinged_before_use(db_url, monkeypatch):
    wf = _workflow()
    with db.statements() as conn:
        pid = _pid(conn)
    _terminate([pid])
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every connection counts as idle for long
    assert _running(commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}).execution_id)


def test_a_pooled_connection_idle_for_long_is_pinged_at_checkout(db_url, monkeypatch):
    db.dispose_engines()  # a pool of one connection: the next checkout gets it back
    with db.session() as s:
        pid = s.connection().connection.driver_connection.info.backend_pid
    _terminate([pid])
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    with db.session() as s:  # the dead one is replaced by the pool: no error
        assert s.connection().execute(text("SELECT 1")).scalar() == 1
        assert s.connection().connection.driver_connection.info.backend_pid != pid


def test_at_most_a_pool_size_of_connections_wait_and_dispose_closes_them(db_url):
    with db.statements():
        nested = [db.statements() for _ in range(db.POOL_SIZE + 1)]  # more at once than a pool keeps idle
        for cm in nested:
            cm.__enter__()
        for cm in reversed(nested):
            cm.__exit__(None, None, None)
    kept = db._autocommit_of(db_url).idle
    assert len(kept) == db.POOL_SIZE
    drivers = [conn.connection.driver_connection for conn, _ in kept]
    db.dispose_engines()
    assert not kept and all(driver.closed for driver in drivers)
