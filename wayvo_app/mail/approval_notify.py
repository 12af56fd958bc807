"""Puts one approval email per approver with an address into the outbox (same transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.outcomes import WaitForApproval
from wayvo_app.store.models import ApprovalRequest, User


def notify_approvers(s: Session, request: ApprovalRequest, wait: WaitForApproval, settings: Any) -> int:
    from wayvo_app.mail.approval_email import approval_email, approval_link
    from wayvo_app.mail.outbox import enqueue_email

    link = approval_link(settings.app_url, request.id, wait.approval_url)
    subject, body = approval_email(title=request.title, description=request.description,
                                   context_data=request.context_data, approval_url=link,
                                   subject_template=wait.email_subject)
    rows = s.exec(select(User.email).where(User.user_name.in_(request.eligible), User.email.is_not(None))).all()
    sent = 0
    for (email,) in rows:
        if email:
            enqueue_email(s, to=email, subject=subject, body=body, execution_id=request.execution_id,
                          approval_request_id=request.id)
            sent += 1
    return sent
