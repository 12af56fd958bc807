"""First-run samples: a newcomer sees the product work within a minute, without a third command.
The sample workflows go to the owner's personal workspace (the owner approves), and two executions
start at once: one waits for the owner's approval in the inbox, one waits for a payment event (its
viewer shows the `curl` that resumes it). `wayvo demo` stays for scripts."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from wayvo_app.services import executions, workflow_documents
from wayvo_app.services.sample_workflows import ORDER_APPROVAL, PAYMENT_PROCESSING, WEBHOOK_ROUTER

ORDER_INPUT = {"orderId": "A-1001", "amount": 250, "customerEmail": "customer@example.com"}
PAYMENT_INPUT = {"orderId": "A-1002", "amount": 99, "customerEmail": "customer@example.com"}


@dataclass(frozen=True)
class FirstRunSamples:
    approval_execution_id: str
    payment_execution_id: str
    workflow_count: int


def _documents(owner_name: str) -> list[dict]:
    order = copy.deepcopy(ORDER_APPROVAL)
    for node in order["nodes"]:
        config = node["data"]["config"]
        if config.get("actionType") == "Request Approval":
            # The newcomer is the only user: they approve, and no e-mail goes to an empty address.
            config.update(approvers=owner_name, approvalType="single", sendNotification="false")
    router = copy.deepcopy(WEBHOOK_ROUTER)
    for node in router["nodes"]:
        if node["data"]["config"].get("actionType") == "Request Approval":
            node["data"]["config"].pop("approverRoles", None)
            node["data"]["config"]["approvers"] = owner_name
    return [order, copy.deepcopy(PAYMENT_PROCESSING), router]


def load_first_run_samples(owner_name: str) -> FirstRunSamples:
    """Create and publish the samples for `owner_name`, then start the two waiting executions."""
    documents = _documents(owner_name)
    workflow_documents.add_missing_samples(owner_name, documents)
    ids = workflow_documents.sample_ids(owner_name, [d["name"] for d in documents[:2]])
    approval = executions.trigger_workflow(workflow_id=ids[0], user_name=owner_name, input=dict(ORDER_INPUT))
    payment = executions.trigger_workflow(workflow_id=ids[1], user_name=owner_name, input=dict(PAYMENT_INPUT))
    return FirstRunSamples(approval.execution_id, payment.execution_id, len(documents))
