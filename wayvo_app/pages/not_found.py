"""Any unknown URL: says so and offers the way back (the navigation and the main pages)."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import navbar


def not_found_page() -> rx.Component:
    return rx.box(
        navbar(),
        rx.center(
            rx.vstack(
                rx.icon("map-pin-off", size=36, color=rx.color("gray", 9)),
                rx.heading("Page not found", size="6", as_="h1"),
                rx.text("There is no page at this address. It may have moved, or the link is mistyped.",
                        color_scheme="gray"),
                rx.hstack(
                    rx.link(rx.button(rx.icon("workflow", size=14), "Workflows"), href=routes.WORKFLOWS),
                    rx.link(rx.button(rx.icon("history", size=14), "Executions", variant="soft"), href=routes.EXECUTIONS),
                    rx.link(rx.button(rx.icon("inbox", size=14), "Approvals", variant="soft"), href=routes.APPROVALS),
                    spacing="3", wrap="wrap", justify="center",
                ),
                align="center", spacing="3", text_align="center",
            ),
            padding="4rem 1rem", id="not-found",
        ),
        min_height="100vh", background=rx.color("gray", 2),
    )
