"""Trigger Workflow cannot run away: no self-reference on save, no cycle and a depth limit at run
time, and cancelling a parent cancels its running descendants (issue 16 item 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import DocumentValidationError
from wayvo_app.services import builder, workflows
from wayvo_app.services import executions as commands
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution


def _caller(target: str, name: str, wait: str = "false", **extra) -> dict:
    return document([node("t", "Trigger"), node("w", "Start", "Trigger Workflow", workflowId=target,
                                                waitForCompletion=wait, **extra)], [edge("t", "w")], name)


def _executions() -> list[Execution]:
    with db.read_session() as s:
        return list(s.exec(select(Execution).order_by(Execution.started_at)).scalars())


def _save(owner: str, workflow_id: str, doc: dict, strict: bool = True) -> None:
    with db.session() as s:
        workflows.update_workflow(s, workflow_id, owner, doc, strict=strict)


def test_a_workflow_that_starts_itself_is_refused_on_save(db_url):
    owner = make_user()
    wf = create_workflow(owner, document([node("t", "Trigger")], []))
    with pytest.raises(DocumentValidationError) as caught:
        _save(owner, wf, _caller(wf, "Loop"))
    assert 'Node "Start" (w): a workflow cannot start itself' in str(caught.value)
    assert caught.value.problems[0].field == "workflowId"
    saved = builder.save_draft(wf, owner, _caller(wf, "Loop"))  # autosave keeps it, listing the problem
    assert any("cannot start itself" in p["message"] for p in saved["problems"])
    with pytest.raises(DocumentValidationError):
        builder.publish(wf, owner)


def test_a_cycle_between_workflows_is_refused_at_run_time(db_url):
    owner = make_user()
    a = create_workflow(owner, document([node("t", "Trigger")], [], "A"))
    b = create_workflow(owner, _caller(a, "B"))
    _save(owner, a, _caller(b, "A"))
    result = commands.trigger_workflow(workflow_id=a, user_name="owner")
    drain()
    runs = _executions()
    assert [r.workflow_id for r in runs] == [a, b]
    assert runs[0].status == "success" and runs[1].status == "error"
    assert "cycle" in runs[1].error and result.execution_id in [r.id for r in runs]


def test_a_templated_self_reference_is_refused_at_run_time(db_url):
    owner = make_user()
    wf = create_workflow(owner, _caller("{{Trigger.target}}", "Self"))
    commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"target": wf})
    drain()
    runs = _executions()
    assert len(runs) == 1 and runs[0].status == "error" and "cycle" in runs[0].error


def test_nesting_deeper_than_the_setting_is_refused(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_WORKFLOW_DEPTH", "2")
    reset_settings()
    owner = make_user()
    last = create_workflow(owner, document([node("t", "Trigger")], [], "W4"))
    w3 = create_workflow(owner, _caller(last, "W3"))
    w2 = create_workflow(owner, _caller(w3, "W2"))
    w1 = create_workflow(owner, _caller(w2, "W1"))
    commands.trigger_workflow(workflow_id=w1, user_name="owner")
    drain()
    runs = {r.workflow_id: r for r in _executions()}
    assert set(runs) == {w1, w2, w3}  # W1 is depth 0, W2 depth 1, W3 depth 2; W4 would be depth 3
    assert runs[w3].status == "error" and "WAYVO_MAX_WORKFLOW_DEPTH" in runs[w3].error
    assert runs[w1].status == "success" and runs[w2].status == "success"


def test_cancelling_a_parent_cancels_its_running_descendants(db_url):
    owner = make_user()
    sleeper = create_workflow(owner, document(
        [node("t", "Trigger"), node("z", "Nap", "Sleep", duration="1h")], [edge("t", "z")], "Sleeper"))
    middle = create_workflow(owner, document(
        [node("t", "Trigger"), node("w", "Start", "Trigger Workflow", workflowId=sleeper),
         node("z", "Nap", "Sleep", duration="1h")], [edge("t", "w"), edge("w", "z")], "Middle"))
    top = create_workflow(owner, _caller(middle, "Top", wait="true"))
    other = create_workflow(owner, document(
        [node("t", "Trigger"), node("z", "Nap", "Sleep", duration="1h")], [edge("t", "z")], "Unrelated"))
    result = commands.trigger_workflow(workflow_id=top, user_name="owner")
    unrelated = commands.trigger_workflow(workflow_id=other, user_name="owner")
    drain()
    assert {r.workflow_id: r.status for r in _executions()} == {
        top: "paused", middle: "paused", sleeper: "paused", other: "paused"}
    commands.cancel_execution(result.execution_id, owner)
    runs = {r.workflow_id: r for r in _executions()}
    assert {w: runs[w].status for w in (top, middle, sleeper)} == dict.fromkeys((top, middle, sleeper),
                                                                               "cancelled")
    assert "parent execution was cancelled" in runs[sleeper].error
    assert runs[other].status == "paused" and runs[other].id == unrelated.execution_id
