"""`wayvo demo`: sample users (an owner, two approvers, a manager role) and sample workflows."""

from __future__ import annotations

from wayvo_app.services import accounts, workflow_documents

DEMO_PASSWORD = "wayvo-demo"
DEMO_USERS = [
    ("owner", "Olivia Owner", "owner@example.com", ["admin"]),
    ("alice", "Alice Approver", "alice@example.com", ["approver"]),
    ("bob", "Bob Approver", "bob@example.com", ["approver"]),
    ("maria", "Maria Manager", "maria@example.com", ["manager"]),
]


def load_demo(url: str | None = None) -> list[str]:
    """Create what is missing; running it twice changes nothing. Returns lines to print."""
    lines = []
    created = accounts.add_missing_users(DEMO_USERS, DEMO_PASSWORD, url)
    for (name, _, _, roles), new in zip(DEMO_USERS, created, strict=True):
        lines.append(f"user {name} created (roles: {', '.join(roles)})" if new else f"user {name} exists")
    lines += _load_workflows(url)
    lines.append(f"Sign in as owner / {DEMO_PASSWORD} (alice, bob and maria use the same password).")
    return lines


def _load_workflows(url: str | None) -> list[str]:
    from wayvo_app.services.sample_workflows import SAMPLES

    return workflow_documents.add_missing_samples("owner", SAMPLES, url)
