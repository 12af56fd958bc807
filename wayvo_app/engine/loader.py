"""Loads what a claimed step needs to run: its execution, pinned graph, user and upstream outputs."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.graph import WorkflowGraph, parse_document
from wayvo_app.core.template_refs import TemplateScope
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
        labels = {node.label: node.id for node in self.graph.nodes}
        trigger = self.graph.trigger()
        return TemplateScope(outputs=self.outputs, labels=labels, trigger_id=trigger.id if trigger else "")


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
