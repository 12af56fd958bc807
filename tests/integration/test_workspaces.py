"""Workspaces end to end through the services: events never cross workspaces, operators see and
cancel a colleague's execution, members see their own, the buffering limits."""

from __future__ import annotations

import pytest

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import (
    BadRequestError,
    ConflictError,
    EventAlreadyReceivedError,
    ForbiddenError,
    NotFoundError,
    NoWaitingEventError,
    WorkflowNotFoundError,
)
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import execution_lists, execution_views, workflows
from wayvo_app.services.accounts import find_user
from wayvo_app.services.executions import cancel_execution, trigger_workflow
from wayvo_app.services.signals import deliver_signal, signal_event
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.execution_reads import ExecutionFilter
from wayvo_app.store.models import Execution


@pytest.fixture
def registry(db_url):
    set_registry(default_registry())
    yield
    set_registry(None)


def wait_doc() -> dict:
    nodes = [node("t", "Trigger"), node("w", "Wait for Event", "Wait for Event", eventNamespace="orders",
                                        eventKey="order-{{Trigger.orderId}}")]
    return document(nodes, [edge("t", "w")], "Wait for payment")


def _status(execution_id: str) -> str:
    with db.read_session() as s:
        return s.get(Execution, execution_id).status


def _start(workflow_id: str, user_name: str, order: str = "1") -> str:
    execution_id = trigger_workflow(workflow_id=workflow_id, user_name=user_name, input={"orderId": order}).execution_id
    drain()
    return execution_id


def team(roles: dict[str, str]) -> str:
    """A shared workspace whose admin is `lead`, with the given other members."""
    lead = make_user("lead", roles=())
    ids = {name: make_user(name, roles=()) for name in roles}
    with db.session() as s:
        ws = store_workspaces.create_workspace(s, "Team", lead)
        for name, role in roles.items():
            store_workspaces.set_member(s, ws.id, ids[name], role)
        return ws.id


def team_workflow(workspace_id: str, doc: dict) -> str:
    with db.session() as s:
        lead_id = find_user(s, "lead").id
        wf = workflows.create_workflow(s, lead_id, doc, workspace_id=workspace_id)
        workflows.publish_workflow(s, wf.id, lead_id)
        return wf.id


def test_same_namespace_and_key_wait_in_two_workspaces_and_a_signal_resumes_only_its_own(registry):
    alice, bob = make_user("alice"), make_user("bob")
    wf_a, wf_b = create_workflow(alice, wait_doc(), publish=True), create_workflow(bob, wait_doc(), publish=True)
    run_a, run_b = _start(wf_a, "alice"), _start(wf_b, "bob")
    assert (_status(run_a), _status(run_b)) == ("paused", "paused")  # the same pair waits twice
    result = deliver_signal(namespace="orders", key="order-1", payload={"paid": True}, user_id=bob)
    assert result.body["executionId"] == run_b
    drain()
    assert (_status(run_a), _status(run_b)) == ("paused", "success")
    with pytest.raises(EventAlreadyReceivedError):
        deliver_signal(namespace="orders", key="order-1", user_id=bob)
    signal_event(event_namespace="orders", event_key="order-1", user_name="alice")
    drain()
    assert _status(run_a) == "success"


def test_a_buffered_signal_of_one_workspace_is_not_taken_by_the_others_wait(registry):
    alice, bob = make_user("alice"), make_user("bob")
    forged = deliver_signal(namespace="orders", key="order-7", payload={"paid": True}, user_id=bob, buffer_for="10m")
    assert forged.buffered
    run_a = _start(create_workflow(alice, wait_doc(), publish=True), "alice", "7")
    assert _status(run_a) == "paused"
    run_b = _start(create_workflow(bob, wait_doc(), publish=True), "bob", "7")
    drain()
    assert _status(run_b) == "success"  # bob's own wait took it
    assert _status(run_a) == "paused"


def test_a_signal_into_a_workspace_the_sender_is_not_in_finds_nothing(registry):
    alice, bob = make_user("alice"), make_user("bob")
    run_a = _start(create_workflow(alice, wait_doc(), publish=True), "alice")
    with db.read_session() as s:
        alice_ws = store_workspaces.personal_workspace_id(s, alice)
    with pytest.raises(NoWaitingEventError):
        deliver_signal(namespace="orders", key="order-1", user_id=bob, workspace_id=alice_ws)
    assert _status(run_a) == "paused"


def test_buffer_for_and_the_number_of_buffered_signals_are_capped(registry, monkeypatch):
    owner = make_user("owner")
    with pytest.raises(BadRequestError, match="WAYVO_MAX_BUFFER_FOR"):
        deliver_signal(namespace="n", key="k", user_id=owner, buffer_for="8d")
    monkeypatch.setenv("WAYVO_MAX_BUFFERED_SIGNALS", "2")
    monkeypatch.setenv("WAYVO_MAX_BUFFER_FOR", "1h")
    reset_settings()
    try:
        with pytest.raises(BadRequestError, match="WAYVO_MAX_BUFFER_FOR"):
            deliver_signal(namespace="n", key="k", user_id=owner, buffer_for="2h")
        deliver_signal(namespace="n", key="k1", user_id=owner, buffer_for="10m")
        deliver_signal(namespace="n", key="k2", user_id=owner, buffer_for="10m")
        with pytest.raises(ConflictError, match="WAYVO_MAX_BUFFERED_SIGNALS"):
            deliver_signal(namespace="n", key="k3", user_id=owner, buffer_for="10m")
        other = make_user("other")  # the limit is per workspace
        assert deliver_signal(namespace="n", key="k3", user_id=other, buffer_for="10m").buffered
    finally:
        monkeypatch.delenv("WAYVO_MAX_BUFFERED_SIGNALS")
        monkeypatch.delenv("WAYVO_MAX_BUFFER_FOR")
        reset_settings()


def _listed(user_id: str, **flt) -> list[tuple[str, str]]:
    page, _ = execution_lists.page_of_executions(user_id, ExecutionFilter(**flt), 1, 50)
    return sorted((row["id"], row["startedBy"]) for row in page.rows)


def test_an_operator_sees_and_cancels_a_colleagues_execution_and_a_member_sees_only_their_own(registry):
    ws = team({"olga": "operator", "mia": "member", "max": "member"})
    wf = team_workflow(ws, wait_doc())
    ids = {name: make_user(name, roles=()) for name in ("olga", "mia", "max")}
    run_mia, run_max = _start(wf, "mia", "1"), _start(wf, "max", "2")
    assert _listed(ids["olga"]) == sorted([(run_mia, "mia"), (run_max, "max")])
    assert _listed(ids["olga"], started_by="max") == [(run_max, "max")]
    assert _listed(ids["mia"]) == [(run_mia, "mia")]
    assert execution_views.details_of(run_mia, ids["mia"])["id"] == run_mia
    with pytest.raises(NotFoundError, match="Execution not found"):
        execution_views.details_of(run_max, ids["mia"])
    with pytest.raises(NotFoundError, match="Execution not found"):
        cancel_execution(run_max, ids["mia"])
    with pytest.raises(ForbiddenError, match="operator"):
        cancel_execution(run_mia, ids["mia"])
    assert execution_views.details_of(run_max, ids["olga"])["id"] == run_max
    cancel_execution(run_max, ids["olga"])
    assert _status(run_max) == "cancelled"
    outsider = make_user("outsider", roles=())
    assert _listed(outsider) == []
    with pytest.raises(WorkflowNotFoundError, match="Workflow not found"):
        trigger_workflow(workflow_id=wf, user_name="outsider")
