"""Checks that only a database or a dry parse can make, for workflows certain to fail at their
first run: approvers that are no user, JSON fields that are not JSON, Conditions that do not
parse, steps the trigger never reaches. They block publishing and show in the builder's problems."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import Problem
from wayvo_app.core.graph import Node, WorkflowGraph
from wayvo_app.core.sandbox import syntax_error
from wayvo_app.core.template_refs import to_jinja
from wayvo_app.store.models import User

# Fields whose text is JSON (templates allowed inside): each must parse, as an object where noted.
OBJECT_FIELDS = {"HTTP Request": ("httpHeaders", "httpQuery"), "Request Approval": ("contextData",),
                 "Wait for Event": ("contextData",), "Trigger Workflow": ("input",), "Call Action": ("args",)}
JSON_WHEN_BRACED = {"HTTP Request": ("httpBody",)}  # a body may be plain text; `{…}`/`[…]` must be JSON
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _problem(node: Node, text: str, field: str | None = None) -> Problem:
    return Problem(f'Node "{node.label}" ({node.id}): {text}', node.id, field)


def _names(value: Any) -> list[str] | None:
    """Approver or role names as written (None when a template decides them at run time)."""
    if isinstance(value, list):
        items = value
    else:
        text = str(value or "").strip()
        if "{{" in text:
            return None
        try:
            items = json.loads(text) if text.startswith("[") else text.split(",")
        except json.JSONDecodeError:
            return None  # the field check reports it
    return [str(item).strip() for item in items if str(item).strip()]


def _approval_problems(node: Node, users: dict[str, User]) -> Iterator[Problem]:
    approvers, roles = _names(node.config.get("approvers")), _names(node.config.get("approverRoles"))
    if approvers == [] and roles == []:
        yield _problem(node, "no approvers: name at least one approver or approver role", "approvers")
    for name in approvers or ():
        user = users.get(name.lower())
        if user is None or user.disabled:
            yield _problem(node, f'approver "{name}" is not a user', "approvers")
    held = {role.lower() for user in users.values() if not user.disabled for role in (user.roles or [])}
    for role in roles or ():
        if role.lower() not in held:
            yield _problem(node, f'no user has the approver role "{role}"', "approverRoles")


def _json_problem(text: str, *, must_be_object: bool) -> str | None:
    try:
        parsed = json.loads(_TEMPLATE.sub("0", text))
    except json.JSONDecodeError as exc:
        return f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if must_be_object and not isinstance(parsed, dict):
        return "must be a JSON object"
    return None


def _json_problems(node: Node) -> Iterator[Problem]:
    for key in OBJECT_FIELDS.get(node.action_type, ()):
        value = node.config.get(key)
        if isinstance(value, str) and value.strip():
            message = _json_problem(value, must_be_object=True)
            if message:
                yield _problem(node, f"{key} {message}", key)
    for key in JSON_WHEN_BRACED.get(node.action_type, ()):
        value = node.config.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            message = _json_problem(value, must_be_object=False)
            if message:
                yield _problem(node, f"{key} {message}", key)


def _condition_problems(node: Node) -> Iterator[Problem]:
    expression = node.config.get("condition")
    if node.action_type != "Condition" or not isinstance(expression, str) or not expression.strip():
        return
    try:
        message = syntax_error("{{ " + to_jinja(expression, expression=True).source + " }}")
    except Exception as exc:  # noqa: BLE001 - a reference the rewriter cannot read is a syntax problem too
        message = str(exc)
    if message:
        yield _problem(node, f"the condition does not parse: {message}", "condition")


def run_problems(s: Session, graph: WorkflowGraph) -> list[Problem]:
    trigger = graph.trigger()
    users = {user.user_name.lower(): user for user in s.exec(select(User)).scalars()}
    out: list[Problem] = []
    for node in graph.nodes:
        if node.is_trigger or not node.enabled:
            continue
        if trigger is not None and trigger.id not in graph.upstream(node.id):
            out.append(_problem(node, "is not connected to the trigger, so it never runs"))
        if node.action_type == "Request Approval":
            out.extend(_approval_problems(node, users))
        out.extend(_json_problems(node))
        out.extend(_condition_problems(node))
    return out

