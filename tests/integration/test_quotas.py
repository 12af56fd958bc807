"""Issue 16 item 5 on a real database: running executions per workspace (429 naming the setting,
other workspaces unaffected), Trigger Workflow runs per minute, a templated HTTP timeout over the
bound, and DataSource Query limits, each refused with a message naming its setting."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import adrain, create_workflow, document, drain, edge, make_user, node
from tests.integration.test_datasource_nodes import _apply, tickets  # noqa: F401  (the fixture)
from wayvo_app.api.app import create_api
from wayvo_app.core.errors import QuotaExceededError, StepError
from wayvo_app.nodes import datasource_insert, datasource_query
from wayvo_app.services import accounts
from wayvo_app.services import executions as commands
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution


def _napper(owner: str) -> str:
    """A workflow that stays running until the engine is driven (nothing here drives it)."""
    return create_workflow(owner, document([node("t", "Trigger"), node("c", "Check", "Condition", condition="true")],
                                           [edge("t", "c")]))


def _token(user_name: str) -> dict:
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


async def test_running_executions_per_workspace_are_limited_with_429(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", "2")
    mine, theirs = _napper(make_user("owner")), _napper(make_user("other"))
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        started = [await api.post(f"/api/workflow/{mine}/execute", json={"input": {}}, headers=_token("owner"))
                   for _ in range(3)]
        other = await api.post(f"/api/workflow/{theirs}/execute", json={"input": {}}, headers=_token("other"))
    assert [r.status_code for r in started] == [200, 200, 429]
    refused = started[2]
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["code"] == "quota_exceeded"
    assert "WAYVO_MAX_RUNNING_PER_WORKSPACE" in refused.json()["error"] and "2 executions running" in refused.json()["error"]
    assert other.status_code == 200  # another workspace has its own quota
    await adrain()  # the two finish: the workspace may start again
    assert commands.trigger_workflow(workflow_id=mine, user_name="owner", input={}).status == "running"


def test_paused_executions_do_not_hold_the_running_quota(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", "1")
    owner = make_user()
    sleeper = create_workflow(owner, document([node("t", "Trigger"), node("z", "Nap", "Sleep", duration="1h")],
                                              [edge("t", "z")]))
    commands.trigger_workflow(workflow_id=sleeper, user_name="owner", input={})
    drain()  # now paused in its Sleep
    commands.trigger_workflow(workflow_id=sleeper, user_name="owner", input={})
    with pytest.raises(QuotaExceededError, match="WAYVO_MAX_RUNNING_PER_WORKSPACE"):
        commands.trigger_workflow(workflow_id=sleeper, user_name="owner", input={})


def test_trigger_workflow_runs_per_minute_are_limited(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_CHILDREN_PER_MINUTE", "2")
    owner = make_user()
    child = create_workflow(owner, document([node("t", "Trigger")], [], "Child"))
    callers = [node(f"w{i}", f"Start {i}", "Trigger Workflow", workflowId=child) for i in range(3)]
    parent = create_workflow(owner, document(
        [node("t", "Trigger"), *callers], [edge("t", "w0"), edge("w0", "w1"), edge("w1", "w2")], "Parent"))
    result = commands.trigger_workflow(workflow_id=parent, user_name="owner", input={})
    drain()
    with db.read_session() as s:
        runs = s.query(Execution).all()
        execution = s.get(Execution, result.execution_id)
    assert len([r for r in runs if r.parent_execution_id]) == 2
    assert execution.status == "error"
    assert 'Node "Start 2" failed: Trigger Workflow refused: This workspace started 2 workflows' in execution.error
    assert "(WAYVO_MAX_CHILDREN_PER_MINUTE)" in execution.error


def test_a_templated_http_timeout_over_the_bound_fails_the_step(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_STEP_TIMEOUT", "60")
    owner = make_user()
    wf = create_workflow(owner, document(
        [node("t", "Trigger"), node("h", "Call", "HTTP Request", httpMethod="GET", endpoint="https://example.com",
                                    timeout="{{Trigger.wait}}")], [edge("t", "h")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"wait": 600})
    drain()
    with db.read_session() as s:
        execution = s.get(Execution, result.execution_id)
    assert execution.status == "error"
    assert "timeout must be at most 60 seconds (WAYVO_MAX_STEP_TIMEOUT), found 600" in execution.error


async def test_a_query_reads_at_most_the_bound(tickets, monkeypatch):  # noqa: F811
    monkeypatch.setenv("WAYVO_MAX_QUERY_LIMIT", "2")
    await _apply(datasource_insert, {"rows": '[{"title": "a"}, {"title": "b"}, {"title": "c"}]'})
    assert (await _apply(datasource_query, {"limit": "2"}))["count"] == 2
    with pytest.raises(StepError, match=r"Limit must be at most 2 rows \(WAYVO_MAX_QUERY_LIMIT\), found 3"):
        await _apply(datasource_query, {"limit": "{{Trigger.n}}"}, {"n": 3})
    with pytest.raises(StepError, match=r"matched more than 2 rows: set a Limit of at most 2 \(WAYVO_MAX_QUERY_LIMIT\)"):
        await _apply(datasource_query, {})
    assert (await _apply(datasource_query, {"match": '{"title": "a"}'}))["count"] == 1
