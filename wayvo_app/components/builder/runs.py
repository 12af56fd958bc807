"""Runs from the builder: the Run dialog (a JSON input, the last sample remembered in the browser),
starting the draft or the published version, and following the run's node statuses on the canvas.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import reflex as rx

from wayvo_app.components.builder.refs import sample_input
from wayvo_app.core.errors import DocumentValidationError, WorkflowError
from wayvo_app.core.graph import parse_document
from wayvo_app.services import builder as builder_session
from wayvo_app.services import step_data

FOLLOW_FAST_SECONDS = 30.0
FOLLOW_MAX_SECONDS = 600.0


def _parse_input(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"The input is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    if not isinstance(value, dict):
        raise ValueError("The input must be a JSON object, e.g. {\"orderId\": \"A-1\"}")
    return value


class RunMixin(rx.State, mixin=True):
    run_open: bool = False
    run_input: str = ""
    run_error: str = ""
    run_version: str = "draft"  # draft | published
    run_id: str = ""
    run_status: str = ""
    run_message: str = ""
    run_statuses: dict[str, str] = {}
    last_run: dict[str, Any] = {}
    run_samples: str = rx.LocalStorage("{}", name="wayvo_run_samples")

    def _samples(self) -> dict[str, Any]:
        try:
            samples = json.loads(self.run_samples or "{}")
        except json.JSONDecodeError:
            samples = {}
        return samples if isinstance(samples, dict) else {}

    @rx.event
    def open_run(self):
        sample = self._samples().get(self.wf_id)
        if not isinstance(sample, str):
            try:
                sample = json.dumps(sample_input(parse_document(self._doc)), indent=2)
            except DocumentValidationError:
                sample = "{}"
        self.run_input, self.run_error, self.run_open = sample, "", True
        self.run_version = "draft"

    @rx.event
    def run_dialog_changed(self, is_open: bool):
        self.run_open = bool(is_open)

    @rx.event
    def set_run_input(self, text: str):
        self.run_input = text

    @rx.event
    def set_run_version(self, value: str):
        self.run_version = value if value in ("draft", "published") else "draft"

    @rx.event
    async def start_run(self):
        try:
            payload = _parse_input(self.run_input)
        except ValueError as exc:
            self.run_error = str(exc)
            return None
        samples = self._samples()
        samples[self.wf_id] = self.run_input
        self.run_samples = json.dumps(dict(list(samples.items())[-30:]))
        try:
            await self._save_now()
            execution_id = await asyncio.to_thread(builder_session.run, self.wf_id, self.user_id, payload,
                                                   draft=self.run_version == "draft")
        except DocumentValidationError as exc:
            self.problems, self.side_tab = builder_session.blocking_problems(exc), "problems"
            self._refresh()
            self.run_error = f"Fix {len(self.problems)} problem(s) before running: see the Problems tab"
            return None
        except WorkflowError as exc:
            self.run_error = exc.message
            return None
        self.run_open, self.run_error = False, ""
        self.run_id, self.run_status, self.run_message, self.run_statuses = execution_id, "running", "", {}
        self.side_tab = "runs"
        return type(self).follow_run

    @rx.event
    def clear_run(self):
        self.run_id, self.run_status, self.run_statuses = "", "", {}
        self._refresh()

    @rx.event(background=True)
    async def follow_run(self):
        """Polls the run's node statuses onto the canvas until it finishes (or for ten minutes)."""
        async with self:
            execution_id, user_id, wf_id = self.run_id, self.user_id, self.wf_id
        started, seen = time.monotonic(), None
        while execution_id and time.monotonic() - started < FOLLOW_MAX_SECONDS:
            try:
                progress = await asyncio.to_thread(builder_session.progress, execution_id, user_id)
                changed = (progress["nodes"], progress["status"]) != seen
                data = await asyncio.to_thread(step_data.step_data, wf_id, user_id) if changed else None
            except WorkflowError:
                return
            seen = (progress["nodes"], progress["status"])
            async with self:
                if self.run_id != execution_id:
                    return
                if data is not None:
                    self.run_statuses, self.run_status = progress["nodes"], progress["status"]
                    self.run_message = progress["error"]
                    self._set_step_data(data)
                    self.last_run = {"id": execution_id, "status": progress["status"]}
                    self._refresh()
            if progress["finished"]:
                return
            fast = time.monotonic() - started < FOLLOW_FAST_SECONDS
            await asyncio.sleep(0.4 if fast else 2.0)
