"""The config panel's Data section: the selected step's input, output and error (pretty JSON, each
collapsible) from the last run or a test, "Test this step", and the trigger's pinned sample input."""

from __future__ import annotations

import reflex as rx

from wayvo_app.components.builder.state import BuilderState as S
from wayvo_app.components.values import code_box, copy_button

D = S.step
STATUS_COLORS = {"success": "green", "error": "red", "paused": "amber", "running": "blue", "cancelled": "gray"}


def _block(title: str, text, *, is_open: bool, id_: str, color: str = "gray") -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text(title, as_="span", size="1", weight="bold"), class_name="wv-data-summary"),
        rx.box(copy_button(text, f"Copy the {title.lower()}"), position="absolute", top="4px", right="4px"),
        code_box(text, max_height="260px", overflow_y="auto", margin_top="4px",
                 border_left=f"3px solid {rx.color(color, 7)}"),
        open=is_open, id=id_, class_name="wv-data-block", position="relative", width="100%",
    )


def _source() -> rx.Component:
    return rx.hstack(
        rx.badge(D["statusWords"].to(str), color_scheme=rx.match(D["status"].to(str), *STATUS_COLORS.items(), "gray"),
                 variant="soft", size="1", id="step-data-status"),
        rx.text(D["source"].to(str), " · ", D["at"].to(str), size="1", color_scheme="gray"),
        rx.cond(D["href"].to(str) != "",
                rx.link(rx.text("Open the run", size="1"), href=D["href"].to(str), id="step-data-run")),
        spacing="2", align="center", wrap="wrap", width="100%",
    )


def _data() -> rx.Component:
    is_trigger = D["isTrigger"].to(bool)
    return rx.vstack(
        _source(),
        rx.cond(D["note"].to(str) != "", rx.callout(D["note"].to(str), icon="info", size="1", color_scheme="blue",
                                                    width="100%", id="step-data-note")),
        rx.cond(D["error"].to(str) != "", _block("Error", D["error"].to(str), is_open=True, id_="step-data-error",
                                                 color="red")),
        rx.cond(D["input"].to(str) != "", _block("Input", D["input"].to(str), is_open=False, id_="step-data-input")),
        rx.cond(D["output"].to(str) != "",
                rx.cond(is_trigger,
                        _block("Workflow input", D["output"].to(str), is_open=True, id_="step-data-output"),
                        _block("Output", D["output"].to(str), is_open=True, id_="step-data-output")),
                rx.cond(D["status"].to(str) == "success", rx.text("No output.", size="1", color_scheme="gray"))),
        spacing="2", width="100%",
    )


def _empty() -> rx.Component:
    return rx.text("Run the workflow to see this step's data", rx.cond(
        D["isTrigger"].to(bool), " (or pin a sample input below).", rx.cond(
            S.selected_id != "", ", or test this step alone.", ".")),
        size="1", color_scheme="gray", id="step-data-empty")


def _test_button() -> rx.Component:
    return rx.hstack(
        rx.button(rx.cond(S.step_testing, rx.spinner(size="1"), rx.icon("flask-conical", size=13)),
                  "Test this step", size="1", variant="soft", on_click=S.test_selected_step,
                  disabled=S.step_testing, id="test-step"),
        rx.text("Runs this step alone with the data of the steps before it.", size="1", color_scheme="gray"),
        spacing="2", align="center", width="100%",
    )


def _pin() -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text("Pin a sample input", as_="span", size="1", weight="bold"), class_name="wv-data-summary"),
        rx.vstack(
            rx.text("Tests of later steps and the reference picker use it until the next run.", size="1",
                    color_scheme="gray"),
            rx.el.label("Sample input (JSON)", html_for="pin-input", class_name="wv-sr-only"),
            rx.text_area(value=S.pin_text, on_change=S.set_pin_text, rows="5", width="100%", id="pin-input",
                         placeholder='{"orderId": "A-1001", "amount": 250}', font_family="var(--code-font-family)",
                         font_size="12px"),
            rx.cond(S.pin_error != "", rx.text(S.pin_error, size="1", color_scheme="red", id="pin-error")),
            rx.hstack(rx.button("Pin", size="1", on_click=S.pin_sample, id="pin-save"),
                      rx.cond(D["pinned"].to(bool), rx.button("Unpin", size="1", variant="soft", color_scheme="gray",
                                                              on_click=S.unpin_sample, id="pin-remove")),
                      spacing="2"),
            spacing="2", width="100%", margin_top="4px",
        ),
        class_name="wv-data-block", width="100%",
    )


def step_data_section() -> rx.Component:
    return rx.vstack(
        rx.text("STEP DATA", size="1", weight="bold", color_scheme="gray", class_name="wv-section-title"),
        rx.cond(D["has"].to(bool), _data(), _empty()),
        rx.cond(D["isTrigger"].to(bool), _pin(), _test_button()),
        rx.cond(S.step_test_error != "", rx.callout(S.step_test_error, icon="triangle-alert", color_scheme="red",
                                                    size="1", width="100%", id="step-test-error")),
        spacing="2", width="100%", id="step-data", custom_attrs={"data-has": D["has"].to(str)},
    )


STEP_DATA_CSS = """
.wv-data-summary { cursor: pointer; padding: 2px 0; }
.wv-data-summary:focus-visible { outline: 2px solid var(--accent-8); outline-offset: 2px; }
"""
