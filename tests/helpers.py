"""Test helpers: users, workflow documents, and driving the engine until it is idle."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from wayvo_app.runtime.worker import Worker
from wayvo_app.services import accounts, workflows
from wayvo_app.store import db

_ids = itertools.count(1)


def make_user(name: str = "owner", roles=("admin",), email: str | None = None) -> str:
    with db.session() as s:
        user = accounts.find_user(s, name) or accounts.create_user(s, name, "password1", roles=list(roles),
                                                                   email=email)
        return user.id


def session_headers(user_name: str) -> dict:
    """The Authorization header of a new login session of the user."""
    from wayvo_app.settings import get_settings

    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def node(node_id: str, label: str, action_type: str | None = None, **config: Any) -> dict:
    if action_type is None:
        return {"id": node_id, "type": "trigger", "position": {"x": 0, "y": 0},
                "data": {"label": label, "type": "trigger", "config": {"triggerType": "Manual", **config}}}
    enabled = config.pop("_enabled", True)
    return {"id": node_id, "type": "action", "position": {"x": 0, "y": 100 * next(_ids)},
            "data": {"label": label, "type": "action", "enabled": enabled,
                     "config": {"actionType": action_type, **config}}}


def edge(source: str, target: str, handle: str | None = None) -> dict:
    e = {"id": f"e-{source}-{target}-{handle or 'd'}", "source": source, "target": target}
    if handle:
        e["sourceHandle"] = handle
    return e


def document(nodes: list[dict], edges: list[dict], name: str = "Test workflow") -> dict:
    return {"name": name, "nodes": nodes, "edges": edges}


def chain(*action_types: str, name: str = "Chain") -> dict:
    nodes = [node("t", "Trigger")] + [node(f"n{i}", f"Step {i}", a) for i, a in enumerate(action_types, 1)]
    edges = [edge(nodes[i]["id"], nodes[i + 1]["id"]) for i in range(len(nodes) - 1)]
    return document(nodes, edges, name)


def create_workflow(owner_id: str, doc: dict, publish: bool = False) -> str:
    with db.session() as s:
        wf = workflows.create_workflow(s, owner_id, doc, pick_free_name=True)  # names are unique per workspace
        if publish:
            workflows.publish_workflow(s, wf.id, owner_id)
        return wf.id


def drain(url: str | None = None, registry=None, clock=None, timeout: float = 30.0, **kwargs) -> Worker:
    kwargs.setdefault("use_scheduler", False)
    if clock is not None:
        kwargs["clock"] = clock
    worker = Worker(url=url, registry=registry, **kwargs)
    asyncio.run(worker.drain(timeout=timeout))
    return worker


async def adrain(url: str | None = None, registry=None, timeout: float = 30.0, **kwargs) -> Worker:
    kwargs.setdefault("use_scheduler", False)
    worker = Worker(url=url, registry=registry, **kwargs)
    await worker.drain(timeout=timeout)
    return worker
