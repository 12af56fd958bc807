"""Template rendering off the worker's event loop: a step's renders run in a small thread pool, so
a slow template cannot delay heartbeats or other steps, and the step's render budget is a hard
deadline for the step even if the render thread has not noticed it yet."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.sandbox import TIME_BUDGET_SECONDS, RenderBudget

T = TypeVar("T")

RENDER_THREADS = 4
# The render thread checks the deadline itself between operations; this is how much later the
# step stops waiting for a thread stuck in one long (size-bounded) operation.
GRACE_SECONDS = 0.5

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="wayvo-render")
        return _pool


def too_slow(node_label: str) -> TemplateError:
    return TemplateError(f'Node "{node_label}": rendering took longer than {TIME_BUDGET_SECONDS:g} second')


def holds_template(value: Any) -> bool:
    """True when a string inside `value` (a config: dicts and lists at any depth) is a template."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "{{" in item or "{%" in item:
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


async def render_off_loop(budget: RenderBudget, node_label: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` (code that renders templates) in a render thread. The deadline counts from
    when the thread starts it, so waiting behind other steps' renders does not eat the budget.
    When no config among `args` holds a template there is nothing to render: it runs here."""
    if not any(holds_template(arg) for arg in args if isinstance(arg, Mapping)):
        return fn(*args)
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    def call() -> T:
        loop.call_soon_threadsafe(_set, started)
        return fn(*args)

    context = contextvars.copy_context()
    done = loop.run_in_executor(_executor(), context.run, call)
    await asyncio.wait({started, done}, return_when=asyncio.FIRST_COMPLETED)
    remaining = max(budget.seconds - budget.spent, 0.0) + GRACE_SECONDS
    try:
        return await asyncio.wait_for(asyncio.shield(done), remaining)
    except TimeoutError:
        done.add_done_callback(_ignore)  # the thread stops at its next deadline check
        raise too_slow(node_label) from None


def _set(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def _ignore(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log it as never retrieved
