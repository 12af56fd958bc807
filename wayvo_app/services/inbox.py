"""Read models of the approvals inbox and the approval page: rows, one request's view, the
pending count, as data (statuses, ISO times); `components/approvals/presenters` formats them.
Reads only; deciding stays in `decisions.decide_approval`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import NotFoundError
from wayvo_app.core.times import ago_text, aware, utcnow
from wayvo_app.services import access, approvals
from wayvo_app.store import db
from wayvo_app.store.inbox_reads import (
    decisions_by_request,
    display_names,
    execution_starters,
    pending_requests_among,
    requests_decided_by,
    requests_of_owner,
)
from wayvo_app.store.models import ApprovalRequest, User, Workflow


def progress_text(approval_type: str, decisions: list[str], eligible: int, required: int) -> str:
    """`1 of 2 approvals` for multi-approver requests; empty when one decision settles it."""
    approved, rejected = decisions.count("approved"), decisions.count("rejected")
    if approval_type == "all" and required > 1:
        return f"{approved} of {required} approvals"
    if approval_type == "any" and eligible > 1:
        return f"{rejected} of {eligible} rejected" if rejected else f"any 1 of {eligible} approvers"
    return ""


def still_needed(approval_type: str, status: str, decisions: list[str], eligible: int, required: int) -> str:
    if status != "pending":
        return f"Nothing: the request is {status}."
    approved, rejected = decisions.count("approved"), decisions.count("rejected")
    if approval_type == "all":
        missing = max(required - approved, 1)
        return f"{missing} more approval{'s' if missing != 1 else ''}; one rejection rejects it."
    if approval_type == "any":
        return (f"One approval approves it; it is rejected only if all {eligible} approvers reject "
                f"({rejected} so far).")
    return "One decision: the first approver to decide settles it."


def context_items(data: Any) -> list[dict[str, Any]]:
    """Context data as key/value rows; nested values keep their JSON for a collapsible block."""
    if data is None or data == {} or data == [] or data == "":
        return []
    if not isinstance(data, dict):
        return [_item("value", data)]
    return [_item(str(key), value) for key, value in data.items()]


def _item(key: str, value: Any) -> dict[str, Any]:
    nested = isinstance(value, list | dict)
    size = len(value) if nested else 0
    noun = ("field" if isinstance(value, dict) else "item") + ("" if size == 1 else "s")
    return {"key": key, "value": _json(value, 2) if nested else _scalar(value), "nested": nested,
            "summary": f"{size} {noun}" if nested else ""}


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return _json(value, None)


def _json(value: Any, indent: int | None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)



def _user(s: Session, user_id: str) -> User | None:
    return s.get(User, user_id) if user_id else None


def _starters(s: Session, execution_ids: set[str]) -> dict[str, str]:
    """Who or what started each execution: the user, with the trigger when not manual."""
    out = {}
    for execution_id, trigger, display, name in execution_starters(s, execution_ids):
        who = display or name
        out[execution_id] = who if trigger in (None, "", "Manual") else f"{trigger} · {who}"
    return out


def _iso(when: datetime | None) -> str:
    return aware(when).isoformat() if when else ""


def _is_overdue(request: ApprovalRequest, now: datetime) -> bool:
    return request.status == "pending" and request.expires_at is not None and aware(request.expires_at) <= now


def _may_decide(user: User, request: ApprovalRequest, decided: list[tuple[str, str, datetime]],
                now: datetime) -> bool:
    return (request.status == "pending" and not _is_overdue(request, now) and approvals.may_decide_now(user, request)
            and all(name != user.user_name for name, _, _ in decided))


PREVIEW_CHARS = 600


def _preview(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "…"


def _visible_pairs(s: Session, user: User, limit: int) -> list[tuple[ApprovalRequest, str]]:
    """What the user may decide or has decided, plus the requests of the user's own workflows."""
    pairs = list(approvals.list_for_user(s, user, limit=limit))
    seen = {r.id for r, _ in pairs}
    pairs += [(r, name) for r, name in requests_of_owner(s, user.id, limit) if r.id not in seen]
    pairs.sort(key=lambda pair: (pair[0].status != "pending", -pair[0].created_at.timestamp()))
    return pairs[:limit]


