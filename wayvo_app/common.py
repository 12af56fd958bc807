"""Public shared types (the product document's `@wayvo-ai/core/common`): re-exports only."""

from typing import Literal

from wayvo_app.core.specs import ConfigField, OutputField, RetryPolicy, SelectOption, ShowWhen
from wayvo_app.datasources.registry import DataSource
from wayvo_app.plugins.types import FormField, IntegrationSpec, PluginAction

ExecutionStatus = Literal["running", "paused", "success", "error", "cancelled"]
NodeStatus = Literal["idle", "running", "paused", "success", "error", "skipped"]

__all__ = [
    "ConfigField",
    "DataSource",
    "ExecutionStatus",
    "FormField",
    "IntegrationSpec",
    "NodeStatus",
    "OutputField",
    "PluginAction",
    "RetryPolicy",
    "SelectOption",
    "ShowWhen",
]
