"""A template field's value resolved against the step data (the last run, tests, the pinned sample),
as the builder shows it under the field: what the step would receive."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wayvo_app.components.builder.step_view import plain
from wayvo_app.core.errors import WorkflowError
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.core.templates import evaluate_condition, render

MAX_PREVIEW = 300
_NODE = re.compile(r'^Node "(?:[^"\\]|\\.)*"(?: \([^()]*\))?: ')


def preview(text: Any, graph: WorkflowGraph, node_id: str, outputs: Mapping[str, Any], *,
            condition: bool = False) -> tuple[str, str]:
    """(resolved value, "") or ("", why it cannot be resolved); ("", "") when there is nothing to show."""
    if not isinstance(text, str) or "{{" not in text or not outputs:
        return "", ""
    trigger = graph.trigger()
    scope = TemplateScope(outputs=plain(outputs), labels={n.label: n.id for n in graph.nodes},
                          trigger_id=trigger.id if trigger else "")
    label = graph.node(node_id).label
    try:
        value = evaluate_condition(text, scope, node_label=label) if condition else render(text, scope,
                                                                                            node_label=label)
    except WorkflowError as exc:
        return "", _NODE.sub("", exc.message)
    except Exception as exc:  # noqa: BLE001 - a preview never breaks the panel
        return "", f"{type(exc).__name__}: {exc}"
    shown = value if isinstance(value, str) else json.dumps(plain(value), ensure_ascii=False, default=str)
    return (shown if len(shown) <= MAX_PREVIEW else shown[:MAX_PREVIEW - 1] + "…"), ""
