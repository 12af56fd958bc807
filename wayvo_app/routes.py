"""Every URL of the app in one place: page routes, their URL builders, and the HTTP API's paths.
Pages register `*_ROUTE` patterns (Reflex's `[param]` syntax); links call the builders."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Pages
INDEX = "/"
LOGIN = "/login"
SETUP = "/setup"
WORKFLOWS = "/workflows"
EXECUTIONS = "/workflows/executions"
APPROVALS = "/workflows/approvals"
SETTINGS_API_KEYS = "/settings/api-keys"
SETTINGS_INTEGRATIONS = "/settings/integrations"
SETTINGS_MEMBERS = "/settings/members"
SETTINGS_PROFILE = "/settings/profile"
SETTINGS_USERS = "/settings/users"
DEMO_ORDER_STATUS = "/demo/order-status"

# Page patterns for `app.add_page(route=...)`
WORKFLOW_ROUTE = "/workflows/[id]"
WORKFLOW_EXECUTIONS_ROUTE = "/workflows/[id]/executions"
EXECUTION_ROUTE = "/workflows/executions/[execution_id]"
APPROVAL_ROUTE = "/workflows/approvals/[approval_id]"

# HTTP API
API = "/api"
API_PREFIX = "/api/"
API_DOCS = "/api/docs"
API_OPENAPI = "/api/openapi.json"
API_LOGIN = "/api/auth/login"
API_KEYS = "/api/api-keys"
API_INTEGRATIONS = "/api/integrations"
API_WORKFLOWS = "/api/workflows"
API_EXECUTIONS = "/api/workflows/executions"
API_SIGNAL = "/api/workflow/events/signal"
API_APPROVALS = "/api/workflow/approvals"
API_WORKSPACES = "/api/workspaces"
API_HOOKS = "/api/hooks"
METRICS = "/metrics"


def workflow(workflow_id: str) -> str:
    """The builder of one workflow."""
    return f"{WORKFLOWS}/{workflow_id}"


def workflow_executions(workflow_id: str) -> str:
    return f"{WORKFLOWS}/{workflow_id}/executions"


def execution(execution_id: str) -> str:
    """The execution viewer."""
    return f"{EXECUTIONS}/{execution_id}"


def approval(approval_id: str, *, quoted: bool = False) -> str:
    """One approval request; `quoted` escapes the id for links that leave the app (e-mails)."""
    return f"{APPROVALS}/{quote(approval_id, safe='') if quoted else approval_id}"


def welcome(waiting_execution_id: str) -> str:
    """The inbox as a newcomer first sees it, after the samples loaded."""
    return f"{APPROVALS}?welcome={quote(waiting_execution_id, safe='')}"


def login(next_path: str | None = None) -> str:
    """The sign-in page, returning to `next_path` afterwards."""
    return f"{LOGIN}?next={next_path}" if next_path else LOGIN


def execute(workflow_id: str) -> str:
    """The API path that runs a workflow for a signed-in caller."""
    return f"{API}/workflow/{workflow_id}/execute"


def webhook(workflow_id: str) -> str:
    """The API path that starts a workflow from another system."""
    return f"{API_WORKFLOWS}/{workflow_id}/webhook"


def hook(token: str) -> str:
    """A Webhook trigger's secret URL path: the token alone lets a sender start the workflow."""
    return f"{API_HOOKS}/{token}"


# Browsers drop tabs and newlines and read a backslash as "/": "/\\evil.example" would leave the origin.
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def local_path(target: str | None, default: str = WORKFLOWS) -> str:
    """`target` when a URL parser says it is a path on this origin (the `?next=` after sign-in),
    else `default`: no scheme, no host, one leading slash, nothing a browser rewrites."""
    if not target or _UNSAFE_IN_URL.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return target


def is_under(url: str | None, base: str) -> bool:
    """Whether `url` is an absolute URL on `base`'s origin, at or below its path (the app's own links)."""
    if not url or _UNSAFE_IN_URL.search(url):
        return False
    u, b = urlsplit(url), urlsplit(base)
    try:
        u_port, b_port = u.port, b.port
    except ValueError:
        return False
    scheme = u.scheme.lower()
    if not scheme or scheme != b.scheme.lower() or u.username is not None or u.password is not None:
        return False
    if u.hostname != b.hostname or (u_port or _DEFAULT_PORTS.get(scheme)) != (b_port or _DEFAULT_PORTS.get(scheme)):
        return False
    prefix = b.path.rstrip("/")
    return not prefix or u.path == prefix or u.path.startswith(prefix + "/")
