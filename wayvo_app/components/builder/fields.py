"""One renderer per config field type of the product document (template-input, template-textarea,
text, number, select, combobox, multi-select, match-builder, single-row-update, schema-builder,
checkbox), bound to the builder state's edit events."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.builder.field_parts import (
    chips,
    help_text,
    input_id,
    label,
    label_id,
    remove_button,
)
from wayvo_app.components.builder.fields_structured import condition_rows, kv_rows, people, preview
from wayvo_app.components.builder.flow import combobox, multi_select, ref_picker
from wayvo_app.components.builder.state import BuilderState as S

Options = list[dict[str, str]]
SCHEMA_TYPES = ["string", "number", "integer", "boolean", "object", "array"]


def _template(field: Any, multiline: bool) -> rx.Component:
    common = {"value": field["value"].to(str), "on_change": S.set_text(field["key"].to(str)), "id": input_id(field),
              "placeholder": field["placeholder"].to(str), "width": "100%"}
    box = rx.text_area(rows=field["rows"].to(str), font_family="var(--code-font-family)", font_size="12px",
                       **common) if multiline else rx.input(**common)
    if not multiline:
        in_rows = field["condMode"].to(bool)
        toggle = rx.cond(field["condAble"].to(bool), rx.button(
            rx.cond(in_rows, "Edit as text", "Build it: field ▸ operator ▸ value"), size="1", variant="ghost",
            on_click=S.toggle_cond, class_name="wv-kv-toggle", id="toggle-condition"))
        return rx.vstack(rx.cond(in_rows, label(field), label(field, picker=True)),
                         rx.cond(in_rows, condition_rows(field), rx.fragment(box, chips(field))),
                         preview(field), toggle, help_text(field), spacing="1", width="100%")
    is_kv = field["kv"].to(bool)
    toggle = rx.cond(field["kvAble"].to(bool), rx.button(
        rx.cond(is_kv, "Edit as JSON", "Edit as name/value rows"), size="1", variant="ghost",
        on_click=S.toggle_raw(field["key"].to(str)), class_name="wv-kv-toggle", id="toggle-" + field["key"].to(str)))
    return rx.vstack(rx.cond(is_kv, label(field), label(field, picker=True)),
                     rx.cond(is_kv, kv_rows(field), rx.fragment(box, chips(field), preview(field))), toggle,
                     help_text(field), spacing="1", width="100%")


def _plain(field: Any, kind: str) -> rx.Component:
    handler = S.set_number if kind == "number" else S.set_text
    extra = {"type": "number", "min": field["min"].to(str)} if kind == "number" else {}
    box = rx.input(value=field["value"].to(str), on_change=handler(field["key"].to(str)), id=input_id(field),
                   placeholder=field["placeholder"].to(str), width="100%", **extra)
    return rx.vstack(label(field), box, help_text(field), spacing="1", width="100%")


def _select(field: Any) -> rx.Component:
    box = rx.select.root(
        rx.select.trigger(placeholder=rx.cond(field["placeholder"].to(str) != "", field["placeholder"].to(str),
                                              "Select…"), width="100%", id=input_id(field)),
        rx.select.content(rx.foreach(field["options"].to(Options),
                                     lambda o: rx.select.item(o["label"], value=o["value"]))),
        value=field["value"].to(str), on_change=S.set_choice(field["key"].to(str)),
    )
    return rx.vstack(label(field), box, help_text(field), spacing="1", width="100%")


def _combobox(field: Any) -> rx.Component:
    box = combobox(options=field["options"].to(Options), value=field["value"].to(str),
                   placeholder=field["placeholder"].to(str), search_placeholder=field["searchPlaceholder"].to(str),
                   on_change=S.set_choice(field["key"].to(str)), allow_custom=True, id=input_id(field),
                   labelled_by=label_id(field))
    integrations = rx.cond(
        field["integrationType"].to(str) != "",
        rx.cond(field["key"].to(str) == "integrationId",
                rx.link(rx.hstack(rx.icon("plus", size=12), rx.text("Add an integration", size="1"), spacing="1"),
                        href=routes.SETTINGS_INTEGRATIONS, id="add-integration")))
    return rx.vstack(label(field), box, integrations, help_text(field), spacing="1", width="100%")


def _multi(field: Any) -> rx.Component:
    box = multi_select(options=field["options"].to(Options), value=field["selected"].to(list[str]),
                       placeholder=field["placeholder"].to(str), search_placeholder=field["searchPlaceholder"].to(str),
                       on_change=S.set_multi(field["key"].to(str)), id=input_id(field),
                       labelled_by=label_id(field))
    return rx.vstack(label(field), box, help_text(field), spacing="1", width="100%")


def _pairs(field: Any, add_text: str) -> rx.Component:
    key = field["key"].to(str)

    def row(pair: Any, index: Any) -> rx.Component:
        value_id = "cfg-" + key + "-" + index.to(str)
        return rx.hstack(
            rx.box(combobox(options=field["options"].to(Options), value=pair["attribute"].to(str),
                            placeholder="Field", search_placeholder="Search fields…", allow_custom=True,
                            on_change=S.set_row(key, index, "attribute"), id="cfg-" + key + "-attr-" + index.to(str),
                            labelled_by=label_id(field)), width="42%", flex="none"),
            rx.input(value=pair["value"].to(str), on_change=S.set_row(key, index, "value"), placeholder="Value",
                     id=value_id, flex="1", min_width="0",
                     aria_label=field["label"].to(str) + ": value of " + rx.cond(pair["attribute"].to(str) != "",
                                                                              pair["attribute"].to(str), "row")),
            ref_picker(groups=S.ref_groups, target=value_id, field_label=pair["attribute"].to(str)),
            remove_button(field, index),
            spacing="1", width="100%", align="center", class_name="wv-pair",
        )

    return rx.vstack(
        rx.foreach(field["pairs"].to(list[dict[str, str]]), row),
        rx.button(rx.icon("plus", size=12), add_text, size="1", variant="soft", on_click=S.add_row(key),
                  class_name="wv-add-row"),
        spacing="1", width="100%",
    )


def _match(field: Any) -> rx.Component:
    return rx.vstack(label(field), _pairs(field, "Add condition"), help_text(field), spacing="1", width="100%")


def _single_row(field: Any) -> rx.Component:
    key = field["key"].to(str)

    def key_input(item: Any) -> rx.Component:
        return rx.hstack(rx.text(item["label"].to(str), size="1", width="42%", weight="medium"),
                         rx.input(value=item["value"].to(str), on_change=S.set_row_key(key, item["name"].to(str)),
                                  placeholder="{{Trigger.id}}", flex="1", aria_label="Key " + item["label"].to(str)),
                         width="100%", align="center", spacing="1")

    keys = field["keys"].to(list[dict[str, str]])
    body = rx.cond(
        (keys.length() == 0) & (field["options"].to(Options).length() == 0),
        rx.text("Select a DataSource first: its key and fields appear here.", size="1", color_scheme="gray"),
        rx.vstack(
            rx.text("Primary key", size="1", color_scheme="gray"),
            rx.foreach(keys, key_input),
            rx.cond(field["mode"].to(str) != "delete",
                    rx.vstack(rx.text(rx.cond(field["mode"].to(str) == "insert", "Fields to set", "Fields to update"),
                                      size="1", color_scheme="gray"),
                              _pairs(field, "Add field"), spacing="1", width="100%")),
            spacing="1", width="100%",
        ),
    )
    return rx.vstack(label(field), body, help_text(field), spacing="1", width="100%")


def _schema(field: Any) -> rx.Component:
    key = field["key"].to(str)

    def row(item: Any, index: Any) -> rx.Component:
        return rx.hstack(
            rx.input(value=item["name"].to(str), on_change=S.set_row(key, index, "name"), placeholder="name",
                     width="34%", aria_label="Field name"),
            rx.select(SCHEMA_TYPES, value=item["type"].to(str), on_change=S.set_row(key, index, "type"),
                      size="2", aria_label="Field type"),
            rx.tooltip(rx.checkbox(checked=item["required"].to(bool), on_change=S.set_row(key, index, "required"),
                                   aria_label="Required"),
                       content="required"),
            rx.input(value=item["description"].to(str), on_change=S.set_row(key, index, "description"),
                     placeholder="description", flex="1", min_width="0", aria_label="Field description"),
            remove_button(field, index),
            spacing="1", width="100%", align="center", class_name="wv-schema-row",
        )

    return rx.vstack(
        label(field),
        rx.foreach(field["schema"].to(list[dict[str, Any]]), row),
        rx.button(rx.icon("plus", size=12), "Add field", size="1", variant="soft", on_click=S.add_row(key),
                  class_name="wv-add-row"),
        help_text(field), spacing="1", width="100%",
    )


def _checkbox(field: Any) -> rx.Component:
    return rx.hstack(rx.switch(checked=field["value"].to(str) == "true", on_change=S.set_flag(field["key"].to(str)),
                               id=input_id(field)),
                     rx.el.label(field["label"].to(str), html_for=input_id(field), style={"fontSize": "var(--font-size-2)"}),
                     align="center", spacing="2")


def config_field(field: Any) -> rx.Component:
    """The editor of one field view, by its type."""
    kind = field["type"].to(str)
    return rx.box(
        rx.match(
            kind,
            ("template-input", _template(field, False)),
            ("template-textarea", _template(field, True)),
            ("number", _plain(field, "number")),
            ("select", _select(field)),
            ("combobox", _combobox(field)),
            ("people", people(field)),
            ("multi-select", _multi(field)),
            ("match-builder", _match(field)),
            ("single-row-update", _single_row(field)),
            ("schema-builder", _schema(field)),
            ("checkbox", _checkbox(field)),
            _plain(field, "text"),
        ),
        rx.cond(field["problem"].to(str) != "",
                rx.hstack(rx.icon("circle-alert", size=12, flex="none", margin_top="3px", aria_hidden="true"),
                          rx.text(field["problem"].to(str), size="1"),
                          spacing="1", align="start", color=rx.color("red", 11), class_name="wv-field-problem",
                          id="problem-" + field["key"].to(str), margin_top="2px")),
        width="100%", class_name="wv-field", custom_attrs={"data-key": field["key"].to(str), "data-type": kind},
    )
