"""The permissions module: may this user do this to this object? One table of actions and the
role each needs (contract §7); objects the caller may not see answer exactly like missing ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import ForbiddenError, NotFoundError, WorkflowNotFoundError
from wayvo_app.store import executions as store_executions
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import Integration, Workflow

ROLES = store_workspaces.ROLES  # member < operator < editor < admin


@dataclass(frozen=True)
class Rule:
    """`role`: the lowest role allowed; `own`: the lowest role allowed on an execution one started
    oneself (None: no exception); `what`: the words of the docs and of a refusal."""

    role: str
    what: str
    own: str | None = None


# The one table: docs/permissions.md and tests/integration/test_permission_matrix.py are made from it.
ACTIONS: dict[str, Rule] = {
    "workflow.view": Rule("member", "see the workspace's workflows"),
    "workflow.run": Rule("member", "run a published workflow (UI, execute, trigger_workflow)"),
    "workflow.run_draft": Rule("editor", "run a draft or a workflow never published"),
    "workflow.edit": Rule("editor", "create, edit, publish, rename, duplicate, restore, delete, import, export"),
    "execution.view": Rule("operator", "see an execution (lists, viewer, details, logs)", own="member"),
    "execution.cancel": Rule("operator", "cancel an execution"),
    "execution.retry": Rule("operator", "retry an execution"),
    "integration.view": Rule("editor", "list integrations and pick them in the builder"),
    "integration.manage": Rule("editor", "create and delete integrations"),
    "event.signal": Rule("member", "signal a wait of the workspace"),
}

_NOT_FOUND = {"workflow": WorkflowNotFoundError, "execution": lambda: NotFoundError("Execution not found"),
              "integration": lambda: NotFoundError("Integration not found")}


def role_in(s: Session, user_id: str, workspace_id: str | None) -> str | None:
    """The user's role in the workspace; None for an outsider."""
    return store_workspaces.member_role(s, user_id, workspace_id) if workspace_id else None


def at_least(role: str | None, lowest: str | None) -> bool:
    return role is not None and lowest is not None and ROLES.index(role) >= ROLES.index(lowest)


def decide(role: str | None, action: str, *, own: bool = False) -> str:
    """"allowed", "404" (the object is not visible to this role) or "403" (visible, role too low)."""
    rule = ACTIONS[action]
    if role is None:
        return "404"
    if at_least(role, rule.role) or (own and at_least(role, rule.own)):
        return "allowed"
    noun = action.split(".")[0]
    view = ACTIONS.get(f"{noun}.view", rule)
    if action == f"{noun}.view" or (noun == "execution" and not (at_least(role, view.role)
                                                                 or (own and at_least(role, view.own)))):
        return "404"  # what one may not see is simply not there (a member never learns of others' runs)
    return "403"


def _id(who: Any) -> str:
    """A user id from a user id or a principal (anything with `.id`)."""
    return getattr(who, "id", who)


def require(s: Session, user_id: Any, action: str, obj: Any) -> Any:
    """`obj` (a row with `workspace_id`; executions also `user_id`) if the user (an id or a
    principal) may do `action` to it; the object's not-found error or ForbiddenError otherwise."""
    user_id = _id(user_id)
    if obj is None:
        raise _NOT_FOUND[action.split(".")[0]]()
    return require_role(role_in(s, user_id, obj.workspace_id), user_id, action, obj)


def require_role(role: str | None, user_id: str, action: str, obj: Any) -> Any:
    """`require` with the user's role in the object's workspace already read (a hot path reads it
    in the same query as the object)."""
    noun = action.split(".")[0]
    if obj is None:
        raise _NOT_FOUND[noun]()
    own = noun == "execution" and getattr(obj, "user_id", None) == user_id
    verdict = decide(role, action, own=own)
    if verdict == "404":
        raise _NOT_FOUND[noun]()
    if verdict == "403":
        rule = ACTIONS[action]
        raise ForbiddenError(f"Your role in this workspace ({role}) may not {rule.what}; "
                             f"it needs {rule.role} or above")
    return obj


