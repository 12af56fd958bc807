"""Which API-key scope each route needs (contract §7): the one table `api/auth.py` checks.
Session tokens are not limited by scopes; `KEYS_NEVER` routes refuse every key."""

from __future__ import annotations

from wayvo_app import routes

KEYS_NEVER = "never"
EXECUTIONS = routes.API_EXECUTIONS
APPROVALS = routes.API_APPROVALS

# (method, route path as registered) -> scope. A route missing here fails tests/integration/test_api_scopes.py.
ROUTE_SCOPES: dict[tuple[str, str], str | None] = {
    ("POST", routes.API_LOGIN): None,  # no caller yet
    ("GET", "/api/health"): None,  # open: for load balancers and supervisors
    ("POST", routes.execute("{workflow_id}")): "execute",
    ("POST", routes.webhook("{workflow_id}")): "execute",
    # No key: the unguessable token in the path is the credential (senders cannot add a header);
    # a signature proves the body when the trigger asks for one. See api/routes_hooks.py.
    ("POST", routes.hook("{token}")): None,
    ("GET", routes.METRICS): None,  # its own Bearer token (WAYVO_METRICS_TOKEN), never a key or session
    ("GET", EXECUTIONS): "execute",  # the list: only what the key's creator may see, in its workspace
    ("GET", EXECUTIONS + "/{execution_id}/status"): "execute",
    ("GET", EXECUTIONS + "/{execution_id}"): "execute",
    ("GET", EXECUTIONS + "/{execution_id}/events"): "execute",
    ("POST", routes.API_SIGNAL): "signal",
    ("GET", APPROVALS): "approve",
    ("GET", APPROVALS + "/{request_id}"): "approve",
    ("POST", APPROVALS + "/{request_id}/decide"): "approve",
    ("POST", EXECUTIONS + "/{execution_id}/cancel"): "manage",
    ("POST", EXECUTIONS + "/{execution_id}/retry"): "manage",
    ("POST", routes.API_WORKFLOWS): "manage",
    ("GET", routes.API_WORKFLOWS + "/{workflow_id}"): "manage",
    ("PUT", routes.API_WORKFLOWS + "/{workflow_id}"): "manage",
    ("POST", routes.API_WORKFLOWS + "/{workflow_id}/publish"): "manage",
    ("GET", routes.API_WORKFLOWS): "manage",
    ("DELETE", routes.API_WORKFLOWS + "/{workflow_id}"): "manage",
    ("PUT", routes.API_WORKFLOWS + "/{workflow_id}/active"): "manage",
    ("GET", routes.API_WORKFLOWS + "/{workflow_id}/retention"): "manage",
    ("PUT", routes.API_WORKFLOWS + "/{workflow_id}/retention"): "manage",
    ("POST", routes.API_INTEGRATIONS): "manage",
    ("GET", routes.API_INTEGRATIONS): "manage",
    ("DELETE", routes.API_INTEGRATIONS + "/{integration_id}"): "manage",
    ("GET", routes.API_KEYS): "manage",
    ("POST", routes.API_KEYS + "/create"): KEYS_NEVER,
    ("DELETE", routes.API_KEYS + "/{key_id}"): KEYS_NEVER,
    ("GET", routes.API_WORKSPACES): "manage",
    ("POST", routes.API_WORKSPACES): KEYS_NEVER,  # §7: a session token only
    ("PATCH", routes.API_WORKSPACES + "/{workspace_id}"): "manage",
    ("DELETE", routes.API_WORKSPACES + "/{workspace_id}"): KEYS_NEVER,  # a key would delete itself
    ("GET", routes.API_WORKSPACES + "/{workspace_id}/members"): "manage",
    ("PUT", routes.API_WORKSPACES + "/{workspace_id}/members/{user_name}"): "manage",
    ("DELETE", routes.API_WORKSPACES + "/{workspace_id}/members/{user_name}"): "manage",
}


def scope_for(method: str, path: str) -> str | None:
    """The scope a key needs for this route; an unlisted route needs `manage` (everything else)."""
    return ROUTE_SCOPES.get((method.upper(), path), "manage")


def refusal(scope: str | None, key_scopes: tuple[str, ...] | None, method: str, path: str) -> str | None:
    """Why a key with `key_scopes` may not call the route, or None when it may."""
    if key_scopes is None or scope is None:
        return None
    if scope == KEYS_NEVER:
        if path.startswith(routes.API_KEYS):
            return "API keys cannot create or revoke API keys; sign in to manage keys"
        return "This route needs a signed-in user, not an API key"
    if scope not in key_scopes:
        return f"This API key lacks the '{scope}' scope"
    return None


# Routes with no API-key scope because another credential guards them.
OWN_CREDENTIAL = {
    ("POST", routes.hook("{token}")): "no API key: the secret token in the path (and an optional signature)",
    ("GET", routes.METRICS): "no API key: the Bearer token WAYVO_METRICS_TOKEN",
}


def scope_text(method: str, path: str) -> str:
    """How the API documentation names a route's scope."""
    if (method.upper(), path) in OWN_CREDENTIAL:
        return OWN_CREDENTIAL[(method.upper(), path)]
    scope = scope_for(method, path)
    if scope == KEYS_NEVER:
        return "session token only, never an API key"
    return f"API-key scope: {scope}" if scope else "no authentication"
