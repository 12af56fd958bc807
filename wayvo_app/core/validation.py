"""Save-time checks of a workflow graph against the node registry. Every problem is reported,
each naming its node by label and id (`Node "Send SMS" (a3): ...`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from wayvo_app.core.errors import Problem
from wayvo_app.core.limits import get_document_limits, timeout_problem
from wayvo_app.core.retry import policy_from_config, retry_limit_problems
from wayvo_app.core.specs import ConfigField, NodeSpec, Registry, RetryPolicy
from wayvo_app.core.template_refs import TRIGGER_ALIAS, find_references, resolve_node
from wayvo_app.core.templates import max_config_string, syntax_problem, too_long
from wayvo_app.core.times import parse_duration

if TYPE_CHECKING:
    from wayvo_app.core.graph import Edge, Node, WorkflowGraph

TRIGGER_TYPES = ("Manual", "Webhook", "Schedule", "DataSource")
DURATION_KEYS = ("expiresIn", "duration", "webhookTolerance", "webhookTimeout")


def validate(graph: WorkflowGraph, registry: Registry) -> list[Problem]:
    """Every problem of the graph; an empty list means it can be saved and run."""
    too_big = _document_size_problem(graph)
    if too_big is not None:  # checking the rest would cost what the limit is there to prevent
        return [too_big]
    problems = [*_structure_problems(graph), *_edge_problems(graph, registry)]
    labels: dict[str, str] = {}
    for node in graph.nodes:
        labels.setdefault(node.label, node.id)
    for node in graph.nodes:
        problems.extend(_node_problems(node, graph, registry, labels))
    return list(dict.fromkeys(problems))


def _document_size_problem(graph: WorkflowGraph) -> Problem | None:
    limit = get_document_limits().max_document_bytes
    try:
        size = len(json.dumps(graph.to_document(), ensure_ascii=False, default=str).encode())
    except (RecursionError, ValueError):  # a config nested deeper than JSON can be written
        return Problem("Workflow document is nested too deeply to be stored")
    if size <= limit:
        return None
    return Problem(f"Workflow document is {size} bytes; the limit is {limit} bytes (WAYVO_MAX_DOCUMENT_BYTES)")


def _problem(node: Node, text: str, field: str | None = None) -> Problem:
    return Problem(f'Node "{node.label}" ({node.id}): {text}', node.id, field)


def _quoted(values: Any) -> str:
    return ", ".join(json.dumps(value) for value in values)


def _structure_problems(graph: WorkflowGraph) -> Iterator[Problem]:
    triggers = [node for node in graph.nodes if node.is_trigger]
    if len(triggers) != 1:
        yield Problem(f"Workflow must have exactly one trigger node, found {len(triggers)}")
    ids: set[str] = set()
    labels: dict[str, Node] = {}
    for node in graph.nodes:
        if node.id in ids:
            yield Problem(f'Node id "{node.id}" is used by more than one node', node.id)
        ids.add(node.id)
        if not node.label.strip():
            yield Problem(f"Node {node.id} has an empty label", node.id, "label")
        elif node.label in labels:
            yield _problem(node, f"label is also used by node {labels[node.label].id}", "label")
        elif node.label == TRIGGER_ALIAS and not node.is_trigger:
            yield _problem(node, f'the label "{TRIGGER_ALIAS}" is reserved for the trigger node', "label")
        labels.setdefault(node.label, node)
    cycle = graph.find_cycle()
    if cycle:
        path = " -> ".join(f'"{graph.node(node_id).label}" ({node_id})' for node_id in cycle)
        yield Problem(f"Workflow has a cycle: {path}", cycle[0])


def _edge_problems(graph: WorkflowGraph, registry: Registry) -> Iterator[Problem]:
    ids = {node.id for node in graph.nodes}
    for edge in graph.edges:
        for end, node_id in (("source", edge.source), ("target", edge.target)):
            if node_id not in ids:
                yield Problem(f'Edge "{edge.id}": {end} "{node_id}" is not a node of this workflow')
        if edge.target in ids and graph.node(edge.target).is_trigger:
            trigger = graph.node(edge.target)
            yield _problem(trigger, f'the trigger cannot have incoming edges (edge "{edge.id}")')
        if edge.source_handle is not None and edge.source in ids:
            yield from _handle_problems(edge, graph.node(edge.source), registry)


def _handle_problems(edge: Edge, source: Node, registry: Registry) -> Iterator[Problem]:
    """A branch handle must be one the source node's spec offers, or "error"."""
    spec = registry.get(source.action_type)
    if spec is None and not source.is_trigger:
        return  # reported as an unknown action type
    allowed = (*spec.handles, "error") if spec else ("error",)
    if edge.source_handle not in allowed:
        text = (
            f'edge "{edge.id}" leaves by handle "{edge.source_handle}"; allowed handles: {_quoted(allowed)}'
        )
        yield _problem(source, text, "sourceHandle")


