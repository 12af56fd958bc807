"""Running a plugin step: render its config, hand it the credentials and context, call it (async,
or sync in a thread), map `{"success": False}` to a failed step, and keep secrets out of messages."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from wayvo_app.core.errors import PluginError, StepError, WorkflowError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import NodeSpec
from wayvo_app.engine.context import SECRET_MASK, StepContext
from wayvo_app.engine.http_guard import make_http_client
from wayvo_app.plugins.types import StepFunction, StepImporter

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, SECRET_MASK)
    return text


def wants_context(function: StepFunction) -> bool:
    """True for `fn(input, ctx)`, False for `fn(input)`."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return True
    return len([p for p in parameters if p.kind in _POSITIONAL]) >= 2


async def call_step(function: StepFunction, step_input: dict[str, Any], ctx: StepContext) -> Any:
    """Await an async step; run a sync one in a thread so it cannot block the worker's loop."""
    args = (step_input, ctx) if wants_context(function) else (step_input,)
    if inspect.iscoroutinefunction(function):
        return await function(*args)
    result = await asyncio.to_thread(function, *args)
    return await result if inspect.isawaitable(result) else result


async def call_with_http(function: StepFunction, step_input: dict[str, Any], ctx: StepContext) -> Any:
    """Call the step with the context's HTTP client, or a guarded one made for this call."""
    if ctx.http is not None:
        return await call_step(function, step_input, ctx)
    from wayvo_app.settings import get_settings

    async with make_http_client(ctx.settings or get_settings()) as client:
        ctx.http = client
        try:
            return await call_step(function, step_input, ctx)
        finally:
            ctx.http = None


def _credentials(ctx: StepContext, spec: NodeSpec, needs_credentials: bool) -> Mapping[str, Any]:
    if ctx.credentials is None and needs_credentials:
        raise StepError(f'"{spec.label}" needs {spec.integration_type} credentials: '
                        "select one of your integrations in the node's settings")
    return ctx.credentials or {}


def _secret_values(credentials: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in credentials.values() if isinstance(v, str | int) and str(v))


def _completed(spec: NodeSpec, result: Any, secrets: tuple[str, ...]) -> Completed:
    if not isinstance(result, Mapping):
        raise StepError(f'"{spec.action_type}" step returned {type(result).__name__}; expected a dict')
    if result.get("success") is False:
        raise StepError(mask(str(result.get("error") or f"{spec.label} failed"), secrets))
    return Completed(dict(result))


def _load(importer: StepImporter, plugin_name: str) -> StepFunction:
    try:
        return importer.load()
    except PluginError as exc:
        raise StepError(f'Workflow plugin "{plugin_name}": step function of "{importer.action_id}" '
                        f"cannot be found: {exc.message}")


def make_run(spec: NodeSpec, importer: StepImporter, plugin_name: str,
             needs_credentials: bool) -> Callable[..., Any]:
    """The `run(ctx, config)` of a plugin action's NodeSpec."""

    async def run(ctx: StepContext, config: Mapping[str, Any]) -> Completed:
        step_input = await ctx.off_loop(ctx.render_config, {k: v for k, v in config.items() if k != "actionType"},
                                        spec)
        credentials = _credentials(ctx, spec, needs_credentials)
        secrets = _secret_values(credentials)
        ctx.logger.secrets = (*ctx.logger.secrets, *secrets)
        function = _load(importer, plugin_name)
        try:
            result = await call_with_http(function, dict(step_input), ctx)
        except StepError as exc:
            raise StepError(mask(exc.message, secrets), retryable=exc.retryable,
                            retry_after=exc.retry_after)
        except WorkflowError as exc:
            raise StepError(mask(exc.message, secrets))
        except Exception as exc:  # noqa: BLE001 - a raising step is retried by its policy
            raise StepError(mask(f"{spec.label} failed: {type(exc).__name__}: {exc}", secrets),
                            retryable=True)
        return _completed(spec, result, secrets)

    return run
