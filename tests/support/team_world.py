"""A shared workspace for the permission matrices: its admin `lead`, a user per role and an outsider,
a published and a draft workflow, an approval request, an integration, a finished execution and
an API key of the lead, plus makers of fresh objects for the calls that consume one."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from tests.helpers import document, drain, edge, make_user, node
from wayvo_app.services import access, api_keys, integrations, workflows
from wayvo_app.services.executions import cancel_execution, trigger_workflow
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import ApprovalRequest

WHO = [*reversed(access.ROLES), None]  # None: a user outside the workspace
ALL_SCOPES = list(api_keys.SCOPES)
SMS = SimpleNamespace(form_fields=[], label="T")


def name_of(who: str | None) -> str:
    return f"u-{who or 'outsider'}"


def wait_doc() -> dict:
    """A workflow waiting on event `n`/`{{Trigger.k}}`, named uniquely (names are unique per workspace)."""
    nodes = [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="n", eventKey="{{Trigger.k}}")]
    return document(nodes, [edge("t", "w")], f"Waits {uuid.uuid4().hex[:6]}")


def approval_doc(title: str) -> dict:
    nodes = [node("t", "Trigger"), node("a", "Approve", "Request Approval", title=title, approvers="lead",
                                        approvalType="single")]
    return document(nodes, [edge("t", "a")], "Approvals")


class World:
    def __init__(self) -> None:
        self.lead = make_user("lead", roles=())
        self.users = {who: make_user(name_of(who), roles=()) for who in WHO}
        self.title = f"Approve matrix {uuid.uuid4().hex[:6]}"
        with db.session() as s:
            self.ws = store_workspaces.create_workspace(s, "Team", self.lead).id
            for role in access.ROLES:
                store_workspaces.set_member(s, self.ws, self.users[role], role)
            self.published = self._workflow(s, wait_doc(), publish=True)
            self.draft = self._workflow(s, wait_doc())
            self.approval_wf = self._workflow(s, approval_doc(self.title), publish=True)
        self.integration = self.new_integration()
        self.key_id = self.new_key()
        self.finished = self.run()
        cancel_execution(self.finished, self.lead)
        trigger_workflow(workflow_id=self.approval_wf, user_name="lead", input={})
        drain()
        with db.read_session() as s:
            self.approval = s.exec(ApprovalRequest.__table__.select()
                                   .where(ApprovalRequest.workspace_id == self.ws)).first().id

    def _workflow(self, s, doc: dict, publish: bool = False) -> str:
        wf = workflows.create_workflow(s, self.lead, doc, workspace_id=self.ws)
        if publish:
            workflows.publish_workflow(s, wf.id, self.lead)
        return wf.id

    def run(self, key: str | None = None) -> str:
        """A fresh execution of the lead (waiting on event `n`/`key` once a worker ran it)."""
        return trigger_workflow(workflow_id=self.published, user_name="lead",
                                input={"k": key or uuid.uuid4().hex}).execution_id

    def new_integration(self) -> str:
        with db.session() as s:
            return integrations.create_integration(s, self.lead, type="t", name="i", config={}, known={"t": SMS},
                                                   workspace_id=self.ws).id

    def new_key(self) -> str:
        return api_keys.new_api_key(self.lead, "lead's key", workspace_id=self.ws).row.id

    def new_member(self) -> str:
        """A user added to the workspace as a member (for the member routes to change or remove)."""
        name = f"t-{uuid.uuid4().hex[:8]}"
        uid = make_user(name, roles=())
        with db.session() as s:
            store_workspaces.set_member(s, self.ws, uid, "member")
        return name

    def key_of(self, who: str | None) -> str:
        """An all-scope API key of the user in the workspace (the outsider's: in their personal one).
        Made while the user was an editor, as a key outlives its creator's demotion."""
        uid = self.users[who]
        if who is None:
            return api_keys.new_api_key(uid, "k", scopes=ALL_SCOPES).key
        with db.session() as s:
            store_workspaces.set_member(s, self.ws, uid, "editor")
            key = api_keys.create_api_key(s, uid, "k", workspace_id=self.ws, scopes=ALL_SCOPES).key
            store_workspaces.set_member(s, self.ws, uid, who)
        return key
