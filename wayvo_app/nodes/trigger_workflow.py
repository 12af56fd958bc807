"""Trigger Workflow: starts another workflow as a child execution, optionally waiting for its result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, Transactional, WaitForChild
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField
from wayvo_app.nodes.fields import TRUE_FALSE, flag, maybe_render, render_object


def run(ctx: Any, config: dict[str, Any]) -> Transactional:
    workflow_id = maybe_render(ctx, config.get("workflowId"))
    if not isinstance(workflow_id, str) or not workflow_id.strip():
        raise StepError("Trigger Workflow needs the workflow to start (workflowId)", retryable=False)
    workflow_id = workflow_id.strip()
    child_input = render_object(ctx, config.get("input"), "input")
    wait = flag(config.get("waitForCompletion"), "waitForCompletion")
    ctx.resolved_input = {"workflowId": workflow_id, "input": child_input, "waitForCompletion": wait}
    ids = {"execution_id": ctx.execution_id, "step_id": ctx.step_id, "user_id": ctx.user_id}

    def apply(session: Any) -> Completed | WaitForChild:
        """Runs in the executor's completing transaction: the child exists only if the step commits."""
        from wayvo_app.services.executions import start_child_execution

        child_id = start_child_execution(
            session,
            parent_execution_id=ids["execution_id"],
            parent_step_id=ids["step_id"],
            workflow_id=workflow_id,
            user_id=ids["user_id"],
            input=child_input,
        )
        if wait:
            return WaitForChild(child_id)
        return Completed({"executionId": child_id, "status": "running"})

    return Transactional(apply)


def resume(ctx: Any, config: dict[str, Any], resolution: Mapping[str, Any]) -> Completed:
    """The child finished: its output on success, a step error when it failed or was cancelled."""
    execution_id, status = resolution.get("executionId"), resolution.get("status")
    if status == "success":
        return Completed({"executionId": execution_id, "status": status, "output": resolution.get("output")})
    if status == "cancelled":
        raise StepError(f"Triggered workflow execution {execution_id} was cancelled", retryable=False)
    error = resolution.get("error") or "no error message"
    raise StepError(f"Triggered workflow execution {execution_id} failed: {error}", retryable=False)


SPEC = NodeSpec(
    action_type="Trigger Workflow",
    label="Trigger Workflow",
    description="Start another workflow, optionally waiting until it finishes",
    category="Workflow Control",
    icon="workflow",
    config_fields=(
        ConfigField("workflowId", "Workflow", type="combobox", required=True, options_source="workflows",
                    placeholder="Select a workflow", search_placeholder="Search workflows..."),
        ConfigField("input", "Input", type="template-textarea", rows=5,
                    placeholder='{"orderId": "{{Trigger.orderId}}"}', description="A JSON object"),
        ConfigField("waitForCompletion", "Wait for Completion", type="select", default="false",
                    options=TRUE_FALSE, description="Pause until the started workflow finishes"),
    ),
    output_fields=(
        OutputField("executionId", "The started execution's id"),
        OutputField("status", "running, or success when waited for"),
        OutputField("output", "The started workflow's output (when waited for)"),
    ),
    run=run,
    resume=resume,
    resume_inline=True,
)