def _node_problems(
    node: Node, graph: WorkflowGraph, registry: Registry, labels: Mapping[str, str]
) -> Iterator[Problem]:
    spec = registry.get(node.action_type)
    limit = max_config_string()
    too_long_texts = [(key, text) for key, text in _strings(node.config) if len(text) > limit]
    for key, text in too_long_texts:  # nothing else is read from such a node: each check scans
        yield _problem(node, f"{_field_name(spec, key)}: {too_long(text)}", key)
    if too_long_texts:
        return
    if node.is_trigger:
        yield from _trigger_problems(node)
    elif not node.action_type:
        yield _problem(node, "no action type is set", "actionType")
    elif spec is None:
        yield _problem(node, f'Unknown action type "{node.action_type}"', "actionType")
    if spec is not None:
        yield from _field_problems(node, spec)
        for message in spec.validate(node.config) if spec.validate else ():
            yield _problem(node, message)
    yield from _duration_problems(node, spec)
    yield from _retry_problems(node, spec)
    yield from _timeout_problems(node, spec)
    yield from _template_problems(node, spec, graph, labels)


def _trigger_problems(node: Node) -> Iterator[Problem]:
    trigger_type = node.config.get("triggerType") or "Manual"
    if trigger_type not in TRIGGER_TYPES:
        yield _problem(
            node, f'trigger type "{trigger_type}" is not one of {_quoted(TRIGGER_TYPES)}', "triggerType"
        )
        return
    if trigger_type != "Schedule":
        return
    cron = node.config.get("scheduleCron")
    if _is_empty(cron):
        yield _problem(node, "a Schedule trigger needs a cron expression (scheduleCron)", "scheduleCron")
    elif not isinstance(cron, str) or not croniter.is_valid(cron):
        yield _problem(node, f'cron expression "{cron}" (scheduleCron) is not valid', "scheduleCron")
    zone = node.config.get("scheduleTimezone")
    if not _is_empty(zone) and not _is_time_zone(zone):
        yield _problem(
            node, f'time zone "{zone}" (scheduleTimezone) is not a known time zone', "scheduleTimezone"
        )


def _is_time_zone(name: Any) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _field_name(spec: NodeSpec | None, key: str) -> str:
    config_field = spec.field(key) if spec else None
    return f'field "{config_field.label}" ({key})' if config_field else f'field "{key}"'


def _field_problems(node: Node, spec: NodeSpec) -> Iterator[Problem]:
    for config_field in spec.config_fields:
        if not config_field.visible(node.config):
            continue
        value = node.config.get(config_field.key)
        name = _field_name(spec, config_field.key)
        if _is_empty(value):
            if config_field.required:
                yield _problem(node, f"required {name} is empty", config_field.key)
            continue
        message = _value_problem(config_field, value)
        if message:
            yield _problem(node, f"{name} {message}", config_field.key)


