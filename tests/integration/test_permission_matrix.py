"""The permission matrix (contract §7): every action of access.ACTIONS through a service entry point,
and every route of the API over HTTP on the real app, for each role and an outsider, with a session
token and with an all-scope API key; the expected answer comes from the same tables (access.ACTIONS
and services/entry_points.ROUTES): allowed, 404 or 403. A route without a row fails the test."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.helpers import adrain
from tests.support.team_world import WHO, World, name_of, wait_doc
from wayvo_app import routes
from wayvo_app.api.app import create_api
from wayvo_app.api.scopes import KEYS_NEVER, ROUTE_SCOPES
from wayvo_app.core.errors import ForbiddenError, NotFoundError, NoWaitingEventError, WorkflowNotFoundError
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import (
    access,
    api_keys,
    decisions,
    execution_views,
    integrations,
    workflows,
    workspaces,
)
from wayvo_app.services.entry_points import NONE, ROUTES
from wayvo_app.services.executions import cancel_execution, retry_execution, trigger_workflow
from wayvo_app.services.signals import deliver_signal
from wayvo_app.settings import get_settings
from wayvo_app.store import db


def _listed(found: list, wanted: str) -> None:
    if wanted not in found:
        raise NotFoundError("not listed")


def _in_session(fn: Callable) -> Callable:
    def call(*args, **kwargs):
        with db.session() as s:
            return fn(s, *args, **kwargs)
    return call


# action -> how a user (id, name) tries it through a service in world `w`; an action without a row fails
SERVICES: dict[str, Callable[[World, str, str], object]] = {
    "workflow.view": lambda w, uid, _: _listed([x.id for x in _in_session(workflows.list_workflows)(uid)],
                                               w.published),
    "workflow.run": lambda w, _, name: trigger_workflow(workflow_id=w.published, user_name=name, input={"k": "x"}),
    "workflow.run_draft": lambda w, _, name: trigger_workflow(workflow_id=w.draft, user_name=name, input={"k": "y"}),
    "workflow.create": lambda w, uid, _: _in_session(workflows.create_workflow)(
        uid, wait_doc(), workspace_id=_in_session(access.target_workspace)(uid, "workflow.create", w.ws)),
    "workflow.edit": lambda w, uid, _: _in_session(workflows.rename_workflow)(w.published, uid, "Renamed"),
    "execution.view": lambda w, uid, _: execution_views.details_of(w.finished, uid),
    "execution.cancel": lambda w, uid, _: cancel_execution(w.run(), uid),
    "execution.retry": lambda w, uid, _: retry_execution(w.finished, uid, "start"),
    "approval.list": lambda w, uid, _: _listed([a["id"] for a in decisions.list_approvals(user_id=uid)], w.approval),
    "approval.view": lambda w, uid, _: decisions.read_approval(request_id=w.approval, user_id=uid),
    "approval.decide": lambda w, _, name: decisions.decide_approval(request_id=w.approval, user_name=name,
                                                                    decision="approved"),
    "integration.view": lambda w, uid, _: _listed([i.id for i in integrations.integrations_of(uid)], w.integration),
    "integration.create": lambda w, uid, _: _in_session(access.target_workspace)(uid, "integration.create", w.ws),
    "integration.manage": lambda w, uid, _: integrations.remove_integration(uid, w.new_integration()),
    "event.signal": lambda w, uid, _: deliver_signal(namespace="n", key=f"k-{uid}", user_id=uid,
                                                     buffer_for="1m", workspace_id=w.ws),
    "key.view": lambda w, uid, _: _listed([k.id for k in api_keys.api_keys_of(uid)], w.key_id),
    "key.create": lambda w, uid, _: api_keys.new_api_key(uid, "k", workspace_id=w.ws),
    "key.revoke": lambda w, uid, _: api_keys.revoke(uid, w.new_key()),
    "workspace.view": lambda w, uid, _: workspaces.members_of(w.ws, uid),
    "workspace.members": lambda w, uid, _: workspaces.put_member(w.ws, uid, w.new_member(), "operator"),
    "workspace.manage": lambda w, uid, _: workspaces.rename(w.ws, uid, "Team"),
}


def _outcome(attempt: Callable[[World, str, str], object], world: World, uid: str, name: str) -> str:
    try:
        attempt(world, uid, name)
    except ForbiddenError:
        return "403"
    except (NotFoundError, WorkflowNotFoundError, NoWaitingEventError):
        return "404"
    return "allowed"


def test_every_action_has_a_service_entry_point():
    assert set(SERVICES) == set(access.ACTIONS)


@pytest.fixture
def world(db_url):
    set_registry(default_registry())
    yield World()
    set_registry(None)


def test_services_answer_each_role_and_an_outsider_as_the_table_says(world):
    got, expected = {}, {}
    for action, attempt in SERVICES.items():
        for who in WHO:
            expected[action, who] = access.decide(who, action)
            got[action, who] = _outcome(attempt, world, world.users[who], name_of(who))
    assert got == expected


# --- HTTP: every route of the app ------------------------------------------------------------

X, A, WS = routes.API_EXECUTIONS, routes.API_APPROVALS, routes.API_WORKSPACES


async def _waiting(w: World) -> str:
    """The event key of a fresh execution of the workspace waiting for it."""
    key = uuid.uuid4().hex
    w.run(key)
    await adrain()
    return key


Request = tuple[str, dict | None, str | None]  # url, JSON body, the id a list must show (None: not a list)

# (method, path) -> how to call it in world `w`; a row of entry_points.ROUTES without one fails the test
CALLS: dict[tuple[str, str], Callable[[World], Awaitable[Request]]] = {}


def _call(method: str, path: str):
    def register(fn):
        CALLS[method, path] = fn
        return fn
    return register


def _simple(method: str, path: str, url: Callable[[World], str], body: Callable[[World], dict] | None = None,
            listed: Callable[[World], str] | None = None) -> None:
    async def call(w: World) -> Request:
        return url(w), body(w) if body else None, listed(w) if listed else None
    CALLS[method, path] = call


W = routes.API_WORKFLOWS


def _fresh_workflow(w: World) -> str:
    with db.session() as s:
        return w._workflow(s, wait_doc())


_simple("POST", W, lambda w: W, lambda w: {**wait_doc(), "workspaceId": w.ws})
_simple("GET", W + "/{workflow_id}", lambda w: f"{W}/{w.published}")
_simple("GET", W, lambda w: W, listed=lambda w: w.published)
_simple("DELETE", W + "/{workflow_id}", lambda w: f"{W}/{_fresh_workflow(w)}")
_simple("PUT", W + "/{workflow_id}/active", lambda w: f"{W}/{w.published}/active", lambda w: {"active": True})
_simple("GET", W + "/{workflow_id}/retention", lambda w: f"{W}/{w.published}/retention")
_simple("PUT", W + "/{workflow_id}/retention", lambda w: f"{W}/{w.published}/retention",
        lambda w: {"retentionDays": 90})
_simple("PUT", W + "/{workflow_id}", lambda w: f"{W}/{w.draft}", lambda w: wait_doc())
_simple("POST", W + "/{workflow_id}/publish", lambda w: f"{W}/{w.draft}/publish")
_simple("POST", routes.execute("{workflow_id}"), lambda w: routes.execute(w.published),
        lambda w: {"input": {"k": uuid.uuid4().hex}})
_simple("POST", routes.webhook("{workflow_id}"), lambda w: routes.webhook(w.published), lambda w: {"k": "x"})
_simple("GET", X, lambda w: X, listed=lambda w: w.finished)
_simple("GET", X + "/{execution_id}/status", lambda w: f"{X}/{w.finished}/status")
_simple("GET", X + "/{execution_id}", lambda w: f"{X}/{w.finished}")
_simple("GET", X + "/{execution_id}/events", lambda w: f"{X}/{w.finished}/events")
_simple("POST", X + "/{execution_id}/cancel", lambda w: f"{X}/{w.run()}/cancel")
_simple("POST", X + "/{execution_id}/retry", lambda w: f"{X}/{w.finished}/retry", lambda w: {"from": "start"})
_simple("GET", A, lambda w: A, listed=lambda w: w.approval)
_simple("GET", A + "/{request_id}", lambda w: f"{A}/{w.approval}")
_simple("POST", A + "/{request_id}/decide", lambda w: f"{A}/{w.approval}/decide", lambda w: {"decision": "approved"})
_simple("POST", routes.API_INTEGRATIONS, lambda w: routes.API_INTEGRATIONS,
        lambda w: {"type": "t", "name": "i", "workspaceId": w.ws})
_simple("GET", routes.API_INTEGRATIONS, lambda w: routes.API_INTEGRATIONS, listed=lambda w: w.integration)
_simple("DELETE", routes.API_INTEGRATIONS + "/{integration_id}",
        lambda w: f"{routes.API_INTEGRATIONS}/{w.new_integration()}")
_simple("POST", routes.API_KEYS + "/create", lambda w: routes.API_KEYS + "/create",
        lambda w: {"name": "k", "workspaceId": w.ws})
_simple("GET", routes.API_KEYS, lambda w: routes.API_KEYS, listed=lambda w: w.key_id)
_simple("DELETE", routes.API_KEYS + "/{key_id}", lambda w: f"{routes.API_KEYS}/{w.new_key()}")
_simple("PATCH", WS + "/{workspace_id}", lambda w: f"{WS}/{w.ws}", lambda w: {"name": "Team"})
_simple("DELETE", WS + "/{workspace_id}", lambda w: f"{WS}/{w.ws}")  # admins get 409: it holds workflows
_simple("GET", WS + "/{workspace_id}/members", lambda w: f"{WS}/{w.ws}/members")
_simple("PUT", WS + "/{workspace_id}/members/{user_name}", lambda w: f"{WS}/{w.ws}/members/{w.new_member()}",
        lambda w: {"role": "operator"})
_simple("DELETE", WS + "/{workspace_id}/members/{user_name}", lambda w: f"{WS}/{w.ws}/members/{w.new_member()}")


@_call("POST", routes.API_SIGNAL)
async def _signal(w: World) -> Request:
    return routes.API_SIGNAL, {"eventNamespace": "n", "eventKey": await _waiting(w), "payload": {}}, None


def _api_routes() -> list[tuple[str, str]]:
    paths = create_api().openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


def test_every_route_of_the_app_has_a_row_and_each_row_a_call():
    app_routes = _api_routes()
    assert len(app_routes) > 20
    assert sorted(set(app_routes) - set(ROUTES)) == [], "add these routes to services/entry_points.py ROUTES"
    assert sorted(set(ROUTES) - set(app_routes)) == [], "rows of ROUTES without a route"
    assert set(CALLS) == {route for route, action in ROUTES.items() if action != NONE}


@pytest.fixture
async def api(world):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
        yield client


def _session(user_id: str) -> dict:
    from wayvo_app.services import accounts

    with db.session() as s:
        token, _ = accounts.start_session(s, s.get(accounts.User, user_id), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def _answer(r: httpx.Response, listed: str | None) -> str:
    if r.status_code in (403, 404):
        return str(r.status_code)
    assert r.status_code not in (401, 405, 422) and r.status_code < 500, r.text
    if listed is not None:
        return "allowed" if listed in r.text else "404"
    return "allowed"  # past the permission check (a 400 or 409 of the route itself counts too)


KEY_ONLY = {("POST", routes.API_SIGNAL), ("POST", routes.webhook("{workflow_id}"))}


@pytest.mark.parametrize("credential", ["session", "key"])
async def test_every_route_answers_each_role_and_an_outsider_as_the_table_says(api, world, credential):
    """With a session token every route but the machine ones; with an all-scope key of the workspace
    (the outsider's lives in their personal workspace) every route a key may call."""
    got, expected = {}, {}
    headers = {who: _session(world.users[who]) if credential == "session"
               else {"Authorization": f"Bearer {world.key_of(who)}"} for who in WHO}
    for route, call in CALLS.items():
        if (credential == "session" and route in KEY_ONLY) or (credential == "key" and ROUTE_SCOPES[route] == KEYS_NEVER):
            continue
        for who in WHO:
            url, body, listed = await call(world)
            r = await api.request(route[0], url, json=body, headers=headers[who])
            got[route, who] = _answer(r, listed)
            expected[route, who] = access.decide(who, ROUTES[route])
    assert len(got) >= 5 * (len(CALLS) - 3) and set(got.values()) == {"allowed", "403", "404"}
    assert got == expected
