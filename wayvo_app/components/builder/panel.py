"""The builder's right-hand panel: the selected node's config (label, description, enabled, its
fields, trigger details, retry settings) or, with several nodes selected, what can be done to them."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.builder.fields import config_field
from wayvo_app.components.builder.schedule_failure import schedule_failure
from wayvo_app.components.builder.state import BuilderState as S
from wayvo_app.components.builder.step_data import step_data_section
from wayvo_app.components.values import copy_button

P = S.panel


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.vstack(rx.text(title, size="1", weight="bold", color_scheme="gray", class_name="wv-section-title"),
                     *children, spacing="2", width="100%", **props)


def _header() -> rx.Component:
    return rx.hstack(
        rx.center(rx.icon(P["icon"].to(str), size=16), width="30px", height="30px", border_radius="8px",
                  background=rx.color("accent", 3), color=rx.color("accent", 11), flex="none"),
        rx.vstack(rx.text(P["typeLabel"].to(str), weight="bold", size="3"),
                  rx.text(P["typeDescription"].to(str), size="1", color_scheme="gray"), spacing="0"),
        spacing="2", align="start", width="100%",
    )


def _node_problems() -> rx.Component:
    """Problems of the step as a whole (a field's own show under the field), in plain words."""
    problems = P["problems"].to(list[str])
    return rx.cond(problems.length() > 0, rx.callout.root(
        rx.callout.icon(rx.icon("circle-alert", size=14)),
        rx.vstack(rx.foreach(problems, lambda text: rx.text(text, size="1")), spacing="1"),
        color_scheme="red", size="1", width="100%", id="node-problems"))


def _identity() -> rx.Component:
    node_key = P["id"].to(str)
    return rx.vstack(
        rx.el.label("Label", html_for="node-label", class_name="wv-field-label"),
        rx.input(default_value=P["label"].to(str), on_blur=S.set_label, key=node_key + "-label", id="node-label",
                 width="100%"),
        rx.text("Used in references: renaming rewrites {{Old label.…}} in later steps.", size="1",
                color_scheme="gray"),
        rx.el.label("Description", html_for="node-description", class_name="wv-field-label"),
        rx.text_area(default_value=P["description"].to(str), on_blur=S.set_description, key=node_key + "-desc",
                     rows="2", width="100%", id="node-description", placeholder="What this step is for (optional)"),
        rx.cond(P["kind"].to(str) != "trigger",
                rx.hstack(rx.switch(checked=P["enabled"].to(bool), on_change=S.set_enabled, id="node-enabled"),
                          rx.el.label("Enabled", html_for="node-enabled", style={"fontSize": "var(--font-size-2)"}),
                          rx.text("(a disabled step is skipped; later steps still run)", size="1",
                                  color_scheme="gray"), align="center", spacing="2")),
        spacing="1", width="100%",
    )


def _hook_secret() -> rx.Component:
    """Set, generate or remove the signing secret; a generated one is shown once, to copy."""
    has = S.hook["hasSecret"].to(bool)
    return rx.vstack(
        rx.text(rx.cond(has, "Signing secret: set (kept encrypted, never shown again)", "Signing secret: none"),
                size="1", color_scheme=rx.cond(has, "green", "gray"), id="hook-secret-state"),
        rx.cond(S.hook_new_secret != "",
                rx.hstack(rx.code(S.hook_new_secret, size="1", id="hook-new-secret", word_break="break-all"),
                          copy_button(S.hook_new_secret, "Copy secret"), align="center", width="100%")),
        rx.form(rx.hstack(
            rx.el.label("Signing secret", html_for="hook-secret", class_name="wv-sr-only"),
            rx.input(name="secret", id="hook-secret", type="password", placeholder="Paste the sender's secret",
                     size="1", width="100%", auto_complete="off"),
            rx.button("Save", size="1", type="submit", id="hook-secret-save"), width="100%", spacing="2"),
            on_submit=S.save_hook_secret, reset_on_submit=True, width="100%"),
        rx.hstack(rx.button(rx.icon("key-round", size=12), "Generate", size="1", variant="soft",
                            on_click=S.generate_hook_secret, id="hook-secret-generate"),
                  rx.cond(has, rx.button("Remove", size="1", variant="ghost", color_scheme="red",
                                         on_click=S.remove_hook_secret, id="hook-secret-remove")),
                  spacing="2"),
        spacing="2", width="100%",
    )


def _webhook() -> rx.Component:
    info = S.trigger_info
    return _section(
        "WEBHOOK",
        rx.cond(S.hook["error"].to(str) != "",
                rx.callout(S.hook["error"].to(str), icon="info", size="1", color_scheme="amber")),
        rx.text("Secret URL: anyone with it can start the published workflow; no header needed.", size="1",
                color_scheme="gray"),
        rx.hstack(rx.code(info["url"].to(str), size="1", id="webhook-url", word_break="break-all"),
                  copy_button(info["url"].to(str), "Copy URL"), align="center", width="100%"),
        rx.hstack(rx.button(rx.icon("refresh-cw", size=12), "Rotate URL", size="1", variant="soft",
                            color_scheme="amber", on_click=S.rotate_hook, id="webhook-rotate"),
                  rx.text("the old URL stops working at once", size="1", color_scheme="gray"), align="center"),
        rx.box(rx.el.pre(info["curl"].to(str), class_name="wv-curl", id="webhook-curl",
                         style={"fontSize": "11px", "whiteSpace": "pre-wrap", "wordBreak": "break-all",
                                "margin": 0}),
               padding="8px", border_radius="6px", background=rx.color("gray", 3), width="100%"),
        rx.hstack(copy_button(info["curl"].to(str), "Copy curl"), rx.text("Copy curl", size="1", color_scheme="gray"),
                  align="center"),
        _hook_secret(),
        rx.text("Or with an API key: POST ", rx.code(info["keyUrl"].to(str), size="1"), " · ",
                rx.link("Create an API key", href=routes.SETTINGS_API_KEYS), size="1", color_scheme="gray"),
    )


def _schedule() -> rx.Component:
    info = S.trigger_info
    return _section(
        "SCHEDULE",
        rx.cond(info["cronError"].to(str) != "",
                rx.callout(info["cronError"].to(str), icon="info", size="1", color_scheme="amber"),
                rx.vstack(rx.text("Next runs", size="2", weight="medium"),
                          rx.foreach(info["fires"].to(list[str]), lambda t: rx.text(t, size="1", class_name="wv-fire")),
                          spacing="1", id="schedule-fires")),
    )


def _retry_input(part: str, label: str, placeholder: str) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=f"retry-{part}", style={"fontSize": "var(--font-size-1)"}),
                     rx.input(value=P["retry"].to(dict[str, str])[part].to(str), on_change=S.set_retry(part), placeholder=placeholder,
                              size="1", id=f"retry-{part}"), spacing="0", width="100%")


