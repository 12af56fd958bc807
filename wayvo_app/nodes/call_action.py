"""Call Action: runs a registered server action with JSON arguments; its return value is the output."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

from wayvo_app.core.errors import StepError, TemplateError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import ConfigField, NodeSpec, SelectOption
from wayvo_app.datasources import server_actions
from wayvo_app.nodes.fields import is_empty, maybe_render


def action_options(config: Mapping[str, Any] | None = None) -> list[SelectOption]:
    return [SelectOption(name, name) for name in server_actions.action_names()]


def find_action(name: str, settings: Any) -> Callable[..., Any]:
    action = server_actions.get_action(name)
    if action is None and settings is not None:
        try:
            server_actions.load_actions(getattr(settings, "server_actions", ()) or ())
        except (ImportError, ValueError, TypeError) as exc:
            raise StepError(f"Could not load the configured server actions: {exc}", retryable=False) from exc
        action = server_actions.get_action(name)
    if action is None:
        known = ", ".join(server_actions.action_names()) or "none are registered"
        raise StepError(f'Unknown server action "{name}" (registered actions: {known})', retryable=False)
    return action


def _rendered(ctx: Any, config: dict[str, Any]) -> tuple[str, Any]:
    """The action's name and arguments, rendered (in a render thread)."""
    name = maybe_render(ctx, config.get("action"))
    if is_empty(name) or not isinstance(name, str):
        raise StepError("Call Action needs the name of a server action", retryable=False)
    args = ctx.render_json(config.get("args")) if not is_empty(config.get("args")) else None
    return name.strip(), {} if args is None else args


async def run(ctx: Any, config: dict[str, Any]) -> Completed:
    name, args = await ctx.off_loop(_rendered, ctx, config)
    ctx.resolved_input = {"action": name, "args": args}
    action = find_action(name, ctx.settings)
    result = await _call(action, name, args, ctx)
    return Completed(_json_value(result, name))


async def _call(action: Callable[..., Any], name: str, args: Any, ctx: Any) -> Any:
    call_args = (args, ctx) if _takes_context(action) else (args,)
    try:
        if _is_async(action):
            return await action(*call_args)
        result = await asyncio.to_thread(action, *call_args)
        return await result if inspect.isawaitable(result) else result
    except (StepError, TemplateError):
        raise
    except Exception as exc:  # an action may raise anything; the step fails naming it
        raise StepError(f'Server action "{name}" failed: {type(exc).__name__}: {exc}', retryable=False) from exc


def _is_async(action: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(action) or inspect.iscoroutinefunction(
        getattr(action, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


_takes: dict[Any, bool] = {}


def _takes_context(action: Callable[..., Any]) -> bool:
    """True when the action accepts a second positional argument (the step context); looked up
    once per action (inspect.signature is costly on a step's hot path)."""
    try:
        return _takes[action]
    except (KeyError, TypeError):  # not seen yet, or an unhashable callable
        pass
    found = _signature_takes_context(action)
    try:
        if len(_takes) < 1024:
            _takes[action] = found
    except TypeError:
        pass
    return found


def _signature_takes_context(action: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(action).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def _json_value(result: Any, name: str) -> Any:
    try:
        return json.loads(json.dumps(result, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise StepError(
            f'Server action "{name}" returned a value that is not JSON ({type(result).__name__}): {exc}',
            retryable=False,
        ) from exc


SPEC = NodeSpec(
    action_type="Call Action",
    label="Call Action",
    description="Run one of the application's registered server actions",
    category="Actions",
    icon="square-function",
    config_fields=(
        ConfigField("action", "Action", type="combobox", required=True, get_options=action_options,
                    options_source="serverActions", placeholder="Select a server action",
                    search_placeholder="Search actions..."),
        ConfigField("args", "Arguments", type="template-textarea", rows=5,
                    placeholder='{"orderId": "{{Trigger.orderId}}"}', description="A JSON value passed to the action"),
    ),
    run=run,
)
