"""Request Approval, Wait for Event and the signal API end to end: HTTP API + engine + database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from tests.helpers import adrain, create_workflow, document, edge, make_user, node, session_headers
from wayvo_app.api.app import create_api
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import api_keys
from wayvo_app.store import db
from wayvo_app.store.models import Execution, utcnow


@pytest.fixture
async def api(db_url):
    set_registry(default_registry())
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    set_registry(None)


_token = session_headers


def _key(user_id: str, name: str = "Stripe Webhook Key") -> dict:
    with db.session() as s:
        return {"Authorization": f"Bearer {api_keys.create_api_key(s, user_id, name).key}"}


def _status(execution_id: str) -> Execution:
    with db.read_session() as s:
        return s.get(Execution, execution_id)


def approval_doc(**config) -> dict:
    cfg = {"title": "Approve order {{Trigger.orderId}}", "approvers": "alice,bob", "approvalType": "all"}
    cfg.update(config)
    nodes = [node("t", "Trigger"), node("a", "Request Approval", "Request Approval", **cfg),
             node("c", "Confirm", "Condition", condition="{{Request Approval.decision}} == 'approved'")]
    return document(nodes, [edge("t", "a"), edge("a", "c")], "Order approval")


def wait_doc(**config) -> dict:
    cfg = {"eventNamespace": "payments", "eventKey": "order-{{Trigger.orderId}}"}
    cfg.update(config)
    nodes = [node("t", "Trigger"), node("w", "Wait for Event", "Wait for Event", **cfg),
             node("c", "Check", "Condition", condition="{{Wait for Event.payload.amount}} > 10")]
    return document(nodes, [edge("t", "w"), edge("w", "c")], "Payment")


async def _start(api, owner_headers, wf: str, payload: dict) -> str:
    r = await api.post(f"/api/workflow/{wf}/execute", json={"input": payload}, headers=owner_headers)
    assert r.status_code == 200, r.text
    await adrain()
    return r.json()["executionId"]


async def test_all_approvers_must_approve_and_a_third_user_sees_nothing(api):
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    make_user("bob", roles=("approver",))
    make_user("eve", roles=())
    wf = create_workflow(owner, approval_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": 42})
    assert _status(execution_id).status == "paused"
    listed = (await api.get("/api/workflow/approvals?status=pending", headers=_token("alice"))).json()
    assert [r["title"] for r in listed] == ["Approve order 42"]
    request_id = listed[0]["id"]
    assert (await api.get("/api/workflow/approvals", headers=_token("eve"))).json() == []
    r = await api.get(f"/api/workflow/approvals/{request_id}", headers=_token("eve"))
    assert r.status_code == 404
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                       headers=_token("eve"))
    assert r.status_code == 404
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide",
                       json={"decision": "approved", "comment": "ok"}, headers=_token("alice"))
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["approvalsCount"] == 1
    again = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                           headers=_token("alice"))
    assert again.status_code == 409
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                       headers=_token("bob"))
    assert r.json()["status"] == "approved"
    await adrain()
    execution = _status(execution_id)
    assert execution.status == "success" and execution.output == {"result": True}
    late = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "rejected"},
                          headers=_token("alice"))
    assert late.status_code == 409


async def test_rejection_stops_with_who_rejected_and_owner_can_see_but_not_decide(api):
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    make_user("bob", roles=("approver",))
    wf = create_workflow(owner, approval_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": 1})
    request_id = (await api.get("/api/workflow/approvals", headers=_token("bob"))).json()[0]["id"]
    seen = await api.get(f"/api/workflow/approvals/{request_id}", headers=_token("owner"))
    assert seen.status_code == 200
    forbidden = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                               headers=_token("owner"))
    assert forbidden.status_code == 403
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide",
                       json={"decision": "rejected", "comment": "too expensive"}, headers=_token("bob"))
    assert r.json()["status"] == "rejected"
    await adrain()
    execution = _status(execution_id)
    assert execution.status == "error" and "bob" in execution.error


async def test_any_with_roles_and_continue_on_rejection_takes_the_branch(api):
    owner = make_user("owner")
    make_user("maria", roles=("manager",))
    make_user("max", roles=("manager",))
    nodes = [node("t", "Trigger"),
             node("a", "Approve", "Request Approval", title="Budget", approverRoles="manager", approvalType="any",
                  onRejection="continue"),
             node("y", "Yes", "Condition", condition="true"), node("n", "No", "Condition", condition="true")]
    wf = create_workflow(owner, document(nodes, [edge("t", "a"), edge("a", "y", "approved"),
                                                 edge("a", "n", "rejected")]))
    execution_id = await _start(api, _token("owner"), wf, {})
    request_id = (await api.get("/api/workflow/approvals", headers=_token("maria"))).json()[0]["id"]
    r1 = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "rejected"},
                        headers=_token("maria"))
    assert r1.json()["status"] == "pending"  # any: rejected only when every approver rejected
    r2 = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "rejected"},
                        headers=_token("max"))
    assert r2.json()["status"] == "rejected"
    await adrain()
    with db.read_session() as s:
        from wayvo_app.services.executions import steps_of

        statuses = {st.node_id: st.status for st in steps_of(s, execution_id)}
    assert statuses["n"] == "success" and statuses["y"] == "skipped"
    assert _status(execution_id).status == "success"


async def test_concurrent_decisions_give_one_outcome(api):
    owner = make_user("owner")
    names = [f"user{i}" for i in range(6)]
    for name in names:
        make_user(name, roles=("approver",))
    wf = create_workflow(owner, approval_doc(approvers=",".join(names), approvalType="single"))
    execution_id = await _start(api, _token("owner"), wf, {"orderId": 5})
    request_id = (await api.get("/api/workflow/approvals", headers=_token("user0"))).json()[0]["id"]
    headers = [_token(n) for n in names]
    decisions = ["approved" if i % 2 else "rejected" for i in range(len(names))]
    results = await asyncio.gather(*[
        api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": d}, headers=h)
        for d, h in zip(decisions, headers, strict=True)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and codes.count(409) == len(names) - 1
    await adrain()
    final = (await api.get(f"/api/workflow/approvals/{request_id}", headers=_token("owner"))).json()
    assert len(final["decisions"]) == 1 and final["status"] == final["decisions"][0]["decision"]
    assert _status(execution_id).status in ("success", "error")


async def test_signal_resumes_exactly_one_waiter_and_second_signal_conflicts(api):
    owner = make_user("owner")
    wf = create_workflow(owner, wait_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": "12345"})
    assert _status(execution_id).status == "paused"
    key = _key(owner)
    body = {"eventNamespace": "payments", "eventKey": "order-12345",
            "payload": {"amount": 99.99, "note": "{{Trigger.orderId}}"}}
    first = await api.post("/api/workflow/events/signal", json=body, headers=key)
    assert first.status_code == 200
    assert first.json()["success"] is True and first.json()["workflowResumed"] is True
    assert first.json()["executionId"] == execution_id
    second = await api.post("/api/workflow/events/signal", json=body, headers=key)
    assert second.status_code == 409 and second.json()["success"] is False
    await adrain()
    assert _status(execution_id).status == "success"
    with db.read_session() as s:
        from wayvo_app.services.executions import steps_of

        wait = next(st for st in steps_of(s, execution_id) if st.node_id == "w" and st.status == "success")
    assert wait.output["payload"]["note"] == "{{Trigger.orderId}}"  # stored literally, never rendered
    assert wait.output["receivedFrom"] == "Stripe Webhook Key" and wait.output["status"] == "received"


async def test_signal_errors_and_auth(api):
    owner = make_user("owner")
    key = _key(owner)
    missing = await api.post("/api/workflow/events/signal", json={"eventNamespace": "x", "eventKey": "y"},
                             headers=key)
    assert missing.status_code == 404
    assert missing.json()["success"] is False and missing.json()["workflowResumed"] is False
    session_token = _token("owner")
    r = await api.post("/api/workflow/events/signal", json={"eventNamespace": "x", "eventKey": "y"},
                       headers=session_token)
    assert r.status_code == 401
    r = await api.post("/api/workflow/events/signal", json={"eventNamespace": "x", "eventKey": "y"},
                       headers={"Authorization": "Bearer wfb_revoked-or-unknown"})
    assert r.status_code == 401
    r = await api.post("/api/workflow/events/signal", json={"eventNamespace": 3}, headers=key)
    assert r.status_code == 400


async def test_buffered_signal_is_consumed_by_the_first_wait(api):
    owner = make_user("owner")
    key = _key(owner)
    early = await api.post("/api/workflow/events/signal", headers=key, json={
        "eventNamespace": "payments", "eventKey": "order-7", "payload": {"amount": 50}, "bufferFor": "10m"})
    assert early.status_code == 202 and early.json()["buffered"] is True
    wf = create_workflow(owner, wait_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": "7"})
    await adrain()
    assert _status(execution_id).status == "success"


async def test_idempotency_key_replays_the_first_response(api):
    owner = make_user("owner")
    wf = create_workflow(owner, wait_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": "9"})
    headers = {**_key(owner), "Idempotency-Key": "abc-1"}
    body = {"eventNamespace": "payments", "eventKey": "order-9", "payload": {"amount": 11}}
    first = await api.post("/api/workflow/events/signal", json=body, headers=headers)
    again = await api.post("/api/workflow/events/signal", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["executionId"] == execution_id


async def test_idempotency_key_replays_a_refusal_even_once_a_waiter_exists(api):
    owner = make_user("owner")
    wf = create_workflow(owner, wait_doc())
    headers = {**_key(owner), "Idempotency-Key": "early-1"}
    body = {"eventNamespace": "payments", "eventKey": "order-5", "payload": {"amount": 5}}
    first = await api.post("/api/workflow/events/signal", json=body, headers=headers)
    assert first.status_code == 404 and first.json()["code"] == "no_waiting_event"
    await _start(api, _token("owner"), wf, {"orderId": "5"})
    again = await api.post("/api/workflow/events/signal", json=body, headers=headers)
    assert again.status_code == 404 and again.json() == first.json()
    buffered = await api.post("/api/workflow/events/signal", json={**body, "eventKey": "order-6", "bufferFor": "1m"},
                              headers={**_key(owner), "Idempotency-Key": "early-2"})
    replayed = await api.post("/api/workflow/events/signal", json={**body, "eventKey": "order-6", "bufferFor": "1m"},
                              headers={**_key(owner), "Idempotency-Key": "early-2"})
    assert buffered.status_code == replayed.status_code == 202 and buffered.json() == replayed.json()


async def test_second_waiter_on_same_pair_fails_naming_the_holder(api):
    owner = make_user("owner")
    wf = create_workflow(owner, wait_doc())
    holder = await _start(api, _token("owner"), wf, {"orderId": "1"})
    other = await _start(api, _token("owner"), wf, {"orderId": "1"})
    execution = _status(other)
    assert execution.status == "error" and holder in execution.error and "payments" in execution.error


async def test_signal_racing_expiry_always_has_one_outcome(api):
    owner = make_user("owner")
    key = _key(owner)
    wf = create_workflow(owner, wait_doc(expiresIn="1h", onExpiration="continue"))
    outcomes = []
    for i in range(8):
        execution_id = await _start(api, _token("owner"), wf, {"orderId": f"race-{i}"})
        later = utcnow() + timedelta(hours=2)
        signal = api.post("/api/workflow/events/signal", headers=key,
                          json={"eventNamespace": "payments", "eventKey": f"order-race-{i}", "payload": {"amount": 1}})
        response, _ = await asyncio.gather(signal, adrain(clock=lambda later=later: later))
        await adrain()
        with db.read_session() as s:
            from wayvo_app.services.executions import steps_of

            wait = [st for st in steps_of(s, execution_id) if st.node_id == "w" and st.status == "success"]
        assert len(wait) == 1
        status = wait[0].output["status"]
        assert (response.status_code == 200) == (status == "received")
        outcomes.append(status)
    assert set(outcomes) <= {"received", "expired"}


async def test_approval_emails_reach_a_real_smtp_server(api):
    from aiosmtpd.controller import Controller

    from wayvo_app.mail.outbox import deliver_due

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        owner = make_user("owner")
        make_user("alice", roles=("approver",), email="alice@example.com")
        make_user("bob", roles=("approver",))  # no address: no email
        wf = create_workflow(owner, approval_doc(sendNotification="true", emailSubject="Please review: {{title}}"))
        await _start(api, _token("owner"), wf, {"orderId": 77})
        request_id = (await api.get("/api/workflow/approvals", headers=_token("alice"))).json()[0]["id"]
        report = await deliver_due(smtp_url=f"smtp://127.0.0.1:{port}",
                                   smtp_from="wayvo@example.com")
        assert report.sent == 1
        (recipients, content), = handler.messages
        assert recipients == ["alice@example.com"]
        assert "Subject: Please review: Approve order 77" in content
        assert f"/workflows/approvals/{request_id}" in content
    finally:
        controller.stop()


async def test_identity_comes_from_the_token_never_from_the_body(api):
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    make_user("bob", roles=("approver",))
    wf = create_workflow(owner, approval_doc())
    await _start(api, _token("owner"), wf, {"orderId": 3})
    request_id = (await api.get("/api/workflow/approvals", headers=_token("alice"))).json()[0]["id"]
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide", headers=_token("alice"),
                       json={"decision": "approved", "userName": "bob", "user": "bob"})
    assert [d["userName"] for d in r.json()["decisions"]] == ["alice"]


@pytest.mark.parametrize("approval_type,decisions,expected", [
    ("all", ["approved", "approved", "approved", "rejected"], "rejected"),
    ("all", ["approved", "approved", "approved", "approved"], "approved"),
    ("any", ["rejected", "rejected", "approved", "rejected"], "approved"),
    ("any", ["rejected", "rejected", "rejected", "rejected"], "rejected"),
])
async def test_any_and_all_with_concurrent_deciders(api, approval_type, decisions, expected):
    owner = make_user("owner")
    names = [f"d{i}" for i in range(4)]
    for name in names:
        make_user(name, roles=("approver",))
    wf = create_workflow(owner, approval_doc(approvers=",".join(names), approvalType=approval_type,
                                             onRejection="continue"))
    execution_id = await _start(api, _token("owner"), wf, {"orderId": 8})
    request_id = (await api.get("/api/workflow/approvals", headers=_token("d0"))).json()[0]["id"]
    headers = [_token(n) for n in names]
    results = await asyncio.gather(*[
        api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": d}, headers=h)
        for d, h in zip(decisions, headers, strict=True)])
    assert all(r.status_code in (200, 409) for r in results)
    final = (await api.get(f"/api/workflow/approvals/{request_id}", headers=_token("owner"))).json()
    assert final["status"] == expected
    await adrain()
    assert _status(execution_id).status == "success"


async def test_a_restart_while_waiting_still_resumes_on_signal(api):
    from wayvo_app.store import db as database

    owner = make_user("owner")
    wf = create_workflow(owner, wait_doc())
    execution_id = await _start(api, _token("owner"), wf, {"orderId": "r1"})
    database.dispose_engines()  # as after a process restart: nothing in memory survives
    r = await api.post("/api/workflow/events/signal", headers=_key(owner),
                       json={"eventNamespace": "payments", "eventKey": "order-r1", "payload": {"amount": 20}})
    assert r.status_code == 200
    await adrain()  # a brand-new worker
    assert _status(execution_id).status == "success"
