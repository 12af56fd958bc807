"""Defects found in the browser (issue 17) whose cause is in a service: each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import executions as commands
from wayvo_app.services import library as workflow_library
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store.models import ApprovalAudience, ApprovalRequest, Execution, ExecutionStep, utcnow


@pytest.fixture(autouse=True)
def registry(db_url):
    set_registry(default_registry())
    yield
    set_registry(None)


def _approval_workflow(owner: str) -> str:
    nodes = [node("t", "Trigger"),
             node("a", "Request Approval", "Request Approval", title="Budget", approvers="alice",
                  approvalType="any")]
    return create_workflow(owner, document(nodes, [edge("t", "a")], "Budget approval"))


def _count(model, **where) -> int:
    with db.read_session() as s:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return s.exec(stmt).scalar_one()


def test_deleting_a_workflow_with_a_waiting_approval_cancels_it_and_removes_its_rows(db_url):
    """Defect 1: approval audience rows blocked the delete ("An error occurred")."""
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    wf = _approval_workflow(owner)
    started = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain()
    assert _count(ApprovalAudience) > 0 and _count(Execution, status="paused") == 1
    assert workflow_library.open_executions(wf, owner) == 1  # the confirm dialog warns about it
    workflow_library.delete(wf, owner)
    assert workflow_library.list_rows(owner) == []
    assert _count(ApprovalAudience) == 0 and _count(ApprovalRequest) == 0
    assert _count(Execution, id=started.execution_id) == 0


def test_cancel_while_a_step_runs_leaves_no_step_running(db_url):
    """Defect 2: the running step stayed "running" for ever (and the viewer stopped watching)."""
    owner = make_user("owner")
    nodes = [node("t", "Trigger"), node("w", "Pause", "Sleep", duration="1s")]
    wf = create_workflow(owner, document(nodes, [edge("t", "w")], "Slow"))
    started = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    with db.session() as s:  # a worker is in the middle of the step
        (claimed,) = store.claim_due(s, "worker-1", utcnow() + timedelta(hours=1), 10, timedelta(minutes=5))
    commands.cancel_execution(started.execution_id, owner)
    with db.read_session() as s:
        steps = {row.node_id: row for row in store.steps_of(s, started.execution_id)}
    assert steps["w"].status == "cancelled" and steps["w"].error == "Cancelled by user"
    assert steps["w"].finished_at is not None
    with db.session() as s, pytest.raises(store.LeaseLost):  # the worker's late result is discarded
        store.fence_update(s, claimed.id, "worker-1", status="success", finished_at=utcnow())
    assert _count(ExecutionStep, status="running") == 0


def test_a_stale_draft_is_refused_unless_overwritten(db_url):
    """Defect 4: a second tab's autosave silently undid the first tab's edit."""
    from wayvo_app.services import builder as builder_session
    from wayvo_app.services.workflows import StaleDraftError

    owner = make_user("owner")
    wf = _approval_workflow(owner)
    first = builder_session.open_workflow(wf, owner)
    second = builder_session.open_workflow(wf, owner)
    saved = builder_session.save_draft(wf, owner, {**first["document"], "name": "Edited in tab 1"},
                                       first["revision"])
    assert saved["revision"] == first["revision"] + 1
    with pytest.raises(StaleDraftError) as stale:  # tab 2 still shows the old draft
        builder_session.save_draft(wf, owner, {**second["document"], "name": "Edited in tab 2"},
                                   second["revision"])
    from wayvo_app.api.errors import status_for

    assert status_for(stale.value) == 409
    assert builder_session.open_workflow(wf, owner)["document"]["name"] == "Edited in tab 1"
    builder_session.save_draft(wf, owner, {**second["document"], "name": "Edited in tab 2"})  # overwrite
    assert builder_session.open_workflow(wf, owner)["document"]["name"] == "Edited in tab 2"


def _publish_problems(owner: str, nodes: list[dict], edges: list[dict]) -> list[str]:
    from wayvo_app.core.errors import DocumentValidationError
    from wayvo_app.services import workflows

    wf = create_workflow(owner, document(nodes, edges, "Certain to fail"))
    with db.session() as s, pytest.raises(DocumentValidationError) as refused:
        workflows.publish_workflow(s, wf, owner)
    return [p.message for p in refused.value.problems]


@pytest.mark.parametrize("config, expected", [
    ({"approvers": "", "approverRoles": ""}, "no approvers"),
    ({"approvers": "alcie"}, 'approver "alcie" is not a user'),
    ({"approvers": "", "approverRoles": "auditor"}, 'no user has the approver role "auditor"'),
    ({"approvers": "alice", "contextData": '{"order": {{Trigger.id}},}'}, "contextData is not valid JSON"),
])
def test_publish_refuses_an_approval_certain_to_fail(db_url, config, expected):
    """Defect 5: these published fine and failed at their first run."""
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    nodes = [node("t", "Trigger"), node("a", "Approve", "Request Approval", title="Budget", **config)]
    problems = _publish_problems(owner, nodes, [edge("t", "a")])
    assert any(expected in p for p in problems), problems


def test_publish_refuses_bad_json_a_bad_condition_and_an_unconnected_step(db_url):
    owner = make_user("owner")
    nodes = [node("t", "Trigger"),
             node("h", "Call", "HTTP Request", endpoint="https://example.com", httpHeaders="{'X-A': 1}",
                  httpBody='{"id": {{Trigger.id}}'),
             node("c", "Check", "Condition", condition="{{Call.status}} === 200"),
             node("o", "Orphan", "HTTP Request", endpoint="https://example.com")]
    problems = "\n".join(_publish_problems(owner, nodes, [edge("t", "h"), edge("h", "c")]))
    assert "httpHeaders is not valid JSON" in problems and "httpBody is not valid JSON" in problems
    assert 'Node "Check" (c): the condition does not parse' in problems
    assert 'Node "Orphan" (o): is not connected to the trigger' in problems
    from wayvo_app.services import builder as builder_session

    shown = [p["message"] for p in builder_session.problems_of(document(nodes, [edge("t", "h"), edge("h", "c")]))]
    assert any("not connected to the trigger" in p for p in shown)  # the builder shows them before publish


def test_publish_accepts_a_workflow_that_can_run(db_url):
    from wayvo_app.services import workflows

    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    nodes = [node("t", "Trigger"),
             node("a", "Approve", "Request Approval", title="Budget", approvers="Alice",
                  approverRoles="approver", contextData='{"order": {{Trigger.id}}}'),
             node("h", "Call", "HTTP Request", endpoint="https://example.com",
                  httpHeaders='{"Authorization": "Bearer {{Trigger.token}}"}', httpBody="plain text"),
             node("c", "Check", "Condition", condition="{{Call.status}} == 200 and {{Approve.decision}} != 'no'")]
    wf = create_workflow(owner, document(nodes, [edge("t", "a"), edge("a", "h"), edge("h", "c")]))
    with db.session() as s:
        assert workflows.publish_workflow(s, wf, owner).version == 1