def _value_problem(config_field: ConfigField, value: Any) -> str | None:
    if config_field.type == "select":
        allowed = [option.value for option in config_field.options]
        if isinstance(value, bool):  # JSON booleans stand for "true"/"false" options
            value = "true" if value else "false"
        if allowed and value not in allowed:
            return f"must be one of {_quoted(allowed)}, found {json.dumps(value)}"
    elif config_field.type == "number" and not _is_template(value):
        return _number_problem(config_field, value)
    elif config_field.type == "multi-select" and not isinstance(_json(value), list):
        return "must be a JSON array"
    elif config_field.type in ("schema-builder", "match-builder") and not isinstance(_json(value), dict):
        return "must be a JSON object"
    return None


def _number_problem(config_field: ConfigField, value: Any) -> str | None:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or number != number:  # NaN is not a number either
        return f"must be a number, found {json.dumps(value)}"
    if config_field.min is not None and number < config_field.min:
        return f"must be at least {config_field.min:g}, found {number:g}"
    return None


def _json(value: Any) -> Any:
    """A JSON field's value: as stored, or parsed when stored as JSON text."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        return None


def _duration_problems(node: Node, spec: NodeSpec | None) -> Iterator[Problem]:
    for key in DURATION_KEYS:
        value = node.config.get(key)
        config_field = spec.field(key) if spec else None
        if (
            _is_empty(value)
            or _is_template(value)
            or (config_field and not config_field.visible(node.config))
        ):
            continue
        try:
            parse_duration(value if isinstance(value, str) else str(value))
        except ValueError as exc:
            yield _problem(node, f"{_field_name(spec, key)}: {exc}", key)


def _retry_problems(node: Node, spec: NodeSpec | None) -> Iterator[Problem]:
    raw = node.config.get("retry")
    if isinstance(raw, Mapping):  # templated settings are checked when rendered
        raw = {key: value for key, value in raw.items() if not _is_template(value)}
    try:
        policy_from_config(raw, spec.retry if spec else RetryPolicy())
    except ValueError as exc:
        yield _problem(node, str(exc), "retry")
        return
    for message in retry_limit_problems(raw):
        yield _problem(node, message, "retry")


def _timeout_problems(node: Node, spec: NodeSpec | None) -> Iterator[Problem]:
    """A step's `timeout` (the engine's time limit for any node that has one) within its bound."""
    value = node.config.get("timeout")
    try:
        seconds = float(value) if isinstance(value, int | float | str) and not _is_template(value) else None
    except ValueError:
        seconds = None  # not a number: reported as such by the field's own check
    message = timeout_problem(seconds)
    if message:
        yield _problem(node, f"{_field_name(spec, 'timeout')} {message}", "timeout")


def _template_problems(
    node: Node, spec: NodeSpec | None, graph: WorkflowGraph, labels: Mapping[str, str]
) -> Iterator[Problem]:
    """Templates must parse, and refer only to nodes upstream (the trigger is always allowed)."""
    trigger = graph.trigger()
    trigger_id = trigger.id if trigger else None
    upstream = graph.upstream(node.id)
    for key, text in _strings(node.config):
        syntax = syntax_problem(text)
        if syntax:
            yield _problem(node, f"{_field_name(spec, key)}: {syntax}", key)
        field = spec.field(key) if spec else None
        placeholders = field.placeholders if field else ()
        for reference in find_references(text):
            if not reference.path and reference.label in placeholders:
                continue
            target = resolve_node(reference, labels, trigger_id)
            written = f"{{{{{reference.raw}}}}}"
            if target is None:
                yield _problem(node, f'{written} refers to unknown node "{reference.label}"', key)
            elif target != trigger_id and target not in upstream:
                yield _problem(
                    node, f'{written} refers to "{reference.label}", which is not an upstream node', key
                )


def _strings(config: Any) -> Iterator[tuple[str, str]]:
    """Every string in a config, with the top-level key it sits under (a loop, not recursion:
    a config can nest deeper than Python's stack)."""
    pending: list[tuple[str, Any]] = [("", config)]
    while pending:
        key, value = pending.pop()
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, Mapping):
            pending.extend((key or str(name), item) for name, item in reversed(list(value.items())))
        elif isinstance(value, list | tuple):
            pending.extend((key, item) for item in reversed(value))
