"""/workflows/[id]: the workflow builder: toolbar (name, save state, undo/redo, layout, run,
publish), the palette, the canvas and the side panel (step config, problems, versions, runs)."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.builder.flow import builder_flow, builder_styles
from wayvo_app.components.builder.side import run_dialog, side_panel
from wayvo_app.components.builder.state import BuilderState as S
from wayvo_app.components.layout import navbar

ROUTE = routes.WORKFLOW_ROUTE
NAV_HEIGHT = "53px"


def _save_state() -> rx.Component:
    return rx.box(
        rx.match(
            S.save_state,
            ("saving", rx.hstack(rx.spinner(size="1"), rx.text("Saving…", size="1"), spacing="1", align="center")),
            ("pending", rx.text("Unsaved changes…", size="1", color_scheme="gray")),
            ("error", rx.tooltip(rx.text("Not saved", size="1", color_scheme="red"), content=S.save_error)),
            ("stale", rx.text("Not saved: changed elsewhere", size="1", color_scheme="red")),
            rx.hstack(rx.icon("check", size=13, color=rx.color("green", 9)), rx.text("Saved", size="1"),
                      spacing="1", align="center"),
        ),
        id="save-state", custom_attrs={"data-state": S.save_state}, min_width="110px",
    )


def _icon_button(icon: str, label: str, on_click, disabled=False, id_: str = "") -> rx.Component:
    return rx.tooltip(rx.icon_button(rx.icon(icon, size=15), variant="ghost", color_scheme="gray", size="2",
                                     on_click=on_click, disabled=disabled, aria_label=label, id=id_),
                      content=label)


def _toolbar() -> rx.Component:
    problems = S.problems.length()
    return rx.hstack(
        rx.link(rx.icon("arrow-left", size=16), href=routes.WORKFLOWS, color_scheme="gray", aria_label="All workflows"),
        rx.input(default_value=S.name, on_blur=S.rename_workflow, key=S.name + S.name_nonce.to_string(),
                 id="workflow-name", size="2", variant="soft", width="260px", aria_label="Workflow name"),
        rx.badge(S.status_label, color_scheme=rx.cond(S.published_version == 0, "gray",
                                                      rx.cond(S.draft_ahead, "amber", "green")),
                 variant="soft", id="workflow-status"),
        _save_state(),
        rx.spacer(),
        _icon_button("undo-2", "Undo (Ctrl+Z)", S.undo, ~S.can_undo, "undo"),
        _icon_button("redo-2", "Redo (Shift+Ctrl+Z)", S.redo, ~S.can_redo, "redo"),
        _icon_button("layout-grid", "Auto-layout", S.auto_layout, False, "auto-layout"),
        rx.button(rx.icon(rx.cond(problems > 0, "circle-alert", "circle-check"), size=14),
                  rx.cond(problems > 0, problems.to(str) + rx.cond(problems == 1, " problem", " problems"), "Valid"),
                  variant="soft", color_scheme=rx.cond(problems > 0, "red", "green"), size="2",
                  on_click=S.set_side_tab("problems"), id="problems-button"),
        rx.button(rx.icon("play", size=14), "Run", variant="soft", size="2", on_click=S.open_run, id="run-button"),
        rx.tooltip(rx.button(rx.icon("rocket", size=14), "Publish", size="2", on_click=S.publish,
                             disabled=(problems > 0) | ((S.published_version > 0) & ~S.draft_ahead),
                             id="publish-button"),
                   content=rx.cond(problems > 0, "Fix the problems first",
                                   rx.cond((S.published_version > 0) & ~S.draft_ahead,
                                           "Nothing changed since the last version",
                                           "Freeze the draft as a new version"))),
        align="center", spacing="3", padding_x="12px", height="52px", width="100%",
        border_bottom=f"1px solid {rx.color('gray', 5)}", background=rx.color("gray", 1),
    )


def _palette_item(item) -> rx.Component:
    """A step of the palette: click (or Enter / Space when focused, see builder_flow.jsx) adds it after
    the selected step; dragging drops it on the canvas. A div, not a button: Chromium does not drag buttons."""
    return rx.hstack(
        rx.center(rx.icon(item["icon"].to(str), size=14), width="26px", height="26px", border_radius="6px",
                  background=rx.color("accent", 3), color=rx.color("accent", 11), flex="none", aria_hidden="true"),
        rx.vstack(rx.text(item["label"].to(str), size="2", weight="medium"),
                  rx.text(item["description"].to(str), size="1", color_scheme="gray", class_name="wv-clamp"),
                  spacing="0", min_width="0"),
        draggable=True, on_click=S.add_from_palette(item["actionType"].to(str)), spacing="2", align="start",
        padding="6px", border_radius="6px", width="100%", class_name="wv-palette-item",
        tab_index=0, role="button",
        custom_attrs={"data-palette-type": item["actionType"].to(str)}, title="Click to add, or drag onto the canvas",
    )


def _palette_group(group) -> rx.Component:
    return rx.vstack(
        rx.text(group["category"].to(str), size="1", weight="bold", color_scheme="gray", class_name="wv-section-title"),
        rx.foreach(group["items"].to(list[dict]), _palette_item),
        spacing="1", width="100%",
    )


def _palette() -> rx.Component:
    return rx.vstack(
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search steps…", value=S.palette_query,
                 on_change=S.set_palette_query, id="palette-search", width="100%", size="2",
                 aria_label="Search steps (Enter adds the first match)", on_key_down=S.palette_search_key),
        rx.vstack(rx.foreach(S.palette_groups, _palette_group), spacing="3", width="100%", overflow_y="auto",
                  flex="1", min_height="0", padding_right="4px"),
        width="228px", flex="none", height="100%", padding="10px", spacing="3", id="palette",
        border_right=f"1px solid {rx.color('gray', 5)}", background=rx.color("gray", 1),
    )


def _canvas() -> rx.Component:
    return rx.box(
        builder_flow(nodes=S.nodes, edges=S.edges, focus=S.focus, layout_request=S.layout_request,
                     on_nodes_moved=S.nodes_moved, on_select=S.select, on_node_click=S.node_clicked,
                     on_connect_nodes=S.connect,
                     on_delete_items=S.delete_items, on_drop_node=S.drop_node, on_layout=S.layout_done,
                     on_undo=S.undo, on_redo=S.redo, on_duplicate=S.duplicate_selected),
        class_name="wv-builder", flex="1", height="100%", position="relative", min_width="0", id="builder-canvas",
        background=rx.color("gray", 2),
    )


def _body() -> rx.Component:
    return rx.vstack(
        _toolbar(),
        rx.hstack(
            _palette(), _canvas(),
            rx.box(side_panel(), width="360px", flex="none", height="100%", background=rx.color("gray", 1),
                   border_left=f"1px solid {rx.color('gray', 5)}", id="side-panel"),
            spacing="0", width="100%", flex="1", min_height="0",
        ),
        run_dialog(),
        _stale_dialog(),
        spacing="0", height=f"calc(100vh - {NAV_HEIGHT})", width="100%",
    )


def _stale_dialog() -> rx.Component:
    """Another tab (or person) saved the draft after this tab loaded it: never overwrite silently."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("This workflow changed elsewhere"),
            rx.alert_dialog.description(
                "It was saved in another tab or window (or renamed) after you opened it here, so your "
                "latest edits were not saved. Reload to see the newer draft (your edits here are lost), or "
                "overwrite it with the draft shown here.", size="2"),
            rx.hstack(
                rx.button("Reload", variant="soft", color_scheme="gray", on_click=S.load, id="stale-reload"),
                rx.button("Overwrite with mine", color_scheme="red", on_click=S.overwrite_draft, id="stale-overwrite"),
                justify="end", spacing="3", margin_top="1rem",
            ),
            max_width="460px", id="stale-dialog",
        ),
        open=S.stale_draft,
    )