def inbox_rows(user_id: str, now: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Every request the user can see, pending first, as rows of the inbox (own read transaction)."""
    with db.read_session() as s:
        return inbox_rows_txn(s, user_id, now or utcnow(), limit)


def inbox_rows_txn(s: Session, user_id: str, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    user = _user(s, user_id)
    if user is None:
        return []
    pairs = _visible_pairs(s, user, limit)
    starters = _starters(s, {r.execution_id for r, _ in pairs})
    decided = decisions_by_request(s, {r.id for r, _ in pairs})
    rows = []
    for request, workflow_name in pairs:
        votes = decided.get(request.id, [])
        mine = next(((d, when) for name, d, when in votes if name == user.user_name), ("", None))
        rows.append({
            "id": request.id, "title": request.title,
            "workflowId": request.workflow_id, "workflowName": workflow_name or "",
            "startedBy": starters.get(request.execution_id, "unknown"), "status": request.status,
            "createdIso": _iso(request.created_at), "expiresIso": _iso(request.expires_at),
            "overdue": _is_overdue(request, now),
            "progress": progress_text(request.approval_type, [d for _, d, _ in votes], len(request.eligible or []),
                                      request.required_approvals),
            "canDecide": _may_decide(user, request, votes, now), "myDecision": mine[0],
            "myDecisionIso": _iso(mine[1]),
            "decidedByMe": bool(mine[0]), "pendingForMe": request.status == "pending" and not mine[0]
            and approvals.may_decide_now(user, request),
            "preview": _preview(request.description), "context": context_items(request.context_data),
        })
    return rows


def next_to_decide(user_id: str, after_request_id: str, now: datetime | None = None) -> str | None:
    """The request the user should decide next (the one due soonest, then the oldest), other than
    `after_request_id`; None when nothing else waits for them."""
    rows = [r for r in inbox_rows(user_id, now) if r["canDecide"] and r["pendingForMe"]
            and r["id"] != after_request_id]
    rows.sort(key=lambda r: (r["expiresIso"] == "", r["expiresIso"], r["createdIso"]))
    return rows[0]["id"] if rows else None


def pending_count(user_id: str, now: datetime | None = None) -> int:
    """Pending requests the user may decide now and has not decided yet (the navigation badge)."""
    with db.read_session() as s:
        user = _user(s, user_id)
        if user is None:
            return 0
        now = now or utcnow()
        pending = pending_requests_among(s, approvals.audience_ids(user))
        candidates = [r for r in pending if approvals.may_decide_now(user, r)]
        decided = requests_decided_by(s, user.user_name, [r.id for r in candidates])
        return sum(1 for r in candidates if r.id not in decided and not _is_overdue(r, now))


def _notice(user: User, request: ApprovalRequest, votes: list[dict], now: datetime) -> str:
    """Why the signed-in user cannot decide (empty when they can)."""
    mine = next((d for d in votes if d["userName"] == user.user_name), None)
    if mine:
        return f"You {mine['decision']} this request {ago_text(mine['decidedAt'], now)}."
    if request.status in ("approved", "rejected"):
        others = ", ".join(d["userName"] for d in votes if d["decision"] == request.status)
        return f"This request was already {request.status}{f' by {others}' if others else ''}. Nothing is left to decide."
    if request.status == "expired" or _is_overdue(request, now):
        return "This request expired before it was decided: it can no longer be decided."
    if request.status != "pending":
        return f"This request was {request.status}: it can no longer be decided."
    if not approvals.may_decide_now(user, request):
        return "You can see this request but you are not one of its approvers."
    return ""


def approval_view(request_id: str, user_id: str, now: datetime | None = None) -> dict[str, Any]:
    """One request as the approval page shows it; NotFoundError when the user may not see it."""
    with db.read_session() as s:
        return approval_view_txn(s, request_id, user_id, now or utcnow())


def approval_view_txn(s: Session, request_id: str, user_id: str, now: datetime) -> dict[str, Any]:
    user = _user(s, user_id)
    if user is None:
        raise NotFoundError(approvals.NOT_FOUND)
    request = approvals.get_visible(s, request_id, user)
    workflow = s.get(Workflow, request.workflow_id)
    body = approvals.request_json(s, request, workflow.name if workflow else None)
    votes = body["decisions"]
    decided = [d["decision"] for d in votes]
    eligible = len(request.eligible or [])
    notice = _notice(user, request, votes, now)
    names = display_names(s, {d["userName"] for d in votes} | set(request.approvers or []))
    return {
        "id": request.id, "title": request.title, "description": request.description or "",
        "workflowId": request.workflow_id, "workflowName": body["workflowName"] or "",
        "executionId": request.execution_id,
        "canViewExecution": access.owns_workflow(s, request.workflow_id, user.id),
        "startedBy": _starters(s, {request.execution_id}).get(request.execution_id, "unknown"),
        "status": request.status, "approvalType": request.approval_type,
        "progress": progress_text(request.approval_type, decided, eligible, request.required_approvals),
        "needed": still_needed(request.approval_type, request.status, decided, eligible,
                               request.required_approvals),
        "approvers": ", ".join(f"{names[n]} ({n})" if n in names else n for n in request.approvers or [])
        or "none named",
        "roles": ", ".join(request.approver_roles or []),
        "createdIso": _iso(request.created_at), "expiresIso": _iso(request.expires_at),
        "overdue": _is_overdue(request, now),
        "decisions": [{**d, "comment": d["comment"] or "", "who": names.get(d["userName"], d["userName"])}
                      for d in votes],
        "context": context_items(request.context_data), "notice": notice, "canDecide": not notice,
    }
