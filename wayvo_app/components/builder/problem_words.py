"""Validation problems in plain words for the builder: without internal node ids, and (under the
field they concern) without repeating the step and the field's name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NODE = re.compile(r'^Node "(?P<label>(?:[^"\\]|\\.)*)" \((?P<id>[^()]*)\): ')
_BARE_NODE = re.compile(r"^Node (?P<id>[^\s:\"]+)(?=[: ])")
_REQUIRED = re.compile(r'^required field "[^"]*" \([^()]*\) is empty$')
_FIELD = re.compile(r'^field "[^"]*" \([^()]*\):? ')
_JINJA = {"unexpected 'end of print statement'": "it ends too early (a value is missing after an operator)",
          "unexpected end of template": "it ends too early (a bracket or quote is not closed)"}


def without_ids(message: str, labels: Mapping[str, str] | None = None) -> str:
    """`Node "Check" (n-81f2): …` → `Node "Check": …`; `Node n-81f2 …` names the step's label."""
    match = _NODE.match(message)
    if match:
        return f'Node "{match["label"]}": ' + message[match.end():]
    bare = _BARE_NODE.match(message)
    if bare and labels and bare["id"] in labels:
        return f'Node "{labels[bare["id"]]}"' + message[bare.end():]
    return message


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]) if text else text


def for_field(message: str, key: str, label: str) -> str:
    """The words under a field: what is wrong with it, without the step's or the field's name."""
    text = message[_NODE.match(message).end():] if _NODE.match(message) else message
    if _REQUIRED.match(text):
        return "Required: fill this in."
    text = _FIELD.sub("", text, count=1)
    if text.startswith(key + " "):
        text = text[len(key) + 1:]
    elif text.startswith(f"{key}: "):
        text = text[len(key) + 2:]
    text = text.replace(f"({key})", "").replace("  ", " ")
    for jinja, plain in _JINJA.items():
        text = text.replace(jinja, plain)
    if text.startswith("is ") or text.startswith("must "):
        text = f"{label} {text}"
    return _sentence(text)


def for_step(message: str) -> str:
    """The words of a problem of the step as a whole, in its own panel."""
    text = message[_NODE.match(message).end():] if _NODE.match(message) else message
    if text.startswith("is "):
        text = "This step " + text
    return _sentence(text)


def field_problems(problems: list[dict[str, Any]], node_id: str, views: list[dict[str, Any]]) -> list[str]:
    """Each view of the node gets its problems in plain words ("problem"); the node's other problems
    are returned, in plain words too."""
    labels = {v["key"]: v["label"] for v in views}
    by_field: dict[str, list[str]] = {}
    rest: list[str] = []
    for problem in problems:
        if problem.get("nodeId") != node_id:
            continue
        key = problem.get("field") or ""
        if key in labels:
            by_field.setdefault(key, []).append(for_field(problem["message"], key, labels[key]))
        else:
            rest.append(for_step(problem["message"]))
    for view in views:
        view["problem"] = " ".join(dict.fromkeys(by_field.get(view["key"], [])))
    return list(dict.fromkeys(rest))
