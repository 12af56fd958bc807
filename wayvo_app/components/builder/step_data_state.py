"""The builder's step data: the selected step's input, output and error from the newest run (or a
test of the step, or the trigger's pinned sample), "Test this step", pinning the trigger's sample
input, and the Schedule trigger's last failed fire."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.builder.step_view import step_view
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import schedule_status, step_data


class StepDataMixin(rx.State, mixin=True):
    step: dict[str, Any] = {}  # the selected node's data, as the Data section shows it
    step_testing: bool = False
    step_test_error: str = ""
    pin_text: str = ""
    pin_error: str = ""
    schedule_failure: dict[str, str] = {}
    _step_data: dict[str, Any] = {}

    def _set_step_data(self, data: dict[str, Any]) -> None:
        self._step_data = data
        self._last_outputs = step_data.outputs_of(data)
        self._last_sources = {node_id: entry["source"] for node_id, entry in data.get("steps", {}).items()}

    def _refresh_step_view(self, node: dict[str, Any] | None, is_trigger: bool) -> None:
        if node is None:
            self.step = {}
            return
        entry = (self._step_data.get("steps") or {}).get(node["id"])
        view = {**step_view(entry, is_trigger=is_trigger), "nodeId": node["id"]}
        if view["executionId"]:
            view["href"] = routes.execution(view["executionId"])
        if node["id"] != self.step.get("nodeId"):  # another step: its own pin text, no old messages
            self.step_test_error, self.pin_error, self.pin_text = "", "", view["pinText"]
        if view != self.step:
            self.step = view

    async def _reload_step_data(self) -> None:
        try:
            data = await asyncio.to_thread(step_data.step_data, self.wf_id, self.user_id)
        except WorkflowError:
            return
        self._set_step_data(data)

    async def _load_schedule_failure(self) -> None:
        try:
            self.schedule_failure = await asyncio.to_thread(schedule_status.last_fire_failure, self.wf_id,
                                                            self.user_id)
        except WorkflowError:
            self.schedule_failure = {}

    @rx.event(background=True)
    async def test_selected_step(self):
        """Runs the selected step alone with the upstream outputs of the last run (or the pinned
        sample) and shows what it did; in the background, so the tab stays usable meanwhile."""
        async with self:
            node_id, wf_id, user_id = self.selected_id, self.wf_id, self.user_id
            if not node_id or self.step_testing:
                return
            self.step_testing, self.step_test_error = True, ""
            try:
                await self._save_now()
            except WorkflowError as exc:
                self.step_testing, self.step_test_error = False, exc.message
                return
        data, error = None, ""
        try:
            data = await asyncio.to_thread(step_data.test_step, wf_id, user_id, node_id)
        except WorkflowError as exc:
            error = exc.message
        except Exception as exc:  # noqa: BLE001 - said next to the button; the builder keeps working
            error = f"The test could not run: {type(exc).__name__}: {exc}"
        async with self:
            self.step_testing, self.step_test_error = False, error
            if data is not None and self.wf_id == wf_id:
                self._set_step_data(data)
                self._refresh()

    @rx.event
    def set_pin_text(self, text: str):
        self.pin_text = text

    @rx.event
    async def pin_sample(self):
        """Pins the trigger's sample input (a JSON object) for tests and the reference picker."""
        try:
            value = json.loads(self.pin_text) if self.pin_text.strip() else None
        except json.JSONDecodeError as exc:
            self.pin_error = f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            return
        await self._save_pin(value)

    @rx.event
    async def unpin_sample(self):
        self.pin_text = ""
        await self._save_pin(None)

    async def _save_pin(self, value: Any) -> None:
        try:
            data = await asyncio.to_thread(step_data.pin_sample, self.wf_id, self.user_id, self.selected_id, value)
        except WorkflowError as exc:
            self.pin_error = exc.message
            return
        self.pin_error = ""
        self._set_step_data(data)
        self._refresh()
