"""Pieces every config field editor shares: its input's id, its caption as a real <label> (with the
reference picker), help text, reference chips, and a row's remove button."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app.components.builder.flow import ref_picker
from wayvo_app.components.builder.state import BuilderState as S


def input_id(field: Any) -> rx.Var:
    return "cfg-" + field["key"].to(str)


def _chip(chip: Any) -> rx.Component:
    return rx.tooltip(
        rx.badge(rx.icon(rx.cond(chip["ok"], "link-2", "unlink"), size=11), chip["text"].to(str),
                 color_scheme=rx.cond(chip["ok"], "indigo", "red"), variant="soft", size="1",
                 class_name=rx.cond(chip["ok"], "wv-ref-chip", "wv-ref-chip wv-ref-bad")),
        content=chip["title"].to(str),
    )


def chips(field: Any) -> rx.Component:
    return rx.hstack(rx.foreach(field["chips"].to(list[dict[str, Any]]), _chip), spacing="1", wrap="wrap")


def label_id(field: Any) -> rx.Var:
    return "lbl-" + field["key"].to(str)


def label(field: Any, picker: bool = False) -> rx.Component:
    """The field's caption as a real <label> tied to its input (its accessible name)."""
    return rx.hstack(
        rx.el.label(field["label"].to(str), html_for=input_id(field), id=label_id(field),
                    class_name="wv-field-label", style={"fontSize": "var(--font-size-2)", "fontWeight": "500"}),
        rx.cond(field["required"], rx.text("*", color="red", size="2", aria_hidden="true", title="required")),
        rx.spacer(),
        ref_picker(groups=S.ref_groups, target=input_id(field), id="ref-" + field["key"].to(str),
                   field_label=field["label"].to(str)) if picker
        else rx.fragment(),
        align="center", width="100%", spacing="1",
    )


def help_text(field: Any) -> rx.Component:
    return rx.cond(field["description"].to(str) != "",
                   rx.text(field["description"].to(str), size="1", color_scheme="gray"))


def remove_button(field: Any, index: Any) -> rx.Component:
    return rx.icon_button(rx.icon("x", size=13), size="1", variant="ghost", color_scheme="gray",
                          on_click=S.remove_row(field["key"].to(str), index), aria_label="Remove row")
