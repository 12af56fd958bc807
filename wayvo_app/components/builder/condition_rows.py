"""The Condition's structured editor: `{{field}} operator value` read from and written to the
condition's text (the text form stays the source of truth; other expressions edit as text)."""

from __future__ import annotations

import json
import re

OPERATORS = [{"value": "==", "label": "is"}, {"value": "!=", "label": "is not"},
             {"value": ">", "label": "greater than"}, {"value": ">=", "label": "at least"},
             {"value": "<", "label": "less than"}, {"value": "<=", "label": "at most"},
             {"value": "contains", "label": "contains"}, {"value": "empty", "label": "is empty"},
             {"value": "filled", "label": "is not empty"}]
_REF = r"\{\{[^{}]+\}\}"
_VALUE = rf"""(-?\d+(?:\.\d+)?|true|false|none|null|True|False|None|{_REF}|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_COMPARE = re.compile(rf"^\s*({_REF})\s*(==|!=|>=|<=|>|<)\s*{_VALUE}\s*$")
_CONTAINS = re.compile(rf"^\s*{_VALUE}\s+in\s+({_REF})\s*$")
_EMPTY = re.compile(rf"^\s*not\s+({_REF})\s*$")
_FILLED = re.compile(rf"^\s*({_REF})\s*$")
_LITERAL = re.compile(r"^(-?\d+(\.\d+)?|true|false|none|null|True|False|None|\{\{[^{}]+\}\})$")
UNARY = ("empty", "filled")


def _shown(literal: str) -> str:
    """A literal as the value box shows it: strings without their quotes."""
    if len(literal) >= 2 and literal[0] == literal[-1] == '"':
        try:
            return str(json.loads(literal))
        except json.JSONDecodeError:
            return literal[1:-1]
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return literal[1:-1]
    return literal


def parse(text: str) -> dict[str, str] | None:
    """{field, op, value} of a condition the rows can show; None for any other expression."""
    text = (text or "").strip()
    if not text:
        return {"field": "", "op": "==", "value": ""}
    if match := _EMPTY.match(text):
        return {"field": match[1], "op": "empty", "value": ""}
    if match := _COMPARE.match(text):
        return {"field": match[1], "op": match[2], "value": _shown(match[3])}
    if match := _CONTAINS.match(text):
        return {"field": match[2], "op": "contains", "value": _shown(match[1])}
    if match := _FILLED.match(text):
        return {"field": match[1], "op": "filled", "value": ""}
    return None


def literal(value: str) -> str:
    """Numbers, booleans, null and references as they are; any other text as a quoted string."""
    value = (value or "").strip()
    return value if _LITERAL.match(value) else json.dumps(value)


def compose(row: dict[str, str]) -> str:
    field, op, value = row.get("field", "").strip(), row.get("op", "=="), row.get("value", "")
    if not field:
        return ""
    if op == "empty":
        return f"not {field}"
    if op == "filled":
        return field
    if op == "contains":
        return f"{literal(value)} in {field}"
    return f"{field} {op} {literal(value)}"
