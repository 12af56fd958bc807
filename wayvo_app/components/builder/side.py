"""The builder's side tabs besides the config: problems (click to focus the node), versions (with
restore), runs (the latest run's status and a link to the viewer); and the Run dialog."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.builder.panel import config_panel
from wayvo_app.components.builder.state import BuilderState as S
from wayvo_app.components.values import execution_status_badge


def _problem(problem) -> rx.Component:
    has_node = problem["nodeId"].to(str) != ""
    return rx.box(
        rx.hstack(rx.icon("circle-alert", size=14, color=rx.color("red", 9), flex="none", margin_top="2px"),
                  rx.text(problem["message"].to(str), size="1"), spacing="2", align="start"),
        on_click=rx.cond(has_node, S.focus_node(problem["nodeId"].to(str)), rx.noop()),
        cursor=rx.cond(has_node, "pointer", "default"), padding="6px 8px", border_radius="6px", width="100%",
        _hover={"background": rx.color("red", 3)}, class_name="wv-problem",
        custom_attrs={"data-node": problem["nodeId"].to(str)},
    )


def problems_tab() -> rx.Component:
    return rx.cond(
        S.problems.length() > 0,
        rx.vstack(rx.text(S.problems.length(), " problem(s) block publishing. Click one to go to its step.",
                          size="1", color_scheme="gray"),
                  rx.foreach(S.problems_shown, _problem), spacing="1", width="100%", id="problems-list"),
        rx.vstack(rx.icon("circle-check", size=26, color=rx.color("green", 9)),
                  rx.text("No problems: this workflow can be published.", size="2"), align="center",
                  padding_y="2rem", width="100%", id="problems-none"),
    )


def _version(row) -> rx.Component:
    return rx.hstack(
        rx.badge("v", row["version"].to(str), variant="soft", color_scheme="green"),
        rx.vstack(rx.text(row["createdAt"].to(str), size="1"),
                  rx.text(row["createdBy"].to(str), " · ", row["nodes"].to(str), " steps", size="1",
                          color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.button("Restore", size="1", variant="soft", on_click=S.restore(row["version"].to(int)),
                  class_name="wv-restore"),
        align="center", width="100%", padding_y="4px", class_name="wv-version",
    )


def versions_tab() -> rx.Component:
    return rx.vstack(
        rx.text("Publishing freezes the draft as a numbered version; executions stay on the version they "
                "started with. Restoring copies a version into the draft.", size="1", color_scheme="gray"),
        rx.cond(S.versions.length() > 0, rx.vstack(rx.foreach(S.versions, _version), spacing="1", width="100%"),
                rx.text("Not published yet.", size="2", color_scheme="gray")),
        spacing="3", width="100%", id="versions-list",
    )


def runs_tab() -> rx.Component:
    current = rx.vstack(
        rx.hstack(rx.text("Latest run", weight="medium", size="2"), execution_status_badge(S.run_status),
                  align="center", spacing="2"),
        rx.cond(S.run_message != "", rx.callout(S.run_message, icon="triangle-alert", color_scheme="red", size="1")),
        rx.text("The canvas shows each step's status.", size="1", color_scheme="gray"),
        rx.hstack(
            rx.link(rx.button(rx.icon("external-link", size=13), "Open in the viewer", size="1"),
                    href=routes.EXECUTIONS + "/" + S.run_id, id="open-run"),
            rx.button("Clear statuses", size="1", variant="soft", color_scheme="gray", on_click=S.clear_run),
            spacing="2"),
        spacing="2", width="100%", id="run-result", custom_attrs={"data-status": S.run_status},
    )
    return rx.vstack(
        rx.cond(S.run_id != "", current,
                rx.text("Run the workflow with a test input: the draft as it is now, or the published "
                        "version.", size="1", color_scheme="gray")),
        rx.button(rx.icon("play", size=13), "Run…", on_click=S.open_run, size="2", variant="soft"),
        rx.link(rx.text("All executions of this workflow", size="1"), href=routes.WORKFLOWS + "/" + S.wf_id + "/executions"),
        spacing="3", width="100%",
    )


def _tab(value: str, label, icon: str) -> rx.Component:
    return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=13), label, spacing="1", align="center"), value=value,
                           id=f"tab-{value}")


def side_panel() -> rx.Component:
    problems_label = rx.hstack(rx.text("Problems"), rx.cond(S.problems.length() > 0,
                                                             rx.badge(S.problems.length(), color_scheme="red",
                                                                      size="1")), spacing="1")
    return rx.tabs.root(
        rx.tabs.list(_tab("config", "Step", "settings-2"), _tab("problems", problems_label, "list-checks"),
                     _tab("versions", "Versions", "git-commit-horizontal"), _tab("runs", "Runs", "play"),
                     size="1"),
        rx.box(
            rx.tabs.content(config_panel(), value="config"),
            rx.tabs.content(problems_tab(), value="problems"),
            rx.tabs.content(versions_tab(), value="versions"),
            rx.tabs.content(runs_tab(), value="runs"),
            padding="12px", overflow_y="auto", flex="1", min_height="0",
        ),
        value=S.side_tab, on_change=S.set_side_tab, display="flex", flex_direction="column", height="100%",
    )


def run_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Run workflow"),
            rx.dialog.description("The trigger's input, as JSON. The last input you ran is remembered in this "
                                  "browser.", size="2", margin_bottom="0.5rem"),
            rx.vstack(
                rx.text_area(value=S.run_input, on_change=S.set_run_input, rows="10", width="100%", id="run-input",
                             font_family="var(--code-font-family)", font_size="12px"),
                rx.radio_group.root(
                    rx.hstack(rx.radio_group.item(value="draft"), rx.text("The draft, as it is now", size="2"),
                              rx.radio_group.item(value="published", disabled=S.published_version == 0),
                              rx.text("Published version", size="2",
                                      color_scheme=rx.cond(S.published_version == 0, "gray", None)),
                              spacing="2", align="center"),
                    value=S.run_version, on_change=S.set_run_version),
                rx.cond(S.run_error != "", rx.callout(S.run_error, icon="triangle-alert", color_scheme="red",
                                                      size="1", id="run-error")),
                rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                          rx.button(rx.icon("play", size=13), "Run", on_click=S.start_run, id="run-start"),
                          justify="end", width="100%"),
                spacing="3",
            ),
            max_width="520px",
        ),
        open=S.run_open, on_open_change=S.run_dialog_changed,
    )
