"""The builder state's part for a Webhook trigger's secret URL: loaded once per workflow, rotated,
and its signing secret set, generated (shown once) or removed. The secret is never read back."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import webhooks


class WebhookMixin(rx.State, mixin=True):
    hook: dict[str, Any] = {"url": "", "hasSecret": False, "error": ""}  # error: why there is no URL
    hook_new_secret: str = ""  # a generated secret, shown until the panel changes
    _hook_for: str = ""

    def _load_hook(self) -> str:
        """The secret URL of the open workflow (made on first use); "" when the user may not edit it."""
        if self._hook_for != self.wf_id:
            self._hook_for, self.hook_new_secret = self.wf_id, ""
            try:
                self.hook = {"error": "", **webhooks.hook_info(self.wf_id, self.user_id)}
            except WorkflowError as exc:
                self.hook = {"url": "", "hasSecret": False, "error": exc.message}
        return str(self.hook.get("url") or "")

    async def _hook_call(self, call, *args, done: str):
        try:
            self.hook = {"error": "", **await asyncio.to_thread(call, self.wf_id, self.user_id, *args)}
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self._refresh_panel()
        return rx.toast.success(done)

    @rx.event
    async def rotate_hook(self):
        self.hook_new_secret = ""
        return await self._hook_call(webhooks.rotate_token, done="New URL: the old one stopped working")

    @rx.event
    async def save_hook_secret(self, form: dict[str, Any]):
        self.hook_new_secret = ""
        secret = str(form.get("secret") or "")
        if not secret.strip():
            return rx.toast.error("Enter the signing secret your sender uses, or generate one")
        return await self._hook_call(webhooks.set_signing_secret, secret, done="Signing secret saved")

    @rx.event
    async def remove_hook_secret(self):
        self.hook_new_secret = ""
        return await self._hook_call(webhooks.set_signing_secret, "", done="Signing secret removed")

    @rx.event
    async def generate_hook_secret(self):
        try:
            secret = await asyncio.to_thread(webhooks.generate_signing_secret, self.wf_id, self.user_id)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self.hook = {**self.hook, "hasSecret": True}
        self.hook_new_secret = secret
        return rx.toast.success("Signing secret generated: copy it now, it is shown once")
