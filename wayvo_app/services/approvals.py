"""Approval decisions and reads: who may see and decide, and the policy of single/any/all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from wayvo_app.engine import wakeup
from wayvo_app.services import handover
from wayvo_app.services.access import owns_workflow
from wayvo_app.store import approvals as store_approvals
from wayvo_app.store import executions as store
from wayvo_app.store.models import ApprovalRequest, User, utcnow
from wayvo_app.store.waits import decisions_json, resume_waiting_step, touch_resumed

NOT_FOUND = "Approval request not found"


def policy_outcome(approval_type: str, decisions: list[str], eligible: int, required: int) -> str | None:
    """The request's final status given the decisions so far, or None while still open."""
    approvals, rejections = decisions.count("approved"), decisions.count("rejected")
    if approval_type == "single":
        return decisions[0] if decisions else None
    if approval_type == "any":
        if approvals:
            return "approved"
        return "rejected" if rejections >= eligible else None
    if rejections:
        return "rejected"
    return "approved" if approvals >= required else None


def may_decide_now(user: User, request: ApprovalRequest) -> bool:
    """Named approvers, and current members of the named roles (checked at decision time)."""
    if user.disabled:
        return False
    if user.user_name in (request.approvers or []):
        return True
    return bool(set(user.roles or ()) & set(request.approver_roles or ()))


def _visible(s: Session, user: User, request: ApprovalRequest) -> bool:
    if user.user_name in (request.eligible or []) or may_decide_now(user, request):
        return True
    return owns_workflow(s, request.workflow_id, user.id)


def request_json(s: Session | None, request: ApprovalRequest, workflow_name: str | None = None,
                 decided: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The API's shape of a request; its decisions are read unless given."""
    if decided is None:
        decided = decisions_json(s, request.id)
    return {
        "id": request.id, "executionId": request.execution_id, "workflowId": request.workflow_id,
        "workflowName": workflow_name, "nodeId": request.node_id, "title": request.title,
        "description": request.description, "approvalType": request.approval_type, "status": request.status,
        "contextData": request.context_data, "decisions": decided, "approvers": request.approvers,
        "approverRoles": request.approver_roles, "eligible": request.eligible,
        "requiredApprovals": request.required_approvals,
        "approvalsCount": sum(1 for d in decided if d["decision"] == "approved"),
        "expiresAt": request.expires_at.isoformat() if request.expires_at else None,
        "createdAt": request.created_at.isoformat(),
        "decidedAt": request.decided_at.isoformat() if request.decided_at else None,
    }


def get_visible(s: Session, request_id: str, user: User, *, lock: bool = False,
                only: str | None = None) -> ApprovalRequest:
    """The request if the user may see it (and it is of the workspace `only`, an API key's, when given)."""
    request = store_approvals.approval_request(s, request_id, lock=lock)
    if request is None or (only and request.workspace_id != only) or not _visible(s, user, request):
        raise NotFoundError(NOT_FOUND)
    return request


@dataclass
class Decided:
    """A recorded decision: the request as it is now, its workflow's name, its decisions (the API's
    shape) and, with a local worker, the resumed step claimed for it (to hand over after the commit)."""

    request: ApprovalRequest
    workflow_name: str | None
    decisions: list[dict[str, Any]]
    handed: list = field(default_factory=list)


def decide(s: Session, request_id: str, user: User, decision: str, comment: str | None,
           only: str | None = None, runner: wakeup.LocalRunner | None = None,
           read: tuple[ApprovalRequest, str | None] | None = None) -> Decided:
    """Record one user's decision; the decision that settles the request resumes the execution:
    its step is made due (workers woken at commit), or claimed for the local `runner` with what
    it needs to run. `read`: the request (locked) and its workflow's name, when the caller read
    them already (store/approvals.request_for_decider)."""
    if decision not in ("approved", "rejected"):
        raise BadRequestError('decision must be "approved" or "rejected"')
    now = utcnow()
    found = read if read is not None else store_approvals.approval_request_with_name(s, request_id)
    request, name = found if found is not None else (None, None)
    if request is None or (only and request.workspace_id != only) or not _visible(s, user, request):
        raise NotFoundError(NOT_FOUND)
    if request.status != "pending":
        raise ConflictError(f"This approval request is already {request.status}")
    if request.expires_at is not None and request.expires_at <= now:
        raise ConflictError("This approval request has expired")
    if not may_decide_now(user, request):
        raise ForbiddenError("You are not an approver of this request")
    previous = store_approvals.decisions_so_far(s, request.id)
    if any(row[0] == user.user_name for row in previous):
        raise ConflictError("You have already decided this request")
    comment = (comment or "").strip() or None
    store_approvals.add_decision(s, request.id, user.user_name, decision, comment, now)
    decided = [*previous, (user.user_name, decision, comment, now)]
    final = policy_outcome(request.approval_type, [row[1] for row in decided],
                           len(request.eligible or []), request.required_approvals)
    if not store_approvals.settle_request(s, request, final, now):
        raise ConflictError("This approval request was decided meanwhile")
    decisions = [{"userName": who, "decision": what, "comment": note, "decidedAt": when.isoformat() if when else None}
                 for who, what, note, when in decided]
    result = Decided(request, name, decisions)
    if final:
        _resume(s, request, decisions, now, runner, result.handed)
    else:
        store.touch_execution(s, request.execution_id, now)
    return result


def _resume(s: Session, request: ApprovalRequest, decisions: list, now, runner, handed: list) -> None:
    """The decided request's step: claimed for the local worker with its world and outcome (as
    `approval_resolution` reads it), or made due for any worker; the execution runs again."""
    claimed = None
    if runner is not None:
        claimed = store.claim_waiting_step(s, request.step_id, runner.owner, now, now + runner.lease)
        resumed = claimed is not None
    else:
        resumed = resume_waiting_step(s, request.step_id, now)
    touch_resumed(s, request.execution_id, now, resumed)
    if claimed is not None:
        outcome = {"status": request.status, "decisions": decisions, "approvalRequestId": request.id}
        handed.append(handover.with_world(s, claimed, outcome))


audience_ids = store_approvals.audience_ids  # kept here: the inbox filters its lists with it


def list_for_user(s: Session, user: User, status: str | None = None, limit: int = 500,
                  workspace_id: str | None = None) -> list[tuple]:
    """Requests the user may decide or has decided (named, by role, or decided), pending first."""
    return store_approvals.requests_for_user(s, user, status, limit, workspace_id)
