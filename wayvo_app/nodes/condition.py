"""Condition: evaluates an expression over earlier outputs and takes the "true" or "false" branch."""

from __future__ import annotations

from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField


def run(ctx: Any, config: dict[str, Any]) -> Completed:
    expression = config.get("condition")
    if isinstance(expression, bool):
        result = expression
    elif isinstance(expression, str) and expression.strip():
        result = ctx.evaluate(expression)
    else:
        raise StepError("Condition needs an expression, e.g. {{Trigger.amount}} > 100", retryable=False)
    ctx.resolved_input = {"condition": expression, "result": result}
    branch = "true" if result else "false"
    return Completed({"result": result}, branch=branch, default_taken=result)


SPEC = NodeSpec(
    action_type="Condition",
    label="Condition",
    description="Continue on the true or the false branch depending on an expression",
    category="Logic",
    icon="git-branch",
    config_fields=(
        ConfigField(
            "condition",
            "Condition",
            type="template-input",
            required=True,
            placeholder="{{Trigger.amount}} > 100",
            description="An expression; edges without a handle are followed when it is true",
        ),
    ),
    output_fields=(OutputField("result", "true or false: the branch taken"),),
    handles=("true", "false"),
    run=run,
)
