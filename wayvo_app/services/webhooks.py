"""Webhooks for real senders: each Webhook trigger's secret URL (`/api/hooks/{token}`, no header
needed), its signing secret, and receiving a call: verify, read the body, start the published
version, and (when the trigger says so) wait for the execution to finish."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from sqlmodel import Session

from wayvo_app import routes
from wayvo_app.core.errors import BadRequestError, ConflictError, NotFoundError, UnsupportedMediaTypeError
from wayvo_app.core.times import parse_duration
from wayvo_app.core.webhook_signatures import DEFAULT_TOLERANCE_SECONDS, NONE, SignatureCheck, verify
from wayvo_app.engine.loader import graph_of_version
from wayvo_app.services import access
from wayvo_app.services.credentials import decrypt_config, encrypt_config
from wayvo_app.services.executions import _notify_after_commit, start_execution
from wayvo_app.services.revision_hub import hub
from wayvo_app.services.workflows import version_for_run
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import webhooks as store
from wayvo_app.store.executions import get_execution
from wayvo_app.store.models import User, WebhookEndpoint, Workflow, utcnow

TOKEN_PREFIX = "whk_"
DEFAULT_WAIT_SECONDS = 30.0
MAX_FORM_FIELDS = 1000
FINISHED = ("success", "error", "cancelled")
NOT_FOUND = "Webhook not found: the URL is unknown or was rotated"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_endpoint(workflow_id: str) -> tuple[WebhookEndpoint, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = WebhookEndpoint(workflow_id=workflow_id, token_hash=_hash(token),
                          token_encrypted=encrypt_config({"token": token}))
    return row, token


def _info(row: WebhookEndpoint) -> dict[str, Any]:
    """What the builder shows: the full URL, whether a signing secret is set (never the secret)."""
    token = decrypt_config(row.token_encrypted)["token"]
    return {"url": get_settings().app_url.rstrip("/") + routes.hook(token), "hasSecret": bool(row.secret_encrypted),
            "rotatedAt": row.rotated_at.isoformat()}


def _editable(s: Session, workflow_id: str, user_id: str) -> WebhookEndpoint:
    """The workflow's endpoint (made on first use) if the user may edit the workflow."""
    wf = access.workflow_for(s, workflow_id, user_id, "workflow.edit")
    row = store.by_workflow(s, wf.id)
    if row is None:
        row, _ = _new_endpoint(wf.id)
        store.save(s, row)
    return row


def hook_info(workflow_id: str, user_id: str) -> dict[str, Any]:
    """The trigger's secret URL (made on first use): `{url, hasSecret, rotatedAt}`."""
    with db.session() as s:
        return _info(_editable(s, workflow_id, user_id))


def rotate_token(workflow_id: str, user_id: str) -> dict[str, Any]:
    """A new secret URL; the old one answers 404 from the commit on."""
    with db.session() as s:
        row = _editable(s, workflow_id, user_id)
        fresh, _ = _new_endpoint(row.workflow_id)
        row.token_hash, row.token_encrypted, row.rotated_at = fresh.token_hash, fresh.token_encrypted, utcnow()
        return _info(store.save(s, row))


def set_signing_secret(workflow_id: str, user_id: str, secret: str | None) -> dict[str, Any]:
    """Keep `secret` (encrypted) as the trigger's signing secret; empty removes it."""
    secret = (secret or "").strip()
    if secret and not 8 <= len(secret) <= 500:
        raise BadRequestError("A signing secret has 8 to 500 characters")
    with db.session() as s:
        row = _editable(s, workflow_id, user_id)
        row.secret_encrypted = encrypt_config({"secret": secret}) if secret else None
        return _info(store.save(s, row))


def generate_signing_secret(workflow_id: str, user_id: str) -> str:
    """A new random signing secret, kept and returned once (give it to the sender)."""
    secret = "whsec_" + secrets.token_hex(24)
    set_signing_secret(workflow_id, user_id, secret)
    return secret


@dataclass(frozen=True)
class Delivery:
    """A started execution and how the sender wants the answer."""

    execution_id: str
    respond: str  # "immediately" or "whenFinished"
    wait_seconds: float
    owner_id: str | None = None  # who the execution runs as (the revision hub reads as that user)


@dataclass(frozen=True)
class _Target:
    workflow_id: str
    version: int
    config: dict[str, Any]
    secret: str | None


