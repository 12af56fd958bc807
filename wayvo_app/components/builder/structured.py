"""The config panel's structured editors: approvers and roles picked from those that exist, JSON
objects (headers, query, context) as name/value rows, and a Condition as field ▸ operator ▸ value.
Each writes the same text the plain field holds, which stays one click away."""

from __future__ import annotations

import json
import time
from typing import Any

import reflex as rx

from wayvo_app.components.builder import condition_rows, forms
from wayvo_app.services.picker_options import add_name, approver_options

KV_FIELDS = {"HTTP Request": ("httpHeaders", "httpQuery"), "Request Approval": ("contextData",),
             "Wait for Event": ("contextData",)}  # JSON objects also edited as name/value rows
PEOPLE_KEYS = ("approvers", "approverRoles")  # Request Approval: picked from the users and roles that exist
PEOPLE_TTL = 30.0
_people: dict[str, tuple[float, list[dict[str, str]]]] = {}


def people_options(key: str) -> list[dict[str, str]]:
    hit = _people.get(key)
    if hit and time.monotonic() - hit[0] < PEOPLE_TTL:
        return hit[1]
    options = approver_options(key)
    _people[key] = (time.monotonic(), options)
    return options


def kv_pairs(text: Any) -> list[dict[str, str]] | None:
    """A JSON-object field as name/value rows, or None when its text is no flat object (templates
    outside strings, nested values): then only the JSON text edits it."""
    if text in (None, ""):
        return []
    if not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(parsed, dict) or any(isinstance(v, dict | list) for v in parsed.values()):
        return None
    return forms.pairs_of(parsed)


def structure(view: dict[str, Any], action_type: str, node_id: str, config: dict[str, Any],
              previous: dict[str, Any] | None, *, raw_json: list[str], cond_rows: list[str]) -> None:
    """Turns a field view into its structured editor's view where one applies (in place)."""
    key = view["key"]
    if key in PEOPLE_KEYS and action_type == "Request Approval":
        view.update(type="people", options=people_options(key))
    elif key in KV_FIELDS.get(action_type, ()):
        pairs = kv_pairs(config.get(key))
        view.update(kvAble=pairs is not None, pairs=pairs or [],
                    kv=pairs is not None and f"{node_id}:{key}" not in raw_json)
    elif action_type == "Condition" and key == "condition":
        row = condition_rows.parse(view["value"])
        if previous and previous.get("condMode") and condition_rows.compose(previous["cond"]) == view["value"].strip():
            row = previous["cond"]  # keep the row the user is still filling in
        view.update(condAble=row is not None, cond=row or {},
                    condMode=row is not None and f"{node_id}:condition" in cond_rows)


class StructuredEditsMixin(rx.State, mixin=True):
    cond_rows: list[str] = []  # "node:condition" of Conditions edited as field ▸ operator ▸ value
    raw_json: list[str] = []  # "node:key" of name/value fields the user edits as JSON text

    @staticmethod
    def _toggled(marks: list[str], mark: str) -> list[str]:
        return [m for m in marks if m != mark] if mark in marks else [*marks, mark]

    @rx.event
    def toggle_raw(self, key: str):
        """Switch a name/value field between its rows and its JSON text (both edit the same value)."""
        self.raw_json = self._toggled(self.raw_json, f"{self.selected_id}:{key}")
        self._refresh_panel()

    @rx.event
    def toggle_cond(self):
        self.cond_rows = self._toggled(self.cond_rows, f"{self.selected_id}:condition")
        self._refresh_panel()

    @rx.event
    def set_cond(self, part: str, value: str):
        """One part of the field ▸ operator ▸ value row changed: the condition's text follows."""
        view = self._view("condition")
        if view is None or part not in ("field", "op", "value"):
            return None
        row = {**view.get("cond", {}), part: value or ""}
        self.fields = [{**v, "cond": row} if v["key"] == "condition" else v for v in self.fields]
        return self._edit("condition", condition_rows.compose(row))

    @rx.event
    def add_person(self, key: str, name: str):
        """An approver or role picked from the list joins the names already written."""
        view = self._view(key)
        if view is None or not (name or "").strip():
            return None
        return self._edit(key, add_name(view["value"], name))
