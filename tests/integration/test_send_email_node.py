"""The Send Email node: its Transactional outcome writes outbox rows in the step's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, Transactional
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.engine.context import StepContext
from wayvo_app.nodes import send_email
from wayvo_app.store import db
from wayvo_app.store.models import EmailMessage

TRIGGER = {"email": "ann@example.com", "name": "Ann", "order": 42}


def make_ctx() -> StepContext:
    scope = TemplateScope(outputs={"t1": TRIGGER}, labels={"Webhook": "t1"}, trigger_id="t1")
    return StepContext(
        execution_id="exec-1", workflow_id="wf-1", step_id="step-1", node_id="n-mail",
        node_label="Mail", attempt=1, user_id="u1", user_name="ann", user_roles=(),
        now=datetime(2030, 1, 1, tzinfo=UTC), scope=scope, trigger_input=TRIGGER)


def outbox_rows(db_url) -> list[EmailMessage]:
    with db.read_session(db_url) as s:
        return list(s.exec(select(EmailMessage).order_by(EmailMessage.to_address)).all())


CONFIG = {"to": "{{Trigger.email}}, bob@example.com", "subject": "Order {{Trigger.order}}",
          "body": "<p>Hi {{Trigger.name}}</p>", "html": "true"}


async def test_apply_writes_one_row_per_recipient(db_url):
    outcome = await send_email.run(make_ctx(), CONFIG)
    assert isinstance(outcome, Transactional)
    assert outbox_rows(db_url) == []  # nothing is written before the executor applies it
    with db.session(db_url) as s:
        done = outcome.apply(s)
    assert isinstance(done, Completed)
    ann, bob = outbox_rows(db_url)
    assert (ann.to_address, bob.to_address) == ("ann@example.com", "bob@example.com")
    assert ann.subject == "Order 42" and ann.body == "<p>Hi Ann</p>" and ann.html
    assert ann.execution_id == "exec-1" and ann.status == "pending"
    assert done.output["messageIds"] == [ann.message_id, bob.message_id]
    assert done.output["messageId"] == ann.message_id


async def test_rolled_back_outcome_leaves_no_email(db_url):
    outcome = await send_email.run(make_ctx(), {**CONFIG, "html": "false"})
    with pytest.raises(RuntimeError), db.session(db_url) as s:
        outcome.apply(s)
        raise RuntimeError("the step's outcome could not be recorded")
    assert outbox_rows(db_url) == []


@pytest.mark.parametrize(("to", "message"), [
    ("", "at least one recipient"), (" , ", "at least one recipient"),
    ("ann@example.com, not-an-address", "Invalid email address"),
])
async def test_bad_recipients_fail_the_step_before_anything_is_queued(to, message):
    with pytest.raises(StepError, match=message):
        await send_email.run(make_ctx(), {**CONFIG, "to": to})


async def test_subject_with_a_line_break_fails_the_step():
    with pytest.raises(StepError, match="line break"):
        await send_email.run(make_ctx(), {**CONFIG, "subject": "Hi\r\nBcc: evil@example.com"})


def test_spec_fields():
    spec = send_email.SPEC
    assert (spec.action_type, spec.category, spec.icon) == ("Send Email", "Email", "mail")
    assert [(f.key, f.type, f.required) for f in spec.config_fields] == [
        ("to", "template-input", True), ("subject", "template-input", True),
        ("body", "template-textarea", True), ("html", "select", False)]
    assert spec.field("html").default == "false"
    assert [o.field for o in spec.output_fields] == ["messageId", "messageIds"]
