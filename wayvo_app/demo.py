"""`wayvo demo`: sample users (an owner, two approvers, a manager role) and sample workflows."""

from __future__ import annotations

from wayvo_app.services import accounts
from wayvo_app.store import db

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
    with db.session(url) as s:
        for name, display, email, roles in DEMO_USERS:
            if accounts.find_user(s, name) is None:
                accounts.create_user(s, name, DEMO_PASSWORD, roles=roles, email=email, display_name=display)
                lines.append(f"user {name} created (roles: {', '.join(roles)})")
            else:
                lines.append(f"user {name} exists")
    lines += _load_workflows(url)
    lines.append(f"Sign in as owner / {DEMO_PASSWORD} (alice, bob and maria use the same password).")
    return lines


def _load_workflows(url: str | None) -> list[str]:
    from sqlalchemy import select

    from wayvo_app.demo_workflows import SAMPLES
    from wayvo_app.services import workflows
    from wayvo_app.store.models import Workflow

    lines = []
    with db.session(url) as s:
        owner = accounts.find_user(s, "owner")
        for document in SAMPLES:
            found = s.exec(select(Workflow.id).where(Workflow.owner_id == owner.id,
                                                     Workflow.name == document["name"])).scalar()
            if found:
                lines.append(f'workflow "{document["name"]}" exists ({found})')
                continue
            wf = workflows.create_workflow(s, owner.id, document)
            workflows.publish_workflow(s, wf.id, owner.id, created_by=owner.id)
            lines.append(f'workflow "{document["name"]}" created and published ({wf.id})')
    return lines
