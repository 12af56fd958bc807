"""Node, action and config-field specs, and the one registry that built-ins and plugins share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = (
    "template-input",
    "template-textarea",
    "text",
    "number",
    "select",
    "combobox",
    "schema-builder",
    "single-row-update",
    "match-builder",
    "multi-select",
    "checkbox",
)


@dataclass(frozen=True)
class SelectOption:
    value: str
    label: str


@dataclass(frozen=True)
class ShowWhen:
    """Show a field only when another config field equals a value."""

    field: str
    equals: Any


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: str
    type: str = "template-input"
    required: bool = False
    placeholder: str | None = None
    description: str | None = None
    default: Any = None
    options: tuple[SelectOption, ...] = ()
    options_source: str | None = None
    get_options: Callable[[Mapping[str, Any]], Any] | None = None
    min: float | None = None
    rows: int | None = None
    single_row_mode: str | None = None
    options_dependency_keys: tuple[str, ...] = ()
    show_when: ShowWhen | None = None
    search_placeholder: str | None = None
    # Names written as {{name}} that the node fills itself (e.g. {{title}} in an email subject).
    placeholders: tuple[str, ...] = ()

    def visible(self, config: Mapping[str, Any]) -> bool:
        if self.show_when is None:
            return True
        return config.get(self.show_when.field) == self.show_when.equals


@dataclass(frozen=True)
class OutputField:
    field: str
    description: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how fast a failing step is tried again (delays in seconds)."""

    max_attempts: int = 1
    initial_delay: float = 1.0
    backoff: float = 2.0
    max_delay: float = 300.0


@dataclass(frozen=True)
class NodeSpec:
    """Everything the engine and the builder know about one node type.

    `run(ctx, config)` returns an outcome (see outcomes.py); `resume(ctx, config, resolution)`
    finishes a node that paused (approval, event, sleep). `handles` are the branch handles the
    node offers besides the default edge and `error`. `resume_inline`: `resume` only rearranges
    its resolution (microseconds, no I/O, no template), so the worker calls it on its loop instead
    of in a thread (the built-in pause nodes; a plugin's resume keeps its thread).
    """

    action_type: str
    label: str
    description: str = ""
    category: str = "Actions"
    icon: str = "box"
    kind: str = "action"
    config_fields: tuple[ConfigField, ...] = ()
    output_fields: tuple[OutputField, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    handles: tuple[str, ...] = ()
    run: Callable[..., Any] | None = None
    resume: Callable[..., Any] | None = None
    integration_type: str | None = None
    validate: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    step_label: str = ""  # a plugin's actionLabel: names its steps in logs, timeline and viewer
    resume_inline: bool = False

    def field(self, key: str) -> ConfigField | None:
        return next((f for f in self.config_fields if f.key == key), None)

class Registry:
    """Node types by `actionType` (the trigger is registered under "trigger")."""

    def __init__(self, specs: Iterable[NodeSpec] = ()):
        self._specs: dict[str, NodeSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: NodeSpec) -> None:
        if spec.action_type in self._specs:
            raise ValueError(f"Node type {spec.action_type!r} is registered twice")
        self._specs[spec.action_type] = spec

    def get(self, action_type: str) -> NodeSpec | None:
        return self._specs.get(action_type)

    def __contains__(self, action_type: str) -> bool:
        return action_type in self._specs

    def all(self) -> list[NodeSpec]:
        return list(self._specs.values())

    def categories(self) -> dict[str, list[NodeSpec]]:
        grouped: dict[str, list[NodeSpec]] = {}
        for spec in self._specs.values():
            grouped.setdefault(spec.category, []).append(spec)
        return grouped
