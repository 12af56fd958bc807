"""Defects found in the browser (issue 17) whose cause is in a service: each test failed before its fix."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import executions as commands
from wayvo_app.services import library as workflow_library
from wayvo_app.store import db
from wayvo_app.store.models import ApprovalAudience, ApprovalRequest, Execution


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

