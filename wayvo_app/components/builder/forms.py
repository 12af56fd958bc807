"""The config panel's model: one view per visible config field (every field type of the product
document), and the values the structured editors write back (JSON text, as the builder stores it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from wayvo_app.core.specs import ConfigField, NodeSpec

SCHEMA_TYPES = ("string", "number", "integer", "boolean", "object", "array")
TEMPLATE_TYPES = ("template-input", "template-textarea")
OptionsFor = Callable[[ConfigField], list[dict[str, str]]]


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value) if value.strip() else None
    except json.JSONDecodeError:
        return None


def text_of(value: Any) -> str:
    """A config value as the text an input shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def pairs_of(value: Any, skip: tuple[str, ...] = ()) -> list[dict[str, str]]:
    parsed = _json(value)
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], Mapping):
        parsed = parsed[0]
    if not isinstance(parsed, Mapping):
        return []
    return [{"attribute": str(k), "value": text_of(v)} for k, v in parsed.items() if str(k) not in skip]


def list_of(value: Any) -> list[str]:
    parsed = _json(value)
    return [text_of(v) for v in parsed] if isinstance(parsed, list) else []


def schema_rows(value: Any) -> list[dict[str, Any]]:
    parsed = _json(value)
    props = parsed.get("properties") if isinstance(parsed, Mapping) else None
    if not isinstance(props, Mapping):
        return []
    required = set(parsed.get("required") or [])
    return [{"name": str(name), "type": str((spec or {}).get("type") or "string"),
             "required": name in required, "description": str((spec or {}).get("description") or "")}
            for name, spec in props.items() if isinstance(spec, Mapping)]


def field_view(spec: NodeSpec, config_field: ConfigField, config: Mapping[str, Any], options_for: OptionsFor,
               datasource: tuple[list[dict[str, str]], list[str]] = ([], [])) -> dict[str, Any]:
    """Everything the panel needs to render and edit one field."""
    raw = config.get(config_field.key, config_field.default)
    kind = config_field.type
    view: dict[str, Any] = {
        "key": config_field.key, "label": config_field.label, "type": kind, "required": config_field.required,
        "placeholder": config_field.placeholder or "", "description": config_field.description or "",
        "searchPlaceholder": config_field.search_placeholder or "Search…", "value": text_of(raw),
        "rows": config_field.rows or 4, "min": "" if config_field.min is None else f"{config_field.min:g}",
        "options": [], "pairs": [], "keys": [], "selected": [], "schema": [], "mode": "",
        "integrationType": spec.integration_type or "",
        "kv": False, "kvAble": False, "preview": "", "previewError": "", "problem": "",
        "cond": {}, "condAble": False, "condMode": False,
    }
    if kind in ("select", "combobox", "multi-select", "match-builder"):
        view["options"] = options_for(config_field)
    if kind == "select" and isinstance(raw, bool):
        view["value"] = "true" if raw else "false"
    elif kind == "multi-select":
        view["selected"] = list_of(raw)
    elif kind == "match-builder":
        view["pairs"] = pairs_of(raw)
    elif kind == "schema-builder":
        view["schema"] = schema_rows(raw)
    elif kind == "single-row-update":
        attributes, keys = datasource
        mode = config_field.single_row_mode or "update"
        row = _first_row(raw)
        view.update(mode=mode, options=attributes,
                    keys=[{"name": k, "label": _label_of(attributes, k), "value": text_of(row.get(k))} for k in keys],
                    pairs=[] if mode == "delete" else
                    [{"attribute": a, "value": text_of(v)} for a, v in row.items() if a not in keys and a != "_status"])
    return view


def _first_row(value: Any) -> dict[str, Any]:
    parsed = _json(value)
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], Mapping):
        return dict(parsed[0])
    return dict(parsed) if isinstance(parsed, Mapping) else {}


def _label_of(options: list[dict[str, str]], value: str) -> str:
    return next((o["label"] for o in options if o["value"] == value), value)


def panel_fields(spec: NodeSpec, config: Mapping[str, Any], options_for: OptionsFor,
                 datasource: tuple[list[dict[str, str]], list[str]] = ([], [])) -> list[dict[str, Any]]:
    """The views of the fields visible under the current config (show_when applied)."""
    return [field_view(spec, f, config, options_for, datasource) for f in spec.config_fields if f.visible(config)]


# Values written back by the structured editors.

def pairs_value(pairs: list[Mapping[str, Any]]) -> str:
    """match-builder: the pairs as one JSON object ("" when empty); JSON objects/arrays stay JSON."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name = str(pair.get("attribute") or "").strip()
        if name:
            text = str(pair.get("value") or "")
            parsed = _json(text) if text.strip()[:1] in "[{" else None
            out[name] = parsed if isinstance(parsed, dict | list) else text
    return json.dumps(out) if out else ""


def list_value(values: list[str]) -> str:
    """multi-select: a JSON array string ("" when nothing is selected)."""
    return json.dumps(list(dict.fromkeys(values))) if values else ""


def row_value(mode: str, keys: list[Mapping[str, Any]], pairs: list[Mapping[str, Any]]) -> str:
    """single-row-update: update → one object with _status "U"; insert and delete → [row]."""
    row: dict[str, Any] = {}
    for key in keys:
        if str(key.get("value") or "") != "":
            row[str(key["name"])] = str(key["value"])
    if mode != "delete":
        fields = json.loads(pairs_value(pairs) or "{}")
        row.update({k: v for k, v in fields.items() if k not in row})
    if not row:
        return ""
    if mode in ("insert", "delete"):
        return json.dumps([row])
    return json.dumps({**row, "_status": "U"})


def schema_value(rows: list[Mapping[str, Any]]) -> str:
    """schema-builder: the rows as a JSON schema of an object ("" when there are none)."""
    props: dict[str, Any] = {}
    required = []
    for row in rows:
        name = str(row.get("name") or "").strip()
        if not name:
            continue
        kind = str(row.get("type") or "string")
        props[name] = {"type": kind if kind in SCHEMA_TYPES else "string"}
        if str(row.get("description") or "").strip():
            props[name]["description"] = str(row["description"]).strip()
        if row.get("required"):
            required.append(name)
    if not props:
        return ""
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return json.dumps(schema)


def number_value(text: str) -> Any:
    """A number field's text as a number when it is one (templates and junk stay text for validation)."""
    text = (text or "").strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
