"""The permissions module: may this user do this to this object? One table of actions and the
role each needs (contract §7); objects the caller may not see answer exactly like missing ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import (
    DeletedByRetentionError,
    ForbiddenError,
    NotFoundError,
    WorkflowNotFoundError,
)
from wayvo_app.store import executions as store_executions
from wayvo_app.store import retention as store_retention
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import Integration, Workflow, Workspace

ROLES = store_workspaces.ROLES  # member < operator < editor < admin


@dataclass(frozen=True)
class Rule:
    """`role`: the lowest role allowed (None: no role suffices, as for deciding an approval, which
    only named approvers may); `own`: the lowest role allowed on an object of one's own (an
    execution one started, a key one made; None: no exception); `what`: the words of the docs
    and of a refusal."""

    role: str | None
    what: str
    own: str | None = None
    on_workspace: bool = False  # done to a workspace (creating in it): visible to its members


# The one table: docs/permissions.md and tests/integration/test_permission_matrix.py are made from it.
ACTIONS: dict[str, Rule] = {
    "workflow.view": Rule("member", "see the workspace's workflows"),
    "workflow.run": Rule("member", "run a published workflow (UI, execute, trigger_workflow)"),
    "workflow.run_draft": Rule("editor", "run a draft or a workflow never published"),
    "workflow.create": Rule("editor", "create or import a workflow in the workspace", on_workspace=True),
    "workflow.edit": Rule("editor", "edit, publish, rename, duplicate, restore, delete, export"),
    "execution.view": Rule("operator", "see an execution (lists, viewer, details, logs)", own="member"),
    "execution.cancel": Rule("operator", "cancel an execution"),
    "execution.retry": Rule("operator", "retry an execution"),
    "approval.view": Rule("operator", "see the approval requests of the workspace's executions "
                                      "(named approvers and approver roles see theirs, members or not)"),
    "approval.list": Rule(None, "list the requests one may decide or has decided (named approvers and approver "
                                "roles only, whatever their role in the workspace)"),
    "approval.decide": Rule(None, "decide an approval request (only its named approvers and approver roles)"),
    "integration.view": Rule("editor", "list integrations and pick them in the builder"),
    "integration.create": Rule("editor", "create an integration in the workspace", on_workspace=True),
    "integration.manage": Rule("editor", "delete an integration"),
    "event.signal": Rule("member", "signal a wait of the workspace"),
    "key.view": Rule("editor", "see the workspace's API keys", own="member"),
    "key.create": Rule("editor", "create API keys in the workspace", on_workspace=True),
    "key.revoke": Rule("editor", "revoke an API key of the workspace", own="member"),
    "workspace.view": Rule("member", "see the workspace and its members"),
    "workspace.members": Rule("admin", "add a member, change a role, remove a member"),
    "workspace.manage": Rule("admin", "rename or delete the workspace"),
}

_NOT_FOUND = {"workflow": WorkflowNotFoundError, "execution": lambda: NotFoundError("Execution not found"),
              "integration": lambda: NotFoundError("Integration not found"),
              "approval": lambda: NotFoundError("Approval request not found"),
              "event": lambda: NotFoundError("Workspace not found"),
              "key": lambda: NotFoundError("API key not found"),
              "workspace": lambda: NotFoundError("Workspace not found")}


@dataclass(frozen=True)
class Acting:
    """A user acting within one workspace only (what an API key does); `workspace_id` None: in
    every workspace of theirs (a browser session). A Principal has the same two fields."""

    id: str
    workspace_id: str | None = None


def user_id_of(who: Any) -> str:
    """A user id from a user id or a caller (anything with `.id`: a Principal, an Acting)."""
    return getattr(who, "id", who)


def only_of(who: Any) -> str | None:
    """The one workspace the caller acts in (an API key's), None when not limited."""
    return getattr(who, "workspace_id", None) if not isinstance(who, str) else None


def role_in(s: Session, user_id: Any, workspace_id: str | None) -> str | None:
    """The caller's role in the workspace; None for an outsider, and for an API key outside its own."""
    only = only_of(user_id)
    if not workspace_id or (only is not None and only != workspace_id):
        return None
    return store_workspaces.member_role(s, user_id_of(user_id), workspace_id)


def at_least(role: str | None, lowest: str | None) -> bool:
    return role is not None and lowest is not None and ROLES.index(role) >= ROLES.index(lowest)


def _allowed(role: str | None, rule: Rule, own: bool) -> bool:
    return at_least(role, rule.role) or (own and at_least(role, rule.own))


def decide(role: str | None, action: str, *, own: bool = False) -> str:
    """"allowed", "404" (the object is not visible to this role) or "403" (visible, role too low)."""
    rule = ACTIONS[action]
    if role is None:
        return "404"
    if _allowed(role, rule, own):
        return "allowed"
    noun = "workspace" if rule.on_workspace else action.split(".")[0]
    view = ACTIONS.get(f"{noun}.view", rule)
    if action in (f"{noun}.view", f"{noun}.list") or not _allowed(role, view, own):
        return "404"  # what one may not see is simply not there (a member never learns of others' runs)
    return "403"


def _workspace_of(obj: Any) -> str:
    return obj.id if isinstance(obj, Workspace) else obj.workspace_id


def require(s: Session, who: Any, action: str, obj: Any) -> Any:
    """`obj` (a row with `workspace_id`, or a Workspace) if the caller (a user id, or a principal:
    an API key's acts only in its workspace) may do `action` to it; the object's not-found error
    or ForbiddenError otherwise. "Own" objects: an execution's or a key's `user_id` is the caller."""
    noun = "workspace" if ACTIONS[action].on_workspace else action.split(".")[0]
    if obj is None:
        raise _NOT_FOUND[noun]()
    return require_role(role_in(s, who, _workspace_of(obj)), user_id_of(who), action, obj)


def require_role(role: str | None, user_id: str, action: str, obj: Any) -> Any:
    """`require` with the caller's role in the object's workspace already read (a hot path reads it
    in the same query as the object; None for an outsider or a key of another workspace)."""
    noun = "workspace" if ACTIONS[action].on_workspace else action.split(".")[0]
    if obj is None:
        raise _NOT_FOUND[noun]()
    own = getattr(obj, "user_id", None) == user_id
    verdict = decide(role, action, own=own)
    if verdict == "404":
        raise _NOT_FOUND[noun]()
    if verdict == "403":
        rule = ACTIONS[action]
        if rule.role is None:
            raise ForbiddenError(f"You may not {rule.what}")
        raise ForbiddenError(f"Your role in this workspace ({role}) may not {rule.what}; "
                             f"it needs {rule.role} or above")
    return obj


def workspace_for(s: Session, who: Any, action: str, workspace_id: str | None, *, lock: bool = False) -> Workspace:
    """The workspace if the caller may do `action` there (404 "Workspace not found" otherwise)."""
    ws = s.get(Workspace, workspace_id, with_for_update=lock or None) if workspace_id else None
    return require(s, who, action, ws)


def target_workspace(s: Session, who: Any, action: str, workspace_id: str | None) -> str:
    """Where the caller creates something: `workspace_id`, else an API key's workspace, else the
    user's personal one; the caller needs `action` there."""
    workspace_id = workspace_id or only_of(who) or store_workspaces.personal_workspace_id(s, user_id_of(who))
    return workspace_for(s, who, action, workspace_id).id


def list_workspace(s: Session, who: Any, workspace_id: str | None) -> str | None:
    """The workspace a list is limited to: `?workspaceId=` (the caller must belong to it), an API
    key's own workspace, or None (every workspace of the user)."""
    if workspace_id:
        return workspace_for(s, who, "workspace.view", workspace_id).id
    return only_of(who)


def workflow_for(s: Session, workflow_id: str | None, user_id: Any, action: str, *,
                 lock: bool = False) -> Workflow:
    """The workflow if the caller may do `action` to it (`lock`: FOR UPDATE on PostgreSQL)."""
    wf = None
    if workflow_id:
        wf = s.get(Workflow, workflow_id, with_for_update=lock or None)
    return require(s, user_id, action, wf)


def workflow_to_run(s: Session, workflow_id: str | None, user_id: Any, *, draft: bool = False) -> Workflow:
    """The workflow if the caller may run it: members run published versions, editors drafts too."""
    wf = workflow_for(s, workflow_id, user_id, "workflow.run")
    if draft or wf.published_version is None:
        require(s, user_id, "workflow.run_draft", wf)
    return wf


def execution_for(s: Session, execution_id: str | None, user_id: Any, action: str, *, lock: bool = False) -> Any:
    """The execution (locked with `lock`) if the caller may do `action` to it."""
    execution = None
    if execution_id:
        get = store_executions.lock_execution if lock else store_executions.get_execution
        execution = get(s, execution_id)
        if execution is None:
            _refuse_if_pruned(s, execution_id, user_id)
    return require(s, user_id, action, execution)


def _refuse_if_pruned(s: Session, execution_id: str, user_id: Any) -> None:
    """A link to an execution that retention deleted: DeletedByRetentionError to those who could
    see it (its tombstone keeps its workspace and starter), plain not found to anyone else."""
    tomb = store_retention.tombstone(s, execution_id)
    if tomb is not None and may(s, user_id, "execution.view", tomb):
        finished = f" (it finished on {tomb.completed_at:%Y-%m-%d})" if tomb.completed_at else ""
        raise DeletedByRetentionError(f"Execution deleted by retention{finished}")


def integration_for(s: Session, integration_id: str | None, user_id: Any, action: str) -> Integration:
    row = s.get(Integration, integration_id) if integration_id else None
    return require(s, user_id, action, row)


def may(s: Session, user_id: Any, action: str, obj: Any) -> bool:
    """`require` as a yes/no (for links and buttons, never for lists: those filter in SQL)."""
    try:
        require(s, user_id, action, obj)
    except (ForbiddenError, NotFoundError, WorkflowNotFoundError):
        return False
    return True


def visible_workflows(who: Any) -> Any:
    """SQL: the workflows the caller may see (an API key: of its workspace only)."""
    return store_workspaces.visible_workflows(user_id_of(who), only_of(who))


def visible_executions(who: Any) -> Any:
    return store_workspaces.visible_executions(user_id_of(who), only_of(who))


def visible_integrations(who: Any) -> Any:
    return store_workspaces.visible_integrations(user_id_of(who), only_of(who))


def owned_workflow(s: Session, workflow_id: str | None, user_id: Any) -> Workflow:
    """The workflow if the user may run it (kept for callers of the owner-only days)."""
    return workflow_to_run(s, workflow_id, user_id)


def owns_workflow(s: Session, workflow_id: str, user_id: Any) -> bool:
    """Whether the caller may see every execution of the workflow (an operator of its workspace)."""
    wf = s.get(Workflow, workflow_id)
    return wf is not None and at_least(role_in(s, user_id, wf.workspace_id), ACTIONS["execution.view"].role)


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
caller started or keys the caller made. Approvals are decided by named approvers and approver roles, members or not.

This file is generated from `ACTIONS` in `wayvo_app/services/access.py` and from the tables of
`wayvo_app/services/entry_points.py` (which action each route and page handler answers to); the
same tables drive `tests/integration/test_permission_matrix.py`. Regenerate it with
`python -m wayvo_app.services.entry_points > docs/permissions.md`.

"""

