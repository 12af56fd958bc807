"""The sample workflows (`wayvo demo` and the first-run samples): the product document's examples, runnable."""

from __future__ import annotations


def _trigger(trigger_type: str = "Manual", **config) -> dict:
    return {"id": "trigger", "type": "trigger", "position": {"x": 250, "y": 0},
            "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": trigger_type, **config}}}


def _action(node_id: str, label: str, y: int, action_type: str, x: int = 250, enabled: bool = True,
            **config) -> dict:
    return {"id": node_id, "type": "action", "position": {"x": x, "y": y},
            "data": {"label": label, "type": "action", "enabled": enabled,
                     "config": {"actionType": action_type, **config}}}


def _edge(source: str, target: str, handle: str | None = None) -> dict:
    edge = {"id": f"{source}-{target}", "source": source, "target": target}
    if handle:
        edge["sourceHandle"] = handle
    return edge


ORDER_APPROVAL = {
    "name": "Order approval",
    "description": "The product document's example: Trigger → Process Order → Request Approval → Send Confirmation.",
    "nodes": [
        _trigger(),
        _action("process", "Process Order", 150, "Condition", condition="{{Trigger.amount}} > 0"),
        _action("approval", "Request Approval", 300, "Request Approval",
                title="Approve order {{Trigger.orderId}} ({{Trigger.amount}} EUR)",
                description="Customer **{{Trigger.customerEmail}}** ordered for {{Trigger.amount}} EUR.",
                approvers="alice,bob", approvalType="all", expiresIn="7d", onRejection="continue",
                contextData='{"orderId": "{{Trigger.orderId}}", "amount": {{Trigger.amount}}}',
                sendNotification="true", emailSubject="Approval needed: {{title}}"),
        _action("confirm", "Send Confirmation", 450, "Send Email", x=100, to="{{Trigger.customerEmail}}",
                subject="Order {{Trigger.orderId}} confirmed",
                body="Your order {{Trigger.orderId}} was approved by {{Request Approval.decisions.0.userName}}."),
        _action("decline", "Send Rejection", 450, "Send Email", x=400, to="{{Trigger.customerEmail}}",
                subject="Order {{Trigger.orderId}} declined", body="Sorry, your order was not approved."),
    ],
    "edges": [_edge("trigger", "process"), _edge("process", "approval", "true"),
              _edge("approval", "confirm", "approved"), _edge("approval", "decline", "rejected")],
}

PAYMENT_PROCESSING = {
    "name": "Payment processing",
    "description": "Waits for the payment provider's signal (POST /api/workflow/events/signal).",
    "nodes": [
        _trigger(),
        _action("intent", "Create Stripe Payment Intent", 150, "HTTP Request", enabled=False, httpMethod="POST",
                endpoint="https://api.stripe.com/v1/payment_intents",
                httpBody='{"amount": {{Trigger.amount}}, "metadata": {"orderId": "{{Trigger.orderId}}"}}'),
        _action("wait", "Wait for Event", 300, "Wait for Event", eventNamespace="payments",
                eventKey="order-{{Trigger.orderId}}", title="Payment for order {{Trigger.orderId}}",
                expiresIn="24h", onExpiration="continue"),
        _action("result", "Process Payment Result", 450, "Condition",
                condition="{{Wait for Event.status}} == 'received' and {{Wait for Event.payload.amount}} > 0"),
        _action("receipt", "Send Receipt Email", 600, "Send Email", to="{{Trigger.customerEmail}}",
                subject="Receipt for order {{Trigger.orderId}}",
                body="We received {{Wait for Event.payload.amount}} (transaction "
                     "{{Wait for Event.payload.transactionId}})."),
    ],
    "edges": [_edge("trigger", "intent"), _edge("intent", "wait"), _edge("wait", "result"),
              _edge("result", "receipt", "true")],
}

WEBHOOK_ROUTER = {
    "name": "Webhook: route large orders",
    "description": "Started by POST /api/workflows/{id}/webhook with an API key; branches on the amount.",
    "nodes": [
        _trigger("Webhook"),
        _action("check", "Large Order", 150, "Condition", condition="{{Trigger.amount}} >= 1000"),
        _action("manager", "Manager Approval", 300, "Request Approval", x=100,
                title="Large order {{Trigger.orderId}}", approverRoles="manager", approvalType="single"),
        _action("pause", "Cool-down", 300, "Sleep", x=400, duration="30s"),
    ],
    "edges": [_edge("trigger", "check"), _edge("check", "manager", "true"), _edge("check", "pause", "false")],
}

SAMPLES = [ORDER_APPROVAL, PAYMENT_PROCESSING, WEBHOOK_ROUTER]
