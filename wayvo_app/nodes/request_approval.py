"""Request Approval: pauses until approvers decide (single, any or all) or the request expires."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, WaitForApproval
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField, SelectOption
from wayvo_app.nodes.fields import (
    ERROR_CONTINUE,
    TRUE_FALSE,
    choice,
    expires_at,
    flag,
    is_empty,
    maybe_render,
    render_object,
    render_text,
)

APPROVAL_TYPES = (
    SelectOption("single", "Single (first decision wins)"),
    SelectOption("any", "Any (first approval wins)"),
    SelectOption("all", "All (unanimous)"),
)
NO_APPROVERS = "Request Approval needs at least one approver or approver role"
# Placeholders of emailSubject and approvalUrl, filled here or (the request id) when notifying.
_PLACEHOLDER = re.compile(r"\{\{\s*(title|id|approvalId|approvalRequestId|executionId|workflowId)\s*\}\}")
REQUEST_ID_PLACEHOLDER = "{{approvalRequestId}}"
PLACEHOLDER_NAMES = ("title", "id", "approvalId", "approvalRequestId", "executionId", "workflowId")


def parse_names(value: Any, *, lower: bool = False, name: str = "approvers") -> tuple[str, ...]:
    """Comma-separated text, a JSON array, or a list, as distinct stripped names."""
    if is_empty(value):
        return ()
    items: Any = value
    if isinstance(value, str):
        text = value.strip()
        items = _json_list(text, name) if text.startswith("[") else text.split(",")
    elif not isinstance(value, list | tuple):
        items = [value]
    names = []
    for item in items:
        if isinstance(item, dict | list | tuple) or item is None:
            raise StepError(f"{name} must list names, found {json.dumps(item)}", retryable=False)
        text = str(item).strip()
        names.append(text.lower() if lower else text)
    return tuple(dict.fromkeys(text for text in names if text))


def _json_list(text: str, name: str) -> list[Any]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StepError(f"{name} is not a valid JSON array: {exc}", retryable=False) from exc
    if not isinstance(parsed, list):
        raise StepError(f"{name} must be a JSON array or comma-separated names", retryable=False)
    return parsed


def _required_approvals(value: Any) -> int | None:
    if is_empty(value):
        return None
    try:
        number = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not number >= 1 or not number.is_integer():
        raise StepError(f"requiredApprovals must be a whole number of at least 1, found {value!r}",
                        retryable=False)
    return int(number)


def _with_placeholders(ctx: Any, value: Any, known: Mapping[str, str]) -> str | None:
    """Render a template whose placeholders ({{title}}, {{approvalRequestId}}...) are not node
    references; the request id is not known yet and stays as `{{approvalRequestId}}`."""
    if is_empty(value) or not isinstance(value, str):
        return render_text(ctx, value) or None
    names: list[str] = []

    def protect(match: re.Match) -> str:
        names.append(match[1])
        return f"__wayvo_placeholder_{len(names) - 1}__"

    rendered = render_text(ctx, _PLACEHOLDER.sub(protect, value))
    for index, placeholder in enumerate(names):
        rendered = rendered.replace(f"__wayvo_placeholder_{index}__",
                                    known.get(placeholder, REQUEST_ID_PLACEHOLDER))
    return rendered.strip() or None


def run(ctx: Any, config: dict[str, Any]) -> WaitForApproval:
    title = render_text(ctx, config.get("title")).strip()
    if not title:
        raise StepError("Request Approval needs a title", retryable=False)
    approvers = parse_names(ctx.render(config.get("approvers")), lower=True)
    roles = parse_names(ctx.render(config.get("approverRoles")), name="approverRoles")
    if not approvers and not roles:
        raise StepError(NO_APPROVERS, retryable=False)
    required = _required_approvals(maybe_render(ctx, config.get("requiredApprovals")))
    if required is not None and not roles and required > len(approvers):
        raise StepError(f"requiredApprovals is {required} but only {len(approvers)} approvers are listed",
                        retryable=False)
    ids = {"executionId": ctx.execution_id, "workflowId": ctx.workflow_id}
    outcome = WaitForApproval(
        title=title,
        description=render_text(ctx, config.get("description")),
        approval_type=choice(config.get("approvalType"), APPROVAL_TYPES, "single", "approvalType"),
        approvers=approvers,
        approver_roles=roles,
        required_approvals=required,
        expires_at=expires_at(ctx, config.get("expiresIn")),
        on_rejection=choice(config.get("onRejection"), ERROR_CONTINUE, "error", "onRejection"),
        on_expiration=choice(config.get("onExpiration"), ERROR_CONTINUE, "error", "onExpiration"),
        context_data=render_object(ctx, config.get("contextData"), "contextData"),
        send_notification=flag(config.get("sendNotification"), "sendNotification"),
        email_subject=_with_placeholders(ctx, config.get("emailSubject"), {**ids, "title": title}),
        approval_url=_with_placeholders(ctx, config.get("approvalUrl"), {**ids, "title": quote(title)}),
    )
    _check_approval_url(ctx, outcome.approval_url)
    ctx.resolved_input = _resolved(outcome)
    return outcome


def _check_approval_url(ctx: Any, url: str | None) -> None:
    """The e-mail is the system's own: its link may point only under APP_URL."""
    from wayvo_app.mail.approval_email import custom_link_allowed
    from wayvo_app.settings import get_settings

    app_url = (ctx.settings or get_settings()).app_url
    if not custom_link_allowed(app_url, url):
        raise StepError(f"approvalUrl must be a path or a URL under APP_URL ({app_url}), got {url}",
                        retryable=False)