def _missing() -> rx.Component:
    return rx.center(
        rx.vstack(rx.icon("file-question", size=32, color=rx.color("gray", 9)), rx.heading("Workflow not found", size="4"),
                  rx.text(S.message, color_scheme="gray"), rx.link("Back to workflows", href=routes.WORKFLOWS),
                  align="center", spacing="2"),
        padding="4rem", id="builder-missing",
    )


def builder_page() -> rx.Component:
    return rx.box(
        builder_styles(),
        rx.el.style(".wv-clamp { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; "
                    "overflow: hidden; } .wv-section-title { letter-spacing: .05em; text-transform: uppercase; } "
                    ".wv-palette-item:focus-visible { outline: 2px solid var(--accent-8); outline-offset: 1px; } "
                    ".wv-palette-item { cursor: pointer; } "
                    ".wv-palette-item:hover { background: var(--accent-3); } "
                    ".wv-field-label { font-size: var(--font-size-2); font-weight: 500; } "
                    ".wv-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; "
                    "clip: rect(0 0 0 0); white-space: nowrap; }"),
        navbar(),
        rx.match(S.phase,
                 ("ready", _body()),
                 ("missing", _missing()),
                 rx.center(rx.spinner(size="3"), padding="4rem")),
        height="100vh", overflow="hidden", background=rx.color("gray", 2), id="builder",
        custom_attrs={"data-phase": S.phase},
    )