def _retry() -> rx.Component:
    return _section(
        "RETRY",
        rx.text(P["retryDefault"].to(str), size="1", color_scheme="gray"),
        rx.grid(_retry_input("maxAttempts", "Max attempts", "1"), _retry_input("initialDelay", "First delay", "1s"),
                _retry_input("backoff", "Backoff ×", "2"), _retry_input("maxDelay", "Max delay", "5m"),
                columns="2", spacing="2", width="100%"),
        rx.text("After the last attempt the node's error handle is taken, if connected.", size="1",
                color_scheme="gray"),
    )


def _links() -> rx.Component:
    """Connecting without a mouse: the next steps (each removable) and a "Connect to…" select."""
    links = S.links
    def following(item) -> rx.Component:
        return rx.hstack(rx.icon("arrow-down-right", size=13, aria_hidden="true"), rx.text(item["label"].to(str), size="2"),
                         rx.spacer(),
                         rx.icon_button(rx.icon("unlink", size=12), size="1", variant="ghost", color_scheme="gray",
                                        aria_label="Disconnect " + item["label"].to(str),
                                        on_click=S.delete_items({"edges": [item["id"].to(str)]})),
                         align="center", width="100%", class_name="wv-next-step")
    return _section(
        "NEXT STEPS",
        rx.foreach(links["next"].to(list[dict[str, str]]), following),
        rx.cond(links["options"].to(list[dict[str, str]]).length() > 0,
                rx.el.label("Connect to…", html_for="connect-to", class_name="wv-sr-only"),
                rx.text("No other step to connect to.", size="1", color_scheme="gray")),
        rx.cond(links["options"].to(list[dict[str, str]]).length() > 0,
                rx.select.root(
                    rx.select.trigger(placeholder="Connect to…", width="100%", id="connect-to"),
                    rx.select.content(rx.foreach(links["options"].to(list[dict[str, str]]),
                                                 lambda o: rx.select.item(o["label"], value=o["value"]))),
                    value="", on_change=S.connect_to)),
    )


def _node_actions() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("copy", size=13), "Duplicate", size="1", variant="soft", on_click=S.duplicate_selected,
                  id="duplicate-node"),
        rx.button(rx.icon("trash-2", size=13), "Delete", size="1", variant="soft", color_scheme="red",
                  on_click=S.delete_selected, id="delete-node"),
        spacing="2",
    )


def node_panel() -> rx.Component:
    is_trigger = P["kind"].to(str) == "trigger"
    kind = S.trigger_info["type"].to(str)
    return rx.vstack(
        _header(), _node_problems(), step_data_section(), rx.separator(), _identity(), rx.separator(),
        rx.foreach(S.fields, config_field),
        rx.separator(), _links(),
        rx.cond(is_trigger & (kind == "Webhook"), _webhook()),
        rx.cond(is_trigger & (kind == "Schedule"), _schedule()),
        rx.cond(is_trigger & (kind == "Schedule"), schedule_failure()),
        rx.cond(~is_trigger, rx.vstack(rx.separator(), _retry(), rx.separator(), _node_actions(), spacing="3",
                                       width="100%")),
        spacing="3", width="100%", id="node-panel", custom_attrs={"data-node": P["id"].to(str)},
        key=P["id"].to(str),
    )


def _hint() -> rx.Component:
    return rx.vstack(
        rx.icon("mouse-pointer-click", size=26, color=rx.color("gray", 8)),
        rx.text("Select a step to configure it.", size="2", weight="medium"),
        rx.text("Add steps from the palette (click adds after the selected step, or drag onto the canvas); "
                "connect a handle at the bottom of a step to the top of the next one.", size="1",
                color_scheme="gray", align="center"),
        rx.text("Delete removes the selection · Ctrl+Z / Shift+Ctrl+Z undo and redo · Ctrl+D duplicates",
                size="1", color_scheme="gray", align="center"),
        align="center", spacing="2", padding_y="2rem", width="100%",
    )


def _many() -> rx.Component:
    return rx.vstack(rx.text(S.selected_ids.length(), " steps selected", weight="medium"), _node_actions(),
                     spacing="3", padding_y="1rem")


def config_panel() -> rx.Component:
    return rx.cond(S.selected_id != "", node_panel(), rx.cond(S.selected_ids.length() > 1, _many(), _hint()))
