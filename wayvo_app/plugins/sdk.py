"""What a plugin package imports, in one light module (no web framework): the plugin types, the
spec fields of a node and the step context. See docs/plugins.md."""

from __future__ import annotations

from wayvo_app.core.errors import StepError
from wayvo_app.core.specs import ConfigField, OutputField, RetryPolicy
from wayvo_app.engine.context import StepContext
from wayvo_app.plugins.types import (
    ActionLabel,
    FormField,
    IntegrationSpec,
    PluginAction,
    StepFunction,
    StepImporter,
    WorkflowClientPlugin,
    WorkflowServerPlugin,
)

__all__ = ["ActionLabel", "ConfigField", "FormField", "IntegrationSpec", "OutputField", "PluginAction",
           "RetryPolicy", "StepContext", "StepError", "StepFunction", "StepImporter", "WorkflowClientPlugin",
           "WorkflowServerPlugin"]
