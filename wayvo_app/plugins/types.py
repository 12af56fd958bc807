"""Plugin types, the Python form of the product document's WorkflowServerPlugin / WorkflowClientPlugin.
A server plugin maps action ids to step functions; a client plugin describes the integration."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from wayvo_app.core.errors import PluginError
from wayvo_app.core.specs import ConfigField, OutputField, RetryPolicy

StepFunction = Callable[..., dict[str, Any] | Awaitable[dict[str, Any]]]
"""`fn(input)` or `fn(input, ctx)`, sync or async, returning a JSON-able dict."""

FORM_FIELD_TYPES = ("text", "password", "url")


def import_object(path: str) -> Any:
    """The object named by `"package.module:attribute"`; PluginError when it cannot be found."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise PluginError(f'Import path "{path}" must look like "package.module:name"')
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f'Cannot import module "{module_name}" of "{path}": {exc}')
    found: Any = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise PluginError(f'Module "{module_name}" has no attribute "{attribute}" (from "{path}")')
        found = getattr(found, part)
    return found


@dataclass(frozen=True)
class StepImporter:
    """The step function of one action: the function itself, or a lazy `"pkg.module:function"`
    path imported on first use and then cached (the product document's code splitting)."""

    action_id: str
    step_function: StepFunction | None = None
    import_path: str | None = None
    _loaded: list[StepFunction] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.step_function is None) == (self.import_path is None):
            raise PluginError(f'Step importer of "{self.action_id}" needs exactly one of '
                              "step_function or import_path")

    def load(self) -> StepFunction:
        if self.step_function is not None:
            return self.step_function
        if not self._loaded:
            function = import_object(self.import_path or "")
            if not callable(function):
                raise PluginError(f'"{self.import_path}" is not a function')
            self._loaded.append(function)
        return self._loaded[0]


@dataclass(frozen=True)
class ActionLabel:
    action_id: str
    label: str


@dataclass(frozen=True)
class WorkflowServerPlugin:
    """Step functions and labels for execution. `name` (optional) names it in errors; plugins
    loaded from settings are named by their import path."""

    step_importers: tuple[StepImporter, ...] | list[StepImporter] = ()
    action_labels: tuple[ActionLabel, ...] | list[ActionLabel] = ()
    name: str = ""


@dataclass(frozen=True)
class FormField:
    """One credential field of an integration (stored encrypted under `config_key`)."""

    id: str
    label: str
    type: str = "text"
    placeholder: str = ""
    config_key: str = ""
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in FORM_FIELD_TYPES:
            raise PluginError(f'Form field "{self.id}" has type "{self.type}"; expected one of '
                              + ", ".join(f'"{t}"' for t in FORM_FIELD_TYPES))

    @property
    def key(self) -> str:
        return self.config_key or self.id


@dataclass(frozen=True)
class PluginAction:
    """One action of an integration; its id is `"{integration type}/{slug}"`."""

    slug: str
    label: str
    description: str = ""
    category: str = ""
    step_function: str = ""
    step_import_path: str = ""
    config_fields: tuple[ConfigField, ...] = ()
    output_fields: tuple[OutputField, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class IntegrationSpec:
    """The integration of a client plugin: identity, credential form and actions."""

    type: str
    label: str
    description: str = ""
    icon: str = "plug"
    form_fields: tuple[FormField, ...] = ()
    actions: tuple[PluginAction, ...] = ()

    def action_id(self, action: PluginAction) -> str:
        return f"{self.type}/{action.slug}"


@dataclass(frozen=True)
class WorkflowClientPlugin:
    """The integration definition the builder renders (palette, config forms, credentials).
    `name` (optional) names it in errors; plugins loaded from settings are named by their path."""

    integration: IntegrationSpec
    name: str = ""
