"""Small shared pieces: status badges and JSON/text values that collapse when long and copy on click."""

from __future__ import annotations

import reflex as rx

MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
EXECUTION_STATUS_COLORS = {"running": "blue", "paused": "amber", "success": "green", "error": "red",
                           "cancelled": "gray"}


# <details> blocks: the preview hides when open, the toggle text follows the state.
VALUE_CSS = """
.wv-collapsible > summary { cursor: pointer; list-style-position: outside; margin-left: 1rem; }
.wv-collapsible[open] .wv-preview { display: none; }
.wv-collapsible .wv-toggle::after { content: "show all"; }
.wv-collapsible[open] .wv-toggle::after { content: "collapse"; }
"""


def status_badge(status, color, **props) -> rx.Component:
    return rx.badge(status, color_scheme=color, variant="soft", radius="full", **props)


def execution_status_badge(status: rx.Var) -> rx.Component:
    color = rx.match(status, *EXECUTION_STATUS_COLORS.items(), "gray")
    return rx.badge(rx.cond(status == "running", rx.spinner(size="1"), rx.fragment()), status,
                    color_scheme=color, variant="soft", radius="full")


def copy_button(text, label: str = "Copy") -> rx.Component:
    return rx.tooltip(
        rx.icon_button(rx.icon("copy", size=13), size="1", variant="ghost", color_scheme="gray",
                       aria_label=label, on_click=[rx.set_clipboard(text), rx.toast.info("Copied")]),
        content=label,
    )


def _pre(text, **props) -> rx.Component:
    return rx.el.pre(text, style={"font_family": MONO, "font_size": "12px", "white_space": "pre-wrap",
                                  "word_break": "break-word", "margin": "0", "line_height": "1.45"}, **props)


def code_box(text, **props) -> rx.Component:
    return rx.box(_pre(text), background=rx.color("gray", 2), border=f"1px solid {rx.color('gray', 4)}",
                  border_radius="6px", padding="0.5rem 0.6rem", width="100%", overflow_x="auto", **props)


def value_block(title: str, view, *, empty: str = "none", collapse: bool = True) -> rx.Component:
    """A titled value; long ones start collapsed behind a one-line preview (<details>)."""
    view = view.to(dict)
    head = rx.hstack(rx.text(title, size="1", weight="bold", color_scheme="gray", text_transform="uppercase",
                             letter_spacing="0.04em"),
                     rx.spacer(), rx.cond(view["text"] != "", copy_button(view["text"], f"Copy {title.lower()}")),
                     align="center", width="100%")
    collapsed = rx.el.details(
        rx.el.summary(rx.text(view["preview"], " ", as_="span", size="1", color_scheme="gray",
                              style={"font_family": MONO}, class_name="wv-preview"),
                      rx.text(as_="span", size="1", color=rx.color("accent", 11), class_name="wv-toggle")),
        code_box(view["text"], margin_top="0.35rem", max_height="420px", overflow_y="auto"),
        class_name="wv-collapsible",
    )
    if not collapse:
        collapsed = code_box(view["text"], max_height="420px", overflow_y="auto")
    body = rx.cond(view["text"] == "", rx.text(empty, size="1", color_scheme="gray"),
                   rx.cond(view["long"], collapsed, code_box(view["text"])))
    return rx.vstack(head, body, spacing="1", width="100%")
