"""The config panel's part of the builder state: the selected node's field views, reference picks
and chips, trigger details (webhook URL, next fire times), and every field edit.
"""

from __future__ import annotations

import time
from typing import Any

import reflex as rx

from wayvo_app.components.builder import forms
from wayvo_app.components.builder.palette import spec_of
from wayvo_app.components.builder.preview import preview
from wayvo_app.components.builder.problem_words import field_problems
from wayvo_app.components.builder.refs import chips, reference_candidates
from wayvo_app.components.builder.structured import structure
from wayvo_app.components.builder.trigger import time_zones, trigger_details
from wayvo_app.core import document as docs
from wayvo_app.core.errors import DocumentValidationError
from wayvo_app.core.graph import parse_document
from wayvo_app.engine.registry import get_registry
from wayvo_app.services.picker_options import datasource_fields, dependency_key, field_options

OPTIONS_TTL = 30.0
_options_cache: dict[tuple[str, str], tuple[float, list[dict[str, str]]]] = {}
RETRY_KEYS = ("maxAttempts", "initialDelay", "backoff", "maxDelay")


def _cached_options(config_field: Any, config: dict, user_id: str, spec: Any, workflow_id: str) -> list[dict]:
    key = (user_id, f"{spec.action_type}/{dependency_key(config_field, config)}")
    hit = _options_cache.get(key)
    if hit and time.monotonic() - hit[0] < OPTIONS_TTL:
        return hit[1]
    options = field_options(config_field, config, user_id=user_id, integration_type=spec.integration_type,
                            workflow_id=workflow_id)
    if len(_options_cache) > 2000:
        _options_cache.clear()
    _options_cache[key] = (time.monotonic(), options)
    return options


def _rows_value(view: dict[str, Any]) -> str:
    if view.get("kv"):
        return forms.pairs_value(view["pairs"])
    if view["type"] == "match-builder":
        return forms.pairs_value(view["pairs"])
    if view["type"] == "single-row-update":
        return forms.row_value(view["mode"], view["keys"], view["pairs"])
    return forms.schema_value(view["schema"])


