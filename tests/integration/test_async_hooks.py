"""`async def` DataSource hooks run in the caller's transaction like sync ones: from a sync caller,
and from a caller already inside an event loop (a step, an async route)."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import create_workflow, document, make_user, node
from tests.integration.test_datasources import DsOrder, _executions, _principal, orders  # noqa: F401
from wayvo_app.datasources.registry import DataSource, save_data_source
from wayvo_app.services import executions as commands
from wayvo_app.store import db


@pytest.fixture
def async_orders(orders):  # noqa: F811 - the fixture imported above
    owner = make_user("alice", roles=())
    workflow_id = create_workflow(owner, document([node("t", "Trigger")], [], name="Orders"))

    async def after_insert(*, rows, user, session):
        await asyncio.sleep(0)  # a real suspension point inside the hook
        for row in rows:
            commands.trigger_workflow(workflow_id=workflow_id, user_name=user.user_name,
                                      input={"orderId": row["id"]}, session=session)
        return [{**row, "seen": True} for row in rows]

    ds = DataSource(name="AsyncOrders", model=DsOrder, after_insert=after_insert)
    return ds, workflow_id, _principal(owner, "alice")


def test_an_async_hook_commits_with_the_caller(async_orders):
    ds, workflow_id, alice = async_orders
    with db.session() as s:
        [row] = save_data_source(s, alice, ds, [{"_status": "I", "customer": "ada"}])
    assert row["seen"] is True
    [execution] = _executions(workflow_id)
    assert execution.input == {"orderId": row["id"]}


def test_an_async_hook_rolls_back_with_the_caller(async_orders):
    ds, workflow_id, alice = async_orders
    with pytest.raises(RuntimeError, match="caller aborts"):
        with db.session() as s:
            save_data_source(s, alice, ds, [{"_status": "I", "customer": "ada"}])
            raise RuntimeError("caller aborts")
    assert _executions(workflow_id) == []


async def test_an_async_hook_runs_from_inside_an_event_loop(async_orders):
    ds, workflow_id, alice = async_orders
    with db.session() as s:
        [row] = save_data_source(s, alice, ds, [{"_status": "I", "customer": "bob"}])
    assert row["seen"] is True and len(_executions(workflow_id)) == 1


def test_an_async_hook_that_raises_rolls_the_insert_back(orders):  # noqa: F811
    async def explode(**_):
        raise RuntimeError("async hook failed")

    ds = DataSource(name="AsyncExploding", model=DsOrder, after_insert=explode)
    with pytest.raises(RuntimeError, match="async hook failed"):
        with db.session() as s:
            save_data_source(s, _principal("u-zoe", "zoe"), ds, [{"_status": "I", "customer": "ghost"}])
    with db.read_session() as s:
        assert s.exec(DsOrder.__table__.select().where(DsOrder.customer == "ghost")).all() == []
