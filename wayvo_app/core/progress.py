"""Pure planning of what runs next: which edges a finished node takes, which successors are
ready to run, which are skipped, and when an execution is over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wayvo_app.core.graph import Edge, WorkflowGraph

TERMINAL = frozenset({"success", "error", "skipped"})
ACTIVE = frozenset({"pending", "running", "waiting"})
DEFAULT_HANDLE = "default"


@dataclass(frozen=True)
class NodeState:
    """The latest attempt of a node: its status and the handles whose edges it takes."""

    status: str
    handles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    run: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    passthrough: tuple[str, ...] = ()  # disabled nodes: recorded as skipped, their edges taken


def handles_for_success(branch: str | None, default_taken: bool) -> tuple[str, ...]:
    handles = [DEFAULT_HANDLE] if default_taken else []
    if branch:
        handles.append(branch)
    return tuple(handles)


def edge_taken(edge: Edge, state: NodeState) -> bool:
    return (edge.source_handle or DEFAULT_HANDLE) in state.handles


def has_error_edge(graph: WorkflowGraph, node_id: str) -> bool:
    return any(e.source_handle == "error" for e in graph.outgoing(node_id))


def _readiness(graph: WorkflowGraph, node_id: str, states: Mapping[str, NodeState]) -> str | None:
    """"run", "skip", or None while some incoming branch has not arrived yet."""
    any_taken = False
    for edge in graph.incoming(node_id):
        source = states.get(edge.source)
        if source is None or source.status not in TERMINAL:
            return None
        any_taken = any_taken or edge_taken(edge, source)
    return "run" if any_taken else "skip"


def plan_after(graph: WorkflowGraph, states: Mapping[str, NodeState], finished: str) -> Plan:
    """Successors of `finished` that became ready, following skips and disabled nodes."""
    known = dict(states)
    run: list[str] = []
    skip: list[str] = []
    passthrough: list[str] = []
    queue = [finished]
    while queue:
        current = queue.pop(0)
        for edge in graph.outgoing(current):
            target = edge.target
            if target in known:
                continue
            verdict = _readiness(graph, target, known)
            if verdict is None:
                continue
            node = graph.node(target)
            if verdict == "skip":
                known[target] = NodeState("skipped", ())
                skip.append(target)
                queue.append(target)
            elif not node.enabled:
                known[target] = NodeState("skipped", (DEFAULT_HANDLE,))
                passthrough.append(target)
                queue.append(target)
            else:
                known[target] = NodeState("pending")
                run.append(target)
    return Plan(tuple(run), tuple(skip), tuple(passthrough))


def execution_status(states: Mapping[str, NodeState]) -> str:
    """running while work is queued or running, paused while only waits remain, else success."""
    statuses = {s.status for s in states.values()}
    if statuses & {"pending", "running"}:
        return "running"
    if "waiting" in statuses:
        return "paused"
    return "success"
