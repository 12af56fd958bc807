"""The DataSource nodes: specs as the builder sees them, run inside the recording transaction as the
workflow's user, and end to end through the worker on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import NotFoundError, StepError
from wayvo_app.core.outcomes import Transactional
from wayvo_app.core.specs import Registry
from wayvo_app.core.templates import TemplateScope
from wayvo_app.datasources.registry import DataSource, register_data_source, unregister_data_source
from wayvo_app.engine.context import StepContext
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import datasource_delete, datasource_insert, datasource_query, datasource_update
from wayvo_app.nodes.datasource_nodes import DATASOURCE_NODE_SPECS
from wayvo_app.plugins.client_plugins import node_registry
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution, ExecutionStep


class NodeTables(SQLModel, registry=registry()):
    """Own metadata: the test table stays out of the app's schema."""


class Ticket(NodeTables, table=True):
    __tablename__ = "test_ds_tickets_issue5"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    status: str = "open"
    owner: str = ""


HOOKED: list[tuple[str, str]] = []


def _after_insert(*, rows, user, session):
    HOOKED.append(("insert", user.user_name))
    return rows


@pytest.fixture
def tickets(db_url):
    NodeTables.metadata.create_all(db.get_engine(db_url))
    HOOKED.clear()
    ds = register_data_source(DataSource(name="Tickets", model=Ticket, after_insert=_after_insert))
    yield ds
    unregister_data_source("Tickets")


def _ctx(outputs=None, user=("u1", "alice", ())) -> StepContext:
    return StepContext(execution_id="ex", workflow_id="wf", step_id="st", node_id="n", node_label="Node",
                       attempt=1, user_id=user[0], user_name=user[1], user_roles=user[2],
                       now=datetime.now(UTC),
                       scope=TemplateScope(outputs={"t": outputs or {}}, labels={"Trigger": "t"}, trigger_id="t"),
                       trigger_input=outputs or {})


async def _apply(module, config, outputs=None):
    outcome = await module.run(_ctx(outputs), {"datasourceId": "Tickets", **config})
    assert isinstance(outcome, Transactional)
    with db.session() as s:
        return outcome.apply(s).output


def test_specs_as_the_builder_sees_them(tickets):
    query = datasource_query.SPEC
    assert [f.key for f in query.config_fields] == ["datasourceId", "match", "select", "sort", "limit"]
    assert query.field("datasourceId").options_source == "datasources" and query.field("datasourceId").required
    assert query.field("select").options_dependency_keys == ("datasourceId",)
    assert [o.value for o in query.field("select").get_options({"datasourceId": "Tickets"})] == [
        "id", "title", "status", "owner"]
    assert query.field("select").get_options({}) == [] and query.field("limit").min == 1
    modes = {m.SPEC.action_type: (m.SPEC.config_fields[1].key, m.SPEC.config_fields[1].single_row_mode)
             for m in (datasource_insert, datasource_update, datasource_delete)}
    assert modes == {"DataSource Insert": ("rows", "insert"), "DataSource Update": ("row", "update"),
                     "DataSource Delete": ("rows", "delete")}
    assert [s.action_type for s in DATASOURCE_NODE_SPECS] == [
        "DataSource Query", "DataSource Insert", "DataSource Update", "DataSource Delete"]
    assert query.validate({"datasourceId": "Nope"}) == ['DataSource "Nope" not found']
    assert query.validate({"datasourceId": "Tickets"}) == []


async def test_nodes_write_only_when_applied_and_run_hooks_as_the_workflows_user(tickets):
    outcome = await datasource_insert.run(_ctx({"title": "Broken printer"}), {
        "datasourceId": "Tickets", "rows": '[{"title": "{{Trigger.title}}"}]'})
    with db.read_session() as s:
        assert s.exec(Ticket.__table__.select()).first() is None  # nothing until applied
    with db.session() as s:
        [row] = outcome.apply(s).output["rows"]
    assert row["title"] == "Broken printer" and HOOKED == [("insert", "alice")]
    updated = await _apply(datasource_update, {"row": {"id": "{{Trigger.id}}", "status": "closed"}},
                           {"id": row["id"]})
    assert updated == {"rows": [{"id": row["id"], "title": "Broken printer", "status": "closed", "owner": ""}]}
    queried = await _apply(datasource_query, {"match": json.dumps({"status": "closed"}),
                                              "select": '["title"]', "sort": "-id", "limit": "5"})
    assert queried == {"rows": [{"title": "Broken printer"}], "count": 1}
    deleted = await _apply(datasource_delete, {"rows": [{"id": row["id"]}]})
    assert deleted["rows"][0]["id"] == row["id"]
    assert (await _apply(datasource_query, {}))["count"] == 0


async def test_bad_configs_fail_the_step(tickets):
    with pytest.raises(StepError, match='DataSource "Nope" not found'):
        await datasource_query.run(_ctx(), {"datasourceId": "Nope"})
    with pytest.raises(StepError, match="Record to insert must be a JSON object or an array"):
        await datasource_insert.run(_ctx(), {"datasourceId": "Tickets", "rows": "[]"})
    with pytest.raises(NotFoundError, match="no row with id=42"):
        await _apply(datasource_delete, {"rows": '[{"id": 42}]'})


def _workflow_registry() -> Registry:
    base = node_registry()
    missing = [spec for spec in DATASOURCE_NODE_SPECS if spec.action_type not in base]
    return Registry([*base.all(), *missing])


@pytest.fixture
def engine_registry(tickets):
    reg = _workflow_registry()
    set_registry(reg)
    yield reg
    set_registry(None)


def test_a_workflow_inserts_updates_queries_and_deletes_exactly_once(engine_registry):
    owner = make_user("alice", roles=())
    nodes = [
        node("t", "Trigger"),
        node("ins", "Add ticket", "DataSource Insert", datasourceId="Tickets",
             rows='[{"title": "{{Trigger.title}}", "owner": "{{Trigger.who}}"}]'),
        node("upd", "Close it", "DataSource Update", datasourceId="Tickets",
             row='{"id": "{{Add ticket.rows.0.id}}", "status": "closed"}'),
        node("q", "Find closed", "DataSource Query", datasourceId="Tickets", match='{"status": "closed"}',
             select='["id", "title", "owner"]', sort="-id", limit=10),
        node("del", "Remove it", "DataSource Delete", datasourceId="Tickets",
             rows='[{"id": "{{Find closed.rows.0.id}}"}]'),
    ]
    edges = [edge("t", "ins"), edge("ins", "upd"), edge("upd", "q"), edge("q", "del")]
    workflow_id = create_workflow(owner, document(nodes, edges))
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="alice",
                                        input={"title": "Printer", "who": "bob"})
    drain(registry=engine_registry)
    with db.read_session() as s:
        execution = s.get(Execution, started.execution_id)
        steps = {r.node_id: r for r in s.exec(ExecutionStep.__table__.select().where(
            ExecutionStep.execution_id == started.execution_id))}
        remaining = s.exec(Ticket.__table__.select()).all()
    assert execution.status == "success", execution.error
    ticket_id = steps["ins"].output["rows"][0]["id"]
    assert steps["q"].output == {"rows": [{"id": ticket_id, "title": "Printer", "owner": "bob"}], "count": 1}
    assert steps["del"].output["rows"][0]["status"] == "closed"
    assert remaining == [] and HOOKED == [("insert", "alice")]
