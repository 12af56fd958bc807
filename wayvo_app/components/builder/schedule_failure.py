"""The Schedule trigger's last fire that could not start (a failed execution saying why), with a
link to that execution; shown in the trigger's panel beside the next fire times."""

from __future__ import annotations

import reflex as rx

from wayvo_app.components.builder.state import BuilderState as S

F = S.schedule_failure


def schedule_failure() -> rx.Component:
    return rx.cond(
        F["executionId"].to(str) != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("calendar-x", size=14)),
            rx.vstack(
                rx.text("The last scheduled run could not start (", F["at"].to(str), ")", size="2", weight="medium"),
                rx.text(F["error"].to(str), size="1", style={"wordBreak": "break-word"}),
                rx.link(rx.text("Open that execution", size="1"), href=F["href"].to(str), id="schedule-failure-link"),
                spacing="1",
            ),
            color_scheme="red", size="1", width="100%", id="schedule-failure",
        ),
    )
