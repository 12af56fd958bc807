"""The Send Email node: renders `to`, `subject`, `body` and puts one message per recipient into the
email outbox, in the same transaction that records the step's outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.outcomes import Completed, Transactional
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField, SelectOption
from wayvo_app.engine.context import StepContext
from wayvo_app.mail.outbox import check_address, check_subject, enqueue_email


def recipients(value: Any) -> list[str]:
    """The addresses of a `to` value: comma- or semicolon-separated text, or a list."""
    items = value if isinstance(value, list | tuple) else str(value or "").replace(";", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def is_html(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _checked(config: Mapping[str, Any]) -> tuple[list[str], str, str]:
    """(recipients, subject, body) of the rendered config, or a step error naming the problem."""
    to = recipients(config.get("to"))
    if not to:
        raise StepError("Send Email: expected at least one recipient in To, found none")
    subject = str(config.get("subject") or "")
    if not subject.strip():
        raise StepError("Send Email: expected a subject, found an empty one")
    body = config.get("body")
    body = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    try:
        return [check_address(address) for address in to], check_subject(subject), body
    except WorkflowError as exc:
        raise StepError(f"Send Email: {exc.message}") from None


async def run(ctx: StepContext, config: Mapping[str, Any]) -> Transactional:
    """Render and check the message now; enqueue it when the executor records the outcome."""
    rendered = await ctx.off_loop(ctx.render_config, config, SPEC)
    to, subject, body = _checked(rendered)
    html = is_html(rendered.get("html", "false"))

    def apply(session) -> Completed:
        rows = [enqueue_email(session, to=address, subject=subject, body=body, html=html,
                              execution_id=ctx.execution_id) for address in to]
        ids = [row.message_id for row in rows]
        return Completed({"messageId": ids[0], "messageIds": ids})

    ctx.logger.info(f"Queued email to {', '.join(to)}")
    return Transactional(apply)


SPEC = NodeSpec(
    action_type="Send Email",
    label="Send Email",
    description="Send an email through the outbox (SMTP_URL); failed sends are retried.",
    category="Email",
    icon="mail",
    config_fields=(
        ConfigField(key="to", label="To", type="template-input", required=True,
                    placeholder="someone@example.com, {{Trigger.email}}",
                    description="One or more addresses, separated by commas."),
        ConfigField(key="subject", label="Subject", type="template-input", required=True,
                    placeholder="Order {{Trigger.orderId}} received"),
        ConfigField(key="body", label="Body", type="template-textarea", required=True, rows=6,
                    placeholder="Hello {{Trigger.name}}, ..."),
        ConfigField(key="html", label="Format", type="select", default="false",
                    options=(SelectOption("false", "Plain text"), SelectOption("true", "HTML"))),
    ),
    output_fields=(
        OutputField("messageId", "The Message-ID of the (first) email"),
        OutputField("messageIds", "The Message-IDs, one per recipient"),
    ),
    run=run,
)
