"""The approval notification email: subject, plain-text body and the approval link (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from wayvo_app import routes

DEFAULT_SUBJECT = "Approval requested: {title}"
MAX_SUBJECT = 300
_TITLE = re.compile(r"\{\{\s*title\s*\}\}")
_LINK_PLACEHOLDER = re.compile(r"\{\{\s*(id|approvalRequestId|appUrl)\s*\}\}|\{(id)\}")


def approval_subject(title: str, subject_template: str | None = None) -> str:
    """`emailSubject` with `{{title}}` filled in (default "Approval requested: <title>"), one line."""
    title = _one_line(title)
    if subject_template and subject_template.strip():
        subject = _TITLE.sub(lambda _m: title, subject_template)
    else:
        subject = DEFAULT_SUBJECT.format(title=title)
    return _one_line(subject)[:MAX_SUBJECT]


def approval_email(*, title: str, description: str | None, context_data: Any, approval_url: str,
                   subject_template: str | None = None) -> tuple[str, str]:
    """(subject, plain-text body) of the email asking an approver to decide."""
    parts = [f"Approval requested: {title}"]
    if description and description.strip():
        parts.append(description.strip())
    context = context_lines(context_data)
    if context:
        parts.append("Details:\n" + "\n".join(context))
    parts.append(f"Review and decide here:\n{approval_url}")
    parts.append("Opening the link does not decide anything; you choose Approve or Reject on the page.")
    return approval_subject(title, subject_template), "\n\n".join(parts) + "\n"


def context_lines(context_data: Any) -> list[str]:
    """Readable `key: value` lines for an object; nested values and non-objects as JSON."""
    if context_data is None or context_data == "" or context_data == {} or context_data == []:
        return []
    if not isinstance(context_data, Mapping):
        return [_text(context_data)]
    return [f"{key}: {_text(value)}" for key, value in context_data.items()]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("\n", "\n  ")
    return json.dumps(value, ensure_ascii=False, default=str)


def approval_link(app_url: str, request_id: str, approval_url_template: str | None = None) -> str:
    """The link to the approval page: `{app_url}/workflows/approvals/{id}`, or the custom template
    with `{id}`, `{{id}}`, `{{approvalRequestId}}` and `{{appUrl}}` filled in (a path gets app_url);
    a custom link that is not under app_url gives the default one."""
    base = (app_url or "").rstrip("/")
    link = _custom_link(base, request_id, approval_url_template)
    # The system's own e-mail must not carry a link elsewhere (phishing in a trusted sender's name).
    return link if link and routes.is_under(link, base) else base + routes.approval(request_id, quoted=True)


def custom_link_allowed(app_url: str, approval_url_template: str | None) -> bool:
    """Whether a custom approval URL (placeholders not yet filled) stays under app_url."""
    base = (app_url or "").rstrip("/")
    link = _custom_link(base, "request-id", approval_url_template)
    return link is None or routes.is_under(link, base)


def _custom_link(base: str, request_id: str, template: str | None) -> str | None:
    if not template or not template.strip():
        return None
    values = {"id": quote(request_id, safe=""), "approvalRequestId": quote(request_id, safe=""), "appUrl": base}
    link = _LINK_PLACEHOLDER.sub(lambda m: values[m.group(1) or m.group(2)], template.strip())
    return f"{base}{link}" if link.startswith("/") else link


def _one_line(text: str | None) -> str:
    return " ".join(str(text or "").split())
