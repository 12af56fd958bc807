"""Issue 16 item 4: a render running in a render thread is held to the step's budget as a hard
deadline, even when the thread is stuck in one operation and cannot notice the deadline."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.sandbox import RenderBudget
from wayvo_app.engine.off_loop import render_off_loop


def test_a_stuck_render_fails_its_step_at_the_deadline():
    release = threading.Event()

    def stuck(_config) -> str:  # as a long C call would: it never checks the deadline
        release.wait(30)
        return "too late"

    async def scenario():
        try:
            return await render_off_loop(RenderBudget(seconds=0.1), "Slow", stuck, {"x": ["{{Trigger.x}}"]})
        finally:
            release.set()

    with pytest.raises(TemplateError) as caught:
        asyncio.run(scenario())
    assert caught.value.message == 'Node "Slow": rendering took longer than 1 second'


def test_a_render_in_the_thread_returns_its_value_and_raises_its_errors():
    def fails() -> None:
        raise TemplateError('Node "X": template error: boom')

    async def scenario():
        loop_thread = threading.get_ident()
        config = {"a": {"b": "{% if true %}x{% endif %}"}}
        value = await render_off_loop(RenderBudget(), "X", lambda _c: threading.get_ident() != loop_thread, config)
        with pytest.raises(TemplateError, match="boom"):
            await render_off_loop(RenderBudget(), "X", lambda _c: fails(), config)
        plain = await render_off_loop(RenderBudget(), "X", lambda _c: threading.get_ident() != loop_thread,
                                      {"a": ["no template", 3]})
        return value, plain

    # With a template it ran off the loop's thread; with nothing to render it ran on the loop.
    assert asyncio.run(scenario()) == (True, False)
