"""The pending-approvals count shown beside "Approvals" in the navigation, refreshed every few seconds."""

from __future__ import annotations

import asyncio

import reflex as rx

from wayvo_app.services import inbox as inbox_queries
from wayvo_app.state import AuthState

REFRESH_MS = 5000


def _count(user_id: str) -> int:
    return inbox_queries.pending_count(user_id)


class PendingBadgeState(AuthState):
    pending: int = 0

    @rx.event
    async def refresh(self, _tick: str = ""):
        if not self.user_id:
            return
        try:
            self.pending = await asyncio.to_thread(_count, self.user_id)
        except Exception:  # noqa: BLE001 - a failed refresh keeps the last count; the next tick retries
            return


def pending_badge() -> rx.Component:
    """The count badge; its timer (a client-side moment) stops with the page, so no server loop leaks."""
    return rx.cond(
        AuthState.user_id != "",
        rx.fragment(
            rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=PendingBadgeState.refresh,
                      display="none"),
            rx.cond(PendingBadgeState.pending > 0,
                    rx.badge(PendingBadgeState.pending, color_scheme="red", variant="solid", radius="full",
                             size="1", id="nav-pending-count",
                             aria_label=PendingBadgeState.pending.to_string() + " pending approvals")),
        ),
    )
