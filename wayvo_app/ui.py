"""The public UI API (contract §1, `@wayvo-ai/core/ui`): the execution viewer, its dialog, the
React Flow provider, and `WorkflowClientPlugin` when the plugins package is installed.
"""

from __future__ import annotations

from typing import Any

from wayvo_app.components.flow import react_flow_provider
from wayvo_app.components.viewer.embed import workflow_execution_viewer, workflow_execution_viewer_dialog

__all__ = ["WorkflowClientPlugin",  # noqa: F822 - resolved lazily by __getattr__
           "react_flow_provider", "workflow_execution_viewer",
           "workflow_execution_viewer_dialog"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the plugin types may be absent in a build without plugins.
    if name == "WorkflowClientPlugin":
        try:
            from wayvo_app.plugins.types import WorkflowClientPlugin
        except ImportError as exc:
            raise AttributeError("WorkflowClientPlugin needs wayvo_app.plugins.types") from exc
        return WorkflowClientPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