def _target(s: Session, token: str) -> _Target:
    row = store.by_token_hash(s, _hash(token)) if token.startswith(TOKEN_PREFIX) else None
    wf = s.get(Workflow, row.workflow_id) if row is not None else None
    owner = s.get(User, wf.owner_id) if wf is not None else None
    if row is None or owner is None or owner.disabled:
        raise NotFoundError(NOT_FOUND)
    if wf.published_version is None:
        raise ConflictError("This workflow is not published: only published workflows start from a webhook")
    version = version_for_run(s, wf, None)
    trigger = graph_of_version(s, version.id).trigger()
    config = dict(trigger.config) if trigger is not None else {}
    if config.get("triggerType") != "Webhook":
        raise ConflictError("The published version of this workflow does not start with a Webhook trigger")
    secret = decrypt_config(row.secret_encrypted)["secret"] if row.secret_encrypted else None
    return _Target(wf.id, wf.published_version, config, secret)


def _seconds(value: Any, default: float) -> float:
    try:
        return parse_duration(str(value)).total_seconds() if value not in (None, "") else default
    except ValueError:
        return default


def signature_check(config: dict[str, Any]) -> SignatureCheck:
    return SignatureCheck(style=str(config.get("webhookSignature") or NONE),
                          header=str(config.get("webhookSignatureHeader") or ""),
                          tolerance_seconds=_seconds(config.get("webhookTolerance"), DEFAULT_TOLERANCE_SECONDS))


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON (checked by the body guard already) or form fields as an object (a repeated field: a list)."""
    kind = content_type.split(";")[0].strip().lower()
    if not raw.strip():
        return {}
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                              max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequestError(f"Malformed form body: {exc}") from exc
        if any("\x00" in k or "\x00" in v for k, v in pairs):
            raise BadRequestError("NUL characters (\\u0000) are not allowed")
        form: dict[str, Any] = {}
        for key, value in pairs:
            form[key] = [*form[key], value] if isinstance(form.get(key), list) else (
                [form[key], value] if key in form else value)
        return form
    if kind and "json" not in kind:
        raise UnsupportedMediaTypeError(f'Content type "{kind}" is not accepted: send JSON or '
                                        "application/x-www-form-urlencoded")
    return json.loads(raw)


def receive(token: str, raw: bytes, content_type: str, headers: Any, now: float | None = None) -> Delivery:
    """Start the published workflow behind `token` with the body as its input. The signature is
    checked before anything is written: a refused call (401) starts nothing."""
    with db.read_session() as s:
        target = _target(s, token)
    verify(signature_check(target.config), target.secret, headers, raw, time.time() if now is None else now)
    body = parse_body(raw, content_type)
    with db.session() as s:
        wf = s.get(Workflow, target.workflow_id)
        execution = start_execution(s, wf, s.get(User, wf.owner_id), body, version=target.version,
                                    trigger_type="Webhook", check_input=True)
        _notify_after_commit(s)
    respond = "whenFinished" if target.config.get("webhookResponse") == "whenFinished" else "immediately"
    wait = min(_seconds(target.config.get("webhookTimeout"), DEFAULT_WAIT_SECONDS),
               get_settings().webhook_max_wait_seconds)
    return Delivery(execution.id, respond, wait, wf.owner_id)


def finished_result(execution_id: str) -> dict[str, Any] | None:
    """The finished execution's answer, or None while it runs or waits."""
    with db.read_session() as s:
        execution = get_execution(s, execution_id)
        if execution is None or execution.status not in FINISHED:
            return None
        answer = {"executionId": execution.id, "status": execution.status, "output": execution.output}
        if execution.error:
            answer["error"] = execution.error
        return answer


async def wait_for_finish(execution_id: str, timeout: float, owner_id: str | None = None) -> dict[str, Any] | None:
    """The execution's answer once it finishes within `timeout` seconds, else None. Watches
    through the per-process revision hub (one shared poll, as the viewer and SSE do)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    sub = hub.subscribe(execution_id, "", owner_id)
    try:
        while True:
            answer = await asyncio.to_thread(finished_result, execution_id)
            remaining = deadline - loop.time()
            if answer is not None or remaining <= 0:
                return answer
            await sub.wait(min(remaining, 1.0))  # the hub wakes us; a slow poll is the fallback
    finally:
        hub.unsubscribe(sub)
