"""The permission matrix: every action of access.ACTIONS, through a service entry point, for each
role and an outsider; the expected answer comes from the same table (allowed, 404 or 403)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from tests.helpers import document, edge, make_user, node
from wayvo_app.core.errors import ForbiddenError, NotFoundError, NoWaitingEventError, WorkflowNotFoundError
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import access, execution_views, integrations, workflows
from wayvo_app.services.executions import cancel_execution, retry_execution, trigger_workflow
from wayvo_app.services.signals import deliver_signal
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces

WHO = [*reversed(access.ROLES), None]  # None: a user outside the workspace


def _doc() -> dict:
    nodes = [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="n", eventKey="k")]
    return document(nodes, [edge("t", "w")], "Waits")


class World:
    """A shared workspace (admin `lead`), a user per role, a published and a draft workflow, an
    integration, and executions started by the lead."""

    def __init__(self) -> None:
        self.lead = make_user("lead", roles=())
        self.users = {who: make_user(f"u-{who or 'outsider'}", roles=()) for who in WHO}
        with db.session() as s:
            self.ws = store_workspaces.create_workspace(s, "Team", self.lead).id
            for role in access.ROLES:
                store_workspaces.set_member(s, self.ws, self.users[role], role)
            published = workflows.create_workflow(s, self.lead, _doc(), workspace_id=self.ws)
            workflows.publish_workflow(s, published.id, self.lead)
            self.published = published.id
            self.draft = workflows.create_workflow(s, self.lead, {**_doc(), "name": "Draft"}, workspace_id=self.ws).id
            kind = SimpleNamespace(form_fields=[], label="T")
            self.integration = integrations.create_integration(
                s, self.lead, type="t", name="i", config={}, known={"t": kind}, workspace_id=self.ws).id

    def run(self) -> str:
        return trigger_workflow(workflow_id=self.published, user_name="lead").execution_id


def _listed(found: list, wanted: str) -> None:
    if wanted not in found:
        raise NotFoundError("not listed")


def _in_session(fn: Callable) -> Callable:
    def call(*args):
        with db.session() as s:
            return fn(s, *args)
    return call


# action -> how a user (id, name) tries it in world `w`; a new action without a row fails the test
ENTRY_POINTS: dict[str, Callable[[World, str, str], object]] = {
    "workflow.view": lambda w, uid, _: _listed([x.id for x in _in_session(workflows.list_workflows)(uid)],
                                               w.published),
    "workflow.run": lambda w, _, name: trigger_workflow(workflow_id=w.published, user_name=name),
    "workflow.run_draft": lambda w, _, name: trigger_workflow(workflow_id=w.draft, user_name=name),
    "workflow.edit": lambda w, uid, _: _in_session(workflows.rename_workflow)(w.published, uid, "Renamed"),
    "execution.view": lambda w, uid, _: execution_views.details_of(w.run(), uid),
    "execution.cancel": lambda w, uid, _: cancel_execution(w.run(), uid),
    "execution.retry": lambda w, uid, _: retry_execution(w.run(), uid, "start"),
    "integration.view": lambda w, uid, _: _listed([i.id for i in _in_session(integrations.list_integrations)(uid)],
                                                  w.integration),
    "integration.manage": lambda w, uid, _: _in_session(integrations.managed_integration)(w.integration, uid),
    "event.signal": lambda w, uid, _: deliver_signal(namespace="n", key=f"k-{uid}", user_id=uid,
                                                     buffer_for="1m", workspace_id=w.ws),
}


def _outcome(attempt: Callable[[World, str, str], object], world: World, uid: str, name: str) -> str:
    try:
        attempt(world, uid, name)
    except ForbiddenError:
        return "403"
    except (NotFoundError, WorkflowNotFoundError, NoWaitingEventError):
        return "404"
    return "allowed"


def test_every_action_has_an_entry_point():
    assert set(ENTRY_POINTS) == set(access.ACTIONS)


@pytest.fixture
def world(db_url):
    set_registry(default_registry())
    yield World()
    set_registry(None)


def test_each_role_and_an_outsider_get_what_the_table_says(world):
    got, expected = {}, {}
    for action, attempt in ENTRY_POINTS.items():
        for who in WHO:
            uid, name = world.users[who], f"u-{who or 'outsider'}"
            expected[action, who] = access.decide(who, action)
            got[action, who] = _outcome(attempt, world, uid, name)
    assert got == expected