def workflow_for(s: Session, workflow_id: str | None, user_id: str, action: str, *,
                 lock: bool = False) -> Workflow:
    """The workflow if the user may do `action` to it (`lock`: FOR UPDATE on PostgreSQL)."""
    wf = None
    if workflow_id:
        wf = s.get(Workflow, workflow_id, with_for_update=lock or None)
    return require(s, user_id, action, wf)


def workflow_to_run(s: Session, workflow_id: str | None, user_id: str, *, draft: bool = False) -> Workflow:
    """The workflow if the user may run it: members run published versions, editors drafts too."""
    wf = workflow_for(s, workflow_id, user_id, "workflow.run")
    if draft or wf.published_version is None:
        require(s, user_id, "workflow.run_draft", wf)
    return wf


def execution_for(s: Session, execution_id: str | None, user_id: str, action: str, *, lock: bool = False) -> Any:
    """The execution (locked with `lock`) if the user may do `action` to it."""
    execution = None
    if execution_id:
        get = store_executions.lock_execution if lock else store_executions.get_execution
        execution = get(s, execution_id)
    return require(s, user_id, action, execution)


def integration_for(s: Session, integration_id: str | None, user_id: str, action: str) -> Integration:
    row = s.get(Integration, integration_id) if integration_id else None
    return require(s, user_id, action, row)


def may(s: Session, user_id: str, action: str, obj: Any) -> bool:
    """`require` as a yes/no (for links and buttons, never for lists: those filter in SQL)."""
    try:
        require(s, user_id, action, obj)
    except (ForbiddenError, NotFoundError, WorkflowNotFoundError):
        return False
    return True


visible_workflows = store_workspaces.visible_workflows
visible_executions = store_workspaces.visible_executions
visible_integrations = store_workspaces.visible_integrations


def owned_workflow(s: Session, workflow_id: str | None, user_id: str) -> Workflow:
    """The workflow if the user may run it (kept for callers of the owner-only days)."""
    return workflow_to_run(s, workflow_id, user_id)


def owns_workflow(s: Session, workflow_id: str, user_id: str) -> bool:
    """Whether the user may see every execution of the workflow (an operator of its workspace)."""
    wf = s.get(Workflow, workflow_id)
    return wf is not None and at_least(role_in(s, user_id, wf.workspace_id), "operator")


def permissions_markdown() -> str:
    """The table of docs/permissions.md, made from ACTIONS (a test keeps the file equal to it)."""
    lines = ["| action | what | " + " | ".join(reversed(ROLES)) + " | outsider |",
             "|---|---|" + "---|" * (len(ROLES) + 1)]
    for action, rule in ACTIONS.items():
        cells = []
        for role in reversed(ROLES):
            verdict, on_own = decide(role, action), decide(role, action, own=True)
            if verdict != on_own:
                verdict = "own only" if on_own == "allowed" else f"{verdict} ({on_own} on own)"
            cells.append("yes" if verdict == "allowed" else verdict)
        lines.append(f"| `{action}` | {rule.what} | " + " | ".join(cells) + f" | {decide(None, action)} |")
    return "\n".join(lines) + "\n"


DOC_HEAD = """# Permissions

Who may do what in a workspace (contract §7). Each role includes the rights of the roles below
it: admin > editor > operator > member. "404" means the object answers exactly like a missing one;
"403" means the caller sees it but their role is too low; "own only" means on executions the
caller started. Approvals are decided by named approvers and approver roles, members or not.

This file is generated from `ACTIONS` in `wayvo_app/services/access.py` (the same table drives
`tests/integration/test_permission_matrix.py`); regenerate it with
`python -m wayvo_app.services.access > docs/permissions.md`.

"""


if __name__ == "__main__":
    print(DOC_HEAD + permissions_markdown(), end="")
