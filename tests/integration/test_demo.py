"""`wayvo demo` loads users and runnable sample workflows; running it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import drain
from wayvo_app.demo import load_demo
from wayvo_app.services import executions as commands
from wayvo_app.services.decisions import decide_approval
from wayvo_app.services.signals import signal_event
from wayvo_app.store import db
from wayvo_app.store.models import ApprovalRequest, EmailMessage, Execution, Workflow


def _workflow(name: str) -> str:
    with db.read_session() as s:
        return s.exec(select(Workflow.id).where(Workflow.name == name)).scalar_one()


def _status(execution_id: str) -> str:
    with db.read_session() as s:
        return s.get(Execution, execution_id).status


def test_demo_is_idempotent(db_url):
    first = load_demo()
    second = load_demo()
    assert any("created" in line for line in first)
    assert not any("created" in line for line in second)


def test_demo_order_approval_runs_end_to_end(db_url):
    load_demo()
    result = commands.trigger_workflow(workflow_id=_workflow("Order approval"), user_name="owner",
                                       input={"orderId": "A-1", "amount": 120, "customerEmail": "c@example.com"})
    drain()
    assert _status(result.execution_id) == "paused"
    with db.read_session() as s:
        request = s.exec(select(ApprovalRequest)).scalars().one()
        notified = {m.to_address for m in s.exec(select(EmailMessage)).scalars()}
    assert request.title == "Approve order A-1 (120 EUR)"
    assert notified == {"alice@example.com", "bob@example.com"}
    decide_approval(request_id=request.id, user_name="alice", decision="approved")
    decide_approval(request_id=request.id, user_name="bob", decision="approved")
    drain()
    assert _status(result.execution_id) == "success"
    with db.read_session() as s:
        confirmation = s.exec(select(EmailMessage).where(EmailMessage.to_address == "c@example.com")).scalars().one()
    assert "approved by alice" in confirmation.body


def test_demo_payment_processing_resumes_on_signal(db_url):
    load_demo()
    result = commands.trigger_workflow(workflow_id=_workflow("Payment processing"), user_name="owner",
                                       input={"orderId": "12345", "amount": 99, "customerEmail": "c@example.com"})
    drain()
    assert _status(result.execution_id) == "paused"
    body = signal_event(event_namespace="payments", event_key="order-12345", user_name="owner",
                        payload={"transactionId": "txn_abc123", "amount": 99.99})
    assert body["workflowResumed"] is True and body["executionId"] == result.execution_id
    drain()
    assert _status(result.execution_id) == "success"
    with db.read_session() as s:
        receipt = s.exec(select(EmailMessage).where(EmailMessage.to_address == "c@example.com")).scalars().one()
    assert "txn_abc123" in receipt.body
