"""Public server-side API (the product document's `@wayvo-ai/core/server`): re-exports only."""

from wayvo_app.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidIntegrationReferencesError,
    NotFoundError,
    ValidationError,
    WorkflowError,
    WorkflowNotFoundError,
)
from wayvo_app.datasources.registry import QueryResult, get_data_source, query_data_source, save_data_source
from wayvo_app.datasources.server_actions import register_action
from wayvo_app.plugins.types import ActionLabel, StepFunction, StepImporter, WorkflowServerPlugin
from wayvo_app.services.decisions import decide_approval
from wayvo_app.services.executions import TriggerWorkflowResult, atrigger_workflow, trigger_workflow
from wayvo_app.services.signals import SignalResult, signal_event

__all__ = [
    "ActionLabel",
    "ConflictError",
    "ForbiddenError",
    "InvalidIntegrationReferencesError",
    "NotFoundError",
    "QueryResult",
    "SignalResult",
    "StepFunction",
    "StepImporter",
    "TriggerWorkflowResult",
    "ValidationError",
    "WorkflowError",
    "WorkflowNotFoundError",
    "WorkflowServerPlugin",
    "atrigger_workflow",
    "decide_approval",
    "get_data_source",
    "query_data_source",
    "register_action",
    "save_data_source",
    "signal_event",
    "trigger_workflow",
]
