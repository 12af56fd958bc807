"""Save-time check that no node starts the workflow it belongs to (a Trigger Workflow loop).
Kept beside validation.py because only the caller knows the workflow's own id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wayvo_app.core.errors import Problem
from wayvo_app.core.specs import Registry

if TYPE_CHECKING:
    from wayvo_app.core.graph import WorkflowGraph

WORKFLOW_OPTIONS = "workflows"  # a config field whose options are the user's workflows names one


def self_reference_problems(graph: WorkflowGraph, workflow_id: str | None, registry: Registry) -> list[Problem]:
    """A problem for each field that names `workflow_id` itself; templated ids are checked at run time."""
    if not workflow_id:
        return []
    problems = []
    for node in graph.nodes:
        spec = registry.get(node.action_type)
        for field in spec.config_fields if spec else ():
            value = node.config.get(field.key)
            if field.options_source == WORKFLOW_OPTIONS and isinstance(value, str) and value.strip() == workflow_id:
                problems.append(Problem(f'Node "{node.label}" ({node.id}): a workflow cannot start itself '
                                        f"({field.key})", node.id, field.key))
    return problems