class FieldEditsMixin(rx.State, mixin=True):
    panel: dict[str, Any] = {}
    fields: list[dict[str, Any]] = []
    ref_groups: list[dict[str, Any]] = []
    trigger_info: dict[str, Any] = {}
    links: dict[str, Any] = {}  # the keyboard way to connect: {"options": [...], "next": [...]}
    _last_outputs: dict[str, Any] = {}
    _last_sources: dict[str, str] = {}  # where each node's output came from: run | test | pin

    def _selected_node(self) -> dict[str, Any] | None:
        node_id = self.selected_ids[0] if len(self.selected_ids) == 1 else ""
        return next((n for n in self._doc.get("nodes", []) if n["id"] == node_id), None)

    def _refresh_panel(self) -> None:
        node = self._selected_node()
        if node is None:
            self.panel, self.fields, self.ref_groups, self.trigger_info = {}, [], [], {}
            self._refresh_step_view(None, False)
            return
        registry = get_registry()
        spec = spec_of(registry, node)
        data = node.get("data") or {}
        config = dict(data.get("config") or {})
        try:
            graph = parse_document(self._doc)
        except DocumentValidationError:
            graph = None
        views = []
        if spec is not None:
            single_row = any(f.type == "single-row-update" for f in spec.config_fields)
            views = forms.panel_fields(
                spec, config, lambda f: _cached_options(f, config, self.user_id, spec, self.wf_id),
                datasource_fields(config) if single_row else ([], []))
        old = {(self.panel.get("id"), v["key"]): v for v in self.fields}
        for view in views:
            if view["key"] == "scheduleTimezone":  # a searchable list of the IANA zones
                view.update(type="combobox", options=time_zones(), placeholder="UTC")
            placeholders = spec.field(view["key"]).placeholders if spec else ()
            view["chips"] = chips(graph, node["id"], view["value"], placeholders) if graph else []
            shown, why = ("", "")
            if graph and view["type"] in forms.TEMPLATE_TYPES and not placeholders:
                shown, why = preview(config.get(view["key"]), graph, node["id"], self._last_outputs,
                                     condition=spec is not None and spec.action_type == "Condition"
                                     and view["key"] == "condition")
            view.update(preview=shown, previewError=why)
            previous = old.get((node["id"], view["key"]))
            if spec is not None:
                structure(view, spec.action_type, node["id"], config, previous, raw_json=self.raw_json,
                          cond_rows=self.cond_rows)
            # Keep rows the user is still filling in (blank ones serialize to nothing).
            if previous and (view["type"] in ("match-builder", "single-row-update", "schema-builder") or view.get("kv")) \
                    and [k["name"] for k in previous["keys"]] == [k["name"] for k in view["keys"]] \
                    and _rows_value(previous) == forms.text_of(config.get(view["key"], "")):
                view.update(pairs=previous["pairs"], keys=previous["keys"], schema=previous["schema"])
        step_problems = field_problems(self.problems, node["id"], views)
        retry = config.get("retry") if isinstance(config.get("retry"), dict) else {}
        is_trigger = spec is not None and spec.kind == "trigger"
        policy = spec.retry if spec else None
        self.panel = {
            "id": node["id"], "label": str(data.get("label") or ""), "description": str(data.get("description") or ""),
            "enabled": data.get("enabled") is not False, "kind": "trigger" if is_trigger else "action",
            "typeLabel": spec.label if spec else str(config.get("actionType") or "Unknown"),
            "typeDescription": spec.description if spec else "This node type is not installed.",
            "icon": spec.icon if spec else "box", "integrationType": (spec.integration_type or "") if spec else "",
            "retry": {k: forms.text_of(retry.get(k)) for k in RETRY_KEYS},
            "retryDefault": f"default: {policy.max_attempts} attempt(s)" if policy else "",
            "problems": step_problems,
        }
        if views != self.fields:
            self.fields = views
        self._refresh_step_view(node, is_trigger)
        groups = reference_candidates(graph, node["id"], registry, self._last_outputs,
                                      self._last_sources) if graph else []
        if groups != self.ref_groups:
            self.ref_groups = groups
        hook_url = self._load_hook() if is_trigger and config.get("triggerType") == "Webhook" else ""
        self.trigger_info = trigger_details(self.wf_id, config, hook_url=hook_url) if is_trigger else {}
        links = _links(self._doc, node["id"], spec)
        if links != self.links:
            self.links = links

    def _edit(self, key: str, value: Any):
        node = self._selected_node()
        if node is None:
            return None
        return self._change(docs.set_config(self._doc, node["id"], key, value), key=f"{node['id']}:{key}")

    def _view(self, key: str) -> dict[str, Any] | None:
        return next((v for v in self.fields if v["key"] == key), None)

    @rx.event
    def set_text(self, key: str, value: str):
        return self._edit(key, value)

    @rx.event
    def set_number(self, key: str, value: str):
        return self._edit(key, forms.number_value(value))

    @rx.event
    def set_choice(self, key: str, value: str):
        return self._edit(key, value)

    @rx.event
    def set_flag(self, key: str, checked: bool):
        return self._edit(key, bool(checked))

    @rx.event
    def set_multi(self, key: str, values: list[str]):
        return self._edit(key, forms.list_value([str(v) for v in values or []]))

    def _rows(self, key: str, change) -> Any:
        view = self._view(key)
        if view is None:
            return None
        view = {**view, "pairs": [dict(p) for p in view["pairs"]], "keys": [dict(k) for k in view["keys"]],
                "schema": [dict(r) for r in view["schema"]]}
        change(view)
        self.fields = [view if v["key"] == key else v for v in self.fields]
        return self._edit(key, _rows_value(view))

    @rx.event
    def add_row(self, key: str):
        view = self._view(key)
        if view is not None and view["type"] == "schema-builder":
            return self._rows(key, lambda v: v["schema"].append(
                {"name": "", "type": "string", "required": False, "description": ""}))
        return self._rows(key, lambda v: v["pairs"].append({"attribute": "", "value": ""}))

    @rx.event
    def remove_row(self, key: str, index: int):
        def drop(view: dict[str, Any]) -> None:
            rows = view["schema"] if view["type"] == "schema-builder" else view["pairs"]
            if 0 <= index < len(rows):
                rows.pop(index)
        return self._rows(key, drop)

    @rx.event
    def set_row(self, key: str, index: int, part: str, value: Any):
        def update(view: dict[str, Any]) -> None:
            rows = view["schema"] if view["type"] == "schema-builder" else view["pairs"]
            if 0 <= index < len(rows):
                rows[index][part] = value
        return self._rows(key, update)

    @rx.event
    def set_row_key(self, key: str, name: str, value: str):
        def update(view: dict[str, Any]) -> None:
            for item in view["keys"]:
                if item["name"] == name:
                    item["value"] = value
        return self._rows(key, update)

    @rx.event
    def set_label(self, label: str):
        node = self._selected_node()
        label = (label or "").strip()
        if node is None or label == node["data"].get("label"):
            return None
        if not label:
            return rx.toast.warning("A node needs a label")
        if label in docs.labels(self._doc) or (label == "Trigger" and node.get("type") != "trigger"):
            return rx.toast.warning(f'Another node is already labelled "{label}"')
        return self._change(docs.set_node(self._doc, node["id"], label=label))

    @rx.event
    def set_description(self, text: str):
        node = self._selected_node()
        if node is None or (text or "") == (node["data"].get("description") or ""):
            return None
        return self._change(docs.set_node(self._doc, node["id"], description=text))

    @rx.event
    def set_enabled(self, enabled: bool):
        node = self._selected_node()
        if node is None:
            return None
        return self._change(docs.set_node(self._doc, node["id"], enabled=bool(enabled)))

    @rx.event
    def set_retry(self, part: str, value: str):
        node = self._selected_node()
        if node is None or part not in RETRY_KEYS:
            return None
        number = forms.number_value(value) if part in ("maxAttempts", "backoff") else (value or "").strip()
        return self._change(docs.set_retry(self._doc, node["id"], part, number), key=f"{node['id']}:retry:{part}")


