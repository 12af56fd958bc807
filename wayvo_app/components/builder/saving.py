"""Saving the builder's draft: debounced autosave (one save at a time, again when edits came in
meanwhile), saving at once before publish or run, publishing a version and restoring one."""

from __future__ import annotations

import asyncio
import time
import uuid

import reflex as rx

from wayvo_app.core.errors import DocumentValidationError, WorkflowError
from wayvo_app.services import builder as builder_session
from wayvo_app.services.workflows import StaleDraftError

AUTOSAVE_DELAY = 0.8  # seconds of quiet before the draft is saved


class SavingMixin(rx.State, mixin=True):
    save_state: str = "saved"  # saved | pending | saving | error | stale
    save_error: str = ""
    stale_draft: bool = False  # another tab saved meanwhile: the dialog offers reload or overwrite
    _revision: int = 0  # the draft revision this tab last loaded or saved (stale-draft check)
    _edit_seq: int = 0
    _saved_seq: int = 0
    _last_edit: float = 0.0
    _saver: bool = False
    _saver_token: str = ""

    @rx.event(background=True)
    async def autosave(self):
        """Debounced: saves when edits pause; one loop per tab at a time (its token), saving again
        if edits came in meanwhile; a loop whose tab opened another workflow stops."""
        async with self:
            if self._saver:
                return
            token = uuid.uuid4().hex
            self._saver, self._saver_token = True, token
        while True:
            await asyncio.sleep(AUTOSAVE_DELAY / 2)
            async with self:
                if self._saver_token != token:
                    return
                if time.time() - self._last_edit < AUTOSAVE_DELAY:
                    continue
                if self._edit_seq == self._saved_seq:
                    self._saver = False
                    return
                seq, doc, wf_id, user_id = self._edit_seq, self._doc, self.wf_id, self.user_id
                revision = self._revision
                self.save_state = "saving"
            try:
                saved = await asyncio.to_thread(builder_session.save_draft, wf_id, user_id, doc, revision)
            except Exception as exc:  # noqa: BLE001 - shown next to the save state; the edits stay
                async with self:
                    if self._saver_token == token:
                        stale = isinstance(exc, StaleDraftError)
                        self.save_state, self.stale_draft = ("stale" if stale else "error"), stale
                        self.save_error = getattr(exc, "message", str(exc))
                        self._saver = False
                return
            async with self:
                if self._saver_token != token or self.wf_id != wf_id:
                    return
                self._saved_seq, self.save_error = seq, ""
                self._apply_status(saved)
                self.problems = saved["problems"]
                self._refresh()
                if self._edit_seq == seq:
                    self.save_state = "saved"

    async def _save_now(self, *, force: bool = False) -> None:
        if self._edit_seq != self._saved_seq or force:
            expected = None if force else self._revision
            try:
                saved = await asyncio.to_thread(builder_session.save_draft, self.wf_id, self.user_id,
                                                self._doc, expected)
            except StaleDraftError as exc:
                self.save_state, self.save_error, self.stale_draft = "stale", exc.message, True
                raise
            self._saved_seq, self.save_state = self._edit_seq, "saved"
            self._apply_status(saved)
            self.problems = saved["problems"]
            self._refresh()

    @rx.event
    async def overwrite_draft(self):
        """The stale-draft choice that keeps this tab's edits: save them over the newer draft."""
        try:
            await self._save_now(force=True)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self.save_error, self.stale_draft = "", False
        return rx.toast.success("Your version of the draft was saved")

    @rx.event
    async def publish(self):
        try:
            await self._save_now()
            published = await asyncio.to_thread(builder_session.publish, self.wf_id, self.user_id)
        except DocumentValidationError as exc:
            self.problems, self.side_tab = builder_session.blocking_problems(exc), "problems"
            self._refresh()
            return rx.toast.error(f"Fix {len(self.problems)} problem(s) before publishing")
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self._apply_status(published)
        self.versions = published["versions"]
        return rx.toast.success(f"Published version {published['version']}")

    @rx.event
    async def restore(self, version: int):
        try:
            await self._save_now()
            restored = await asyncio.to_thread(builder_session.restore, self.wf_id, self.user_id, int(version))
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self._history().record(self._doc)
        self._doc = restored["document"]
        self._apply_status(restored)
        self._edit_seq += 1
        self._saved_seq = self._edit_seq
        self.problems = builder_session.problems_of(self._doc, self.wf_id)
        self._refresh()
        return rx.toast.success(f"Draft restored from version {version}")
