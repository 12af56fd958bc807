"""First-run samples: a newcomer's own approval waits in their inbox and a payment waits for its
event, and both finish when the newcomer acts, as the welcome message tells them."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import drain, make_user
from wayvo_app.services import samples
from wayvo_app.services.decisions import decide_approval
from wayvo_app.services.inbox import inbox_rows
from wayvo_app.services.signals import signal_event
from wayvo_app.store import db
from wayvo_app.store.models import Execution, Workflow, WorkspaceMember


def _execution(execution_id: str) -> Execution:
    with db.read_session() as s:
        return s.get(Execution, execution_id)


def test_samples_wait_for_the_newcomer_and_finish_when_they_act(db_url):
    founder = make_user("founder")
    loaded = samples.load_first_run_samples("founder")
    drain()
    approval, payment = _execution(loaded.approval_execution_id), _execution(loaded.payment_execution_id)
    assert (approval.status, payment.status) == ("paused", "paused")
    with db.read_session() as s:  # everything lives in the founder's personal workspace
        names = set(s.exec(select(Workflow.name).where(Workflow.workspace_id == approval.workspace_id)).scalars())
        assert {"Order approval", "Payment processing", "Webhook: route large orders"} <= names
        assert s.exec(select(WorkspaceMember.role).where(WorkspaceMember.workspace_id == approval.workspace_id,
                                                         WorkspaceMember.user_id == founder)).scalar() == "admin"

    rows = inbox_rows(founder)
    assert [(r["title"], r["canDecide"]) for r in rows] == [("Approve order A-1001 (250 EUR)", True)]
    decide_approval(request_id=rows[0]["id"], user_name="founder", decision="approved")
    signal_event(event_namespace="payments", event_key="order-A-1002", payload={"amount": 99, "transactionId": "t-1"},
                 user_name="founder")
    drain()
    assert _execution(loaded.approval_execution_id).status == "success"
    assert _execution(loaded.payment_execution_id).status == "success"


def test_loading_twice_adds_no_second_set_of_workflows(db_url):
    make_user("founder")
    samples.load_first_run_samples("founder")
    samples.load_first_run_samples("founder")
    with db.read_session() as s:
        assert len(s.exec(select(Workflow.id)).all()) == 3
