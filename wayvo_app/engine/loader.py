"""Loads what a claimed step needs to run: its execution, pinned graph, user and upstream outputs."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import StepError
from wayvo_app.core.graph import WorkflowGraph, parse_document
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.store import dialect
from wayvo_app.store import executions as store
from wayvo_app.store import step_batches as bulk
from wayvo_app.store import waits as store_waits
from wayvo_app.store.executions import execution_with_user, success_outputs
from wayvo_app.store.models import Execution, User, WorkflowVersion

_graphs: OrderedDict[str, WorkflowGraph] = OrderedDict()
_MAX_GRAPHS = 512


@dataclass(frozen=True)
class StepWorld:
    execution: Execution
    graph: WorkflowGraph
    user: User
    outputs: dict[str, Any]

    def scope(self) -> TemplateScope:
        labels, trigger_id = _labels(self.graph)
        return TemplateScope(outputs=self.outputs, labels=dict(labels), trigger_id=trigger_id)


_label_cache: dict[int, tuple[WorkflowGraph, dict[str, str], str]] = {}


def _labels(graph: WorkflowGraph) -> tuple[dict[str, str], str]:
    """A graph's labels and trigger id, computed once per graph (graphs are immutable)."""
    hit = _label_cache.get(id(graph))
    if hit is None or hit[0] is not graph:
        trigger = graph.trigger()
        hit = (graph, {node.label: node.id for node in graph.nodes}, trigger.id if trigger else "")
        if len(_label_cache) > _MAX_GRAPHS:
            _label_cache.clear()
        _label_cache[id(graph)] = hit
    return hit[1], hit[2]


def graph_of_version(s: Session, version_id: str) -> WorkflowGraph:
    """Versions are immutable, so their parsed graphs are cached by id."""
    graph = _graphs.get(version_id)
    if graph is None:
        document = s.exec(select(WorkflowVersion.document).where(WorkflowVersion.id == version_id)).scalar_one()
        graph = parse_document(document)
        _graphs[version_id] = graph
        if len(_graphs) > _MAX_GRAPHS:
            _graphs.popitem(last=False)
    else:
        _graphs.move_to_end(version_id)
    return graph


def load_world(s: Session, execution_id: str) -> StepWorld | None:
    row = execution_with_user(s, execution_id)
    if row is None:
        return None
    execution, user = row
    return StepWorld(execution, graph_of_version(s, execution.version_id), user,
                     success_outputs(s, execution_id))


def claim_with_worlds(s: Session, owner: str, now: datetime, limit: int, lease: timedelta) -> list[store.Claimed]:
    """Claim due steps and, in the same transaction, load what they need to run (their worlds)
    and the outcome of a resumed wait that was decided already: the executor then starts them
    without a read transaction of its own. On PostgreSQL one round trip, COMMIT included."""
    if dialect.is_postgres(s):
        return _claim_pg(s, owner, now, limit, lease)
    claimed = store.claim_due(s, owner, now, limit, lease)
    if not claimed:
        return []
    ids = sorted({c.execution_id for c in claimed})
    rows, snaps = store.executions_with_users(s, ids), store.snapshots(s, ids)
    out = []
    for c in claimed:
        row = rows.get(c.execution_id)
        if row is None:
            out.append(c)
            continue
        execution, user = row
        world = StepWorld(execution, graph_of_version(s, execution.version_id), user,
                          dict(snaps[c.execution_id].outputs))
        out.append(dataclasses.replace(c, world=world, resolution=decided_resolution(s, c, now)))
    return out


def _claim_pg(s: Session, owner: str, now: datetime, limit: int, lease: timedelta) -> list[store.Claimed]:
    """The claim is committed when its rows come back: what is missing afterwards (a graph not
    cached, an approval's or a child's outcome: a read) never fails the claim; a step left
    without its world loads it in the executor (which fails it with the reason)."""
    out = []
    for row in bulk.claim_with_worlds(s, owner, now, limit, now + lease):
        claimed = row.claimed
        try:
            if row.execution is not None and row.user is not None:
                world = StepWorld(row.execution, graph_of_version(s, row.execution.version_id), row.user,
                                  row.outputs)
                resolution = (store_waits.received_resolution(row.event) if claimed.wait_kind == "event"
                              else decided_resolution(s, claimed, now))
                claimed = dataclasses.replace(claimed, world=world, resolution=resolution)
        except Exception:  # noqa: BLE001 - committed already: the executor loads it itself
            claimed = row.claimed
        out.append(claimed)
    return out


def decided_resolution(s: Session, claimed: store.Claimed, now: datetime) -> Any:
    """A resumed wait's outcome if it is decided (a read); None when it still has to be settled
    (or is missing: the executor then fails the step with the reason)."""
    try:
        if claimed.wait_kind == "event":
            return store_waits.event_resolution(s, claimed.id, now, expire=False)
        if claimed.wait_kind == "approval":
            return store_waits.approval_resolution(s, claimed.id, now, expire=False)
        if claimed.wait_kind == "child":
            return store_waits.child_resolution(s, claimed.id)
    except StepError:
        return None
    return None
