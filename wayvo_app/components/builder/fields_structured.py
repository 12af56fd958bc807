"""Renderers of the structured editors (see structured.py): approvers picked from a list, name/value
rows for JSON objects, the Condition's field ▸ operator ▸ value row, and a template's preview."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app.components.builder.condition_rows import OPERATORS as CONDITION_OPERATORS
from wayvo_app.components.builder.field_parts import help_text, input_id, label, remove_button
from wayvo_app.components.builder.flow import combobox, ref_picker
from wayvo_app.components.builder.state import BuilderState as S

Options = list[dict[str, str]]


def condition_rows(field: Any) -> rx.Component:
    """field ▸ operator ▸ value: the reference to test (picked from earlier steps), how, and against what."""
    row = field["cond"].to(dict[str, str])
    unary = (row["op"].to(str) == "empty") | (row["op"].to(str) == "filled")
    return rx.vstack(
        rx.hstack(
            rx.input(value=row["field"].to(str), on_change=S.set_cond("field"), placeholder="{{Trigger.amount}}",
                     id="cond-field", flex="1", min_width="0", aria_label="Condition: the field to test"),
            ref_picker(groups=S.ref_groups, target="cond-field", id="ref-cond-field", field_label="the field to test"),
            spacing="1", width="100%", align="center"),
        rx.hstack(
            rx.select.root(rx.select.trigger(aria_label="Condition: operator", id="cond-op", width="45%"),
                           rx.select.content(rx.foreach(CONDITION_OPERATORS,
                                                        lambda o: rx.select.item(o["label"], value=o["value"]))),
                           value=row["op"].to(str), on_change=S.set_cond("op")),
            rx.cond(unary, rx.fragment(),
                    rx.input(value=row["value"].to(str), on_change=S.set_cond("value"), placeholder="100",
                             id="cond-value", flex="1", min_width="0", aria_label="Condition: the value to compare with")),
            spacing="1", width="100%", align="center"),
        rx.text("Code: ", rx.code(field["value"].to(str), size="1", variant="ghost"), size="1", color_scheme="gray"),
        spacing="1", width="100%", id="cond-rows",
    )


def kv_rows(field: Any) -> rx.Component:
    """A JSON object as name/value rows (headers, query, context); a value may hold references."""
    key = field["key"].to(str)

    def row(pair: Any, index: Any) -> rx.Component:
        value_id = "cfg-" + key + "-" + index.to(str)
        name = rx.cond(pair["attribute"].to(str) != "", pair["attribute"].to(str), "row " + (index + 1).to(str))
        return rx.hstack(
            rx.input(value=pair["attribute"].to(str), on_change=S.set_row(key, index, "attribute"), placeholder="Name",
                     width="38%", flex="none", aria_label=field["label"].to(str) + ": name of " + name),
            rx.input(value=pair["value"].to(str), on_change=S.set_row(key, index, "value"), placeholder="Value",
                     id=value_id, flex="1", min_width="0", aria_label=field["label"].to(str) + ": value of " + name),
            ref_picker(groups=S.ref_groups, target=value_id, field_label=name),
            remove_button(field, index),
            spacing="1", width="100%", align="center", class_name="wv-kv-row",
        )

    return rx.vstack(
        rx.foreach(field["pairs"].to(list[dict[str, str]]), row),
        rx.button(rx.icon("plus", size=12), "Add a row", size="1", variant="soft", on_click=S.add_row(key),
                  class_name="wv-add-row", id="add-" + key),
        spacing="1", width="100%", id="kv-" + key,
    )


def preview(field: Any) -> rx.Component:
    """What the template resolves to with the step data of the last run (or tests, or the pinned sample)."""
    key = field["key"].to(str)
    return rx.cond(
        field["preview"].to(str) != "",
        rx.hstack(rx.text("With the last data:", size="1", color_scheme="gray", flex="none"),
                  rx.code(field["preview"].to(str), size="1", variant="ghost", color_scheme="green",
                          style={"wordBreak": "break-all"}),
                  spacing="1", align="baseline", class_name="wv-preview-value", id="preview-" + key),
        rx.cond(field["previewError"].to(str) != "",
                rx.text("No preview: ", field["previewError"].to(str), size="1", color_scheme="gray",
                        class_name="wv-preview-value", id="preview-" + key)))


def people(field: Any) -> rx.Component:
    """Approvers or approver roles: the names as text (templates allowed) and a list to add from."""
    key = field["key"].to(str)
    noun = rx.cond(key == "approverRoles", "role", "user")
    box = rx.input(value=field["value"].to(str), on_change=S.set_text(key), id=input_id(field),
                   placeholder=field["placeholder"].to(str), width="100%")
    picker = combobox(options=field["options"].to(Options), value="", placeholder="Add a " + noun + "…",
                      search_placeholder="Search " + noun + "s…", on_change=S.add_person(key), allow_custom=False,
                      id="pick-" + key, labelled_by="pick-label-" + key)
    return rx.vstack(label(field), box,
                     rx.el.span("Add an approver " + noun + " from the list", id="pick-label-" + key,
                                class_name="wv-sr-only"),
                     picker, help_text(field), spacing="1", width="100%")