def _resolved(outcome: WaitForApproval) -> dict[str, Any]:
    return {
        "title": outcome.title, "description": outcome.description, "approvalType": outcome.approval_type,
        "approvers": list(outcome.approvers), "approverRoles": list(outcome.approver_roles),
        "requiredApprovals": outcome.required_approvals,
        "expiresAt": outcome.expires_at.isoformat() if outcome.expires_at else None,
        "onRejection": outcome.on_rejection, "onExpiration": outcome.on_expiration,
        "contextData": outcome.context_data, "sendNotification": outcome.send_notification,
        "emailSubject": outcome.email_subject, "approvalUrl": outcome.approval_url,
    }


def resume(ctx: Any, config: dict[str, Any], resolution: Mapping[str, Any]) -> Completed:
    """The request was decided or expired: continue on its branch, or fail as configured."""
    status = resolution.get("status")
    decisions = list(resolution.get("decisions") or [])
    output = {"decision": status, "decisions": decisions,
              "approvalRequestId": resolution.get("approvalRequestId")}
    if status == "approved":
        return Completed(output, branch="approved")
    if status == "rejected":
        if choice(config.get("onRejection"), ERROR_CONTINUE, "error", "onRejection") == "error":
            raise StepError(rejection_message(decisions), retryable=False)
        return Completed(output, branch="rejected")
    if status == "expired":
        if choice(config.get("onExpiration"), ERROR_CONTINUE, "error", "onExpiration") == "error":
            raise StepError("Approval request expired without a decision", retryable=False)
        return Completed(output, branch="expired")
    raise StepError(f'Approval request ended with status "{status}"', retryable=False)


def rejection_message(decisions: list[Mapping[str, Any]]) -> str:
    """`Approval rejected by alice, bob: <comments>`."""
    rejected = [d for d in decisions if d.get("decision") == "rejected"]
    names = ", ".join(str(d.get("userName")) for d in rejected if d.get("userName")) or "an approver"
    comments = [str(d["comment"]).strip() for d in rejected if d.get("comment") and str(d["comment"]).strip()]
    return f"Approval rejected by {names}" + (f": {'; '.join(comments)}" if comments else "")


SPEC = NodeSpec(
    action_type="Request Approval",
    label="Request Approval",
    description="Pause until a person approves or rejects, then continue on the matching branch",
    category="Human in the loop",
    icon="user-check",
    config_fields=(
        ConfigField("title", "Title", required=True, description="Title shown to approvers",
                    placeholder="Approve order {{Trigger.orderId}}"),
        ConfigField("description", "Description", type="template-textarea", rows=4,
                    description="Detailed description of what needs approval"),
        ConfigField("approvalType", "Approval Type", type="select", default="single", options=APPROVAL_TYPES),
        ConfigField("approvers", "Approvers", placeholder='alice, bob or ["alice", "bob"]',
                    description="Comma-separated usernames or JSON array"),
        ConfigField("approverRoles", "Approver Roles", placeholder='admin, manager or ["admin"]',
                    description="Comma-separated roles or JSON array"),
        ConfigField("requiredApprovals", "Required Approvals", type="number", min=1,
                    description="Number of approvals needed (for the all type)"),
        ConfigField("expiresIn", "Expires In", placeholder="7d, 24h, 30m", description="Expiration duration"),
        ConfigField("onRejection", "On Rejection", type="select", default="error", options=ERROR_CONTINUE),
        ConfigField("onExpiration", "On Expiration", type="select", default="error", options=ERROR_CONTINUE),
        ConfigField("contextData", "Context Data", type="template-textarea", rows=4,
                    description="JSON object with additional context for approvers"),
        ConfigField("sendNotification", "Send Notification", type="select", default="false",
                    options=TRUE_FALSE, description="Send email notification to approvers"),
        ConfigField("emailSubject", "Email Subject", placeholder="Approval needed: {{title}}",
                    description="Custom email subject (supports {{title}} placeholder)",
                    placeholders=PLACEHOLDER_NAMES),
        ConfigField("approvalUrl", "Approval URL", description="Custom approval URL with placeholders "
                    "({{approvalRequestId}}, {{executionId}}, {{workflowId}}, {{title}})",
                    placeholders=PLACEHOLDER_NAMES),
    ),
    output_fields=(
        OutputField("decision", "The final decision: approved, rejected (or expired)"),
        OutputField("decisions", "Array of all decisions made by approvers"),
        OutputField("approvalRequestId", "UUID of the approval request"),
    ),
    handles=("approved", "rejected", "expired"),
    run=run,
    resume=resume,
    resume_inline=True,
)
