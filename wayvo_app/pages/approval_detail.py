"""/workflows/approvals/[approval_id]: one approval request (the link in the emails). Reading it
never decides; Approve / Reject ask for confirmation and decide as the signed-in user."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.approvals import presenters
from wayvo_app.components.approvals.detail import (
    confirm_dialog,
    context_card,
    decide_card,
    decisions_card,
    details_card,
    not_found,
    summary_card,
)
from wayvo_app.components.layout import page_frame
from wayvo_app.core.errors import ConflictError, ForbiddenError, NotFoundError, WorkflowError
from wayvo_app.core.times import utcnow
from wayvo_app.services import inbox as inbox_queries
from wayvo_app.services.decisions import decide_approval
from wayvo_app.state import AuthState

REFRESH_MS = 3000
ROUTE = routes.APPROVAL_ROUTE


def _view(request_id: str, user_id: str) -> dict[str, Any] | None:
    try:
        now = utcnow()
        return presenters.approval_page(inbox_queries.approval_view(request_id, user_id, now), now)
    except NotFoundError:
        return None


class ApprovalState(AuthState):
    request_id: str = ""
    view: dict[str, Any] = {}
    context: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    description: str = ""
    loaded: bool = False
    not_found: bool = False
    comment: str = ""
    confirming: str = ""  # "approved" / "rejected" while the confirmation dialog is open
    message: str = ""
    message_kind: str = ""  # success / conflict / forbidden / error
    busy: bool = False
    then_next: bool = False  # "Approve & next": open the next request waiting for me after deciding

    def _route_id(self) -> str:
        return (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]

    async def _refresh(self) -> None:
        view = await asyncio.to_thread(_view, self.request_id, self.user_id)
        self.loaded = True
        if view is None:
            self.not_found, self.view, self.context, self.decisions, self.description = True, {}, [], [], ""
            return
        self.not_found = False
        if view != self.view:
            self.view, self.context, self.decisions = view, view["context"], view["decisions"]
            self.description = view["description"]

    @rx.event
    async def load(self):
        rid = self._route_id()
        if rid != self.request_id:
            self.request_id, self.view, self.loaded, self.comment = rid, {}, False, ""
        if self._new_visit():
            self.message = self.message_kind = self.confirming = ""
        if self.user_id:
            await self._refresh()

    @rx.event
    async def poll(self, _tick: str = ""):
        # Someone else may decide meanwhile: keep the page true without a reload.
        if self.user_id and self.request_id and not self.busy and not self.confirming:
            await self._refresh()

    @rx.event
    def set_comment(self, value: str):
        self.comment = value

    @rx.event
    def ask(self, decision: str):
        if decision in ("approved", "rejected"):
            self.confirming, self.then_next = decision, False

    @rx.event
    def ask_then_next(self, decision: str):
        if decision in ("approved", "rejected"):
            self.confirming, self.then_next = decision, True

    @rx.event
    def cancel(self):
        self.confirming = ""

    @rx.event
    def dialog_changed(self, is_open: bool):
        if not is_open:
            self.confirming = ""

    @rx.event
    async def confirm(self):
        decision, self.confirming = self.confirming, ""
        if decision not in ("approved", "rejected"):
            return None
        if not self._load_user():
            return rx.redirect(routes.login(routes.approval(self.request_id)))
        self.busy = True
        try:
            body = await asyncio.to_thread(decide_approval, request_id=self.request_id, user_name=self.user_name,
                                           decision=decision, comment=self.comment or None)
        except NotFoundError:
            self.not_found = True
        except ConflictError as exc:
            self.message, self.message_kind = exc.message, "conflict"
        except ForbiddenError as exc:
            self.message, self.message_kind = exc.message, "forbidden"
        except WorkflowError as exc:
            self.message, self.message_kind = exc.message, "error"
        else:
            verb = "approved" if decision == "approved" else "rejected"
            state = "is still pending" if body["status"] == "pending" else f"is now {body['status']}"
            self.message, self.message_kind = f"You {verb} this request. The request {state}.", "success"
            self.comment = ""
            if self.then_next:
                following = await asyncio.to_thread(inbox_queries.next_to_decide, self.user_id, self.request_id)
                return rx.redirect(routes.approval(following) if following else routes.APPROVALS)
        finally:
            self.busy = False
        await self._refresh()
        return None


def approval_detail_page() -> rx.Component:
    s = ApprovalState
    live = rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=s.poll, display="none")
    back = rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Approvals inbox", size="2"), align="center",
                             spacing="1"), href=routes.APPROVALS, color_scheme="gray", id="back-to-inbox")
    # Phone: one column with the decision right after the summary; wider: the decision and the
    # details stay beside the request.
    body = rx.grid(
        rx.box(summary_card(s), grid_area="summary", min_width="0"),
        rx.vstack(decide_card(s), details_card(s), spacing="4", grid_area="side", min_width="0"),
        rx.vstack(context_card(s), decisions_card(s), spacing="4", grid_area="rest", min_width="0"),
        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 1fr) 22rem"),
        grid_template_areas=rx.breakpoints(initial='"summary" "side" "rest"',
                                           md='"summary side" "rest side" ". side"'),
        grid_template_rows=rx.breakpoints(initial="auto", md="auto auto 1fr"),
        gap="1rem", width="100%", align_items="start",
    )
    content = rx.cond(
        ~s.loaded,
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%", id="approval-loading"),
        rx.cond(s.not_found, not_found(), body),
    )
    return page_frame(
        "Approval request",
        rx.cond(s.user_id != "", live),
        rx.box(back, rx.box(content, margin_top="0.75rem"), width="100%", id="approval-page"),
        confirm_dialog(s),
    )