def _links(doc: dict[str, Any], node_id: str, spec: Any) -> dict[str, Any]:
    """The selected node's next steps and where it can still connect (no loop, no duplicate), as
    options "handle|target" for the config panel's "Connect to…" select."""
    labels = {n["id"]: str((n.get("data") or {}).get("label") or n["id"]) for n in doc.get("nodes", [])}
    handles = list(spec.handles) if spec is not None and spec.handles else [""]
    outgoing = [e for e in doc.get("edges", []) if e.get("source") == node_id]
    taken = {(e.get("sourceHandle") or "", e.get("target")) for e in outgoing}
    upstream = _upstream(doc, node_id)
    options = []
    for node in doc.get("nodes", []):
        target = node["id"]
        if target == node_id or node.get("type") == "trigger" or target in upstream:
            continue
        for handle in handles:
            if (handle, target) not in taken:
                label = f"{handle} → {labels[target]}" if handle else labels[target]
                options.append({"value": f"{handle}|{target}", "label": label})
    following = [{"id": e["id"], "label": (f"{e['sourceHandle']} → " if e.get("sourceHandle") else "")
                  + labels.get(e.get("target"), "?")} for e in outgoing]
    return {"options": options, "next": following}


def _upstream(doc: dict[str, Any], node_id: str) -> set[str]:
    seen: set[str] = set()
    pending = [e.get("source") for e in doc.get("edges", []) if e.get("target") == node_id]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(e.get("source") for e in doc.get("edges", []) if e.get("target") == current)
    return seen
