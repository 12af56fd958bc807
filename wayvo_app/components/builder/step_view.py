"""What the builder's Data section shows of one step's data: pretty JSON of its input, output and
error, where the data came from (the last run, a test, a pinned sample) and when."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

MAX_CHARS = 20000  # a huge output is cut in the panel; the viewer shows it whole
SOURCES = {"run": "From the last run", "test": "From a test of this step", "pin": "Pinned sample input"}
STATUS_WORDS = {"success": "succeeded", "error": "failed", "paused": "paused", "running": "running",
                "pending": "waiting to run", "cancelled": "cancelled", "skipped": "skipped"}


def plain(value: Any) -> Any:
    """Plain dicts and lists: state values come wrapped in Reflex's proxies, which json.dumps would
    print Python-style through `default=str` ({'a': 1} instead of {"a": 1})."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def pretty(value: Any) -> str:
    """Indented JSON (strings as JSON strings too: a value shows exactly as references read it)."""
    if value is None:
        return ""
    text = json.dumps(plain(value), indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "\n… (cut: open the run in the viewer)"


def when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def step_view(entry: dict[str, Any] | None, *, is_trigger: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"has": False, "source": "", "status": "", "statusWords": "", "at": "", "input": "",
                            "output": "", "error": "", "note": "", "executionId": "", "href": "", "pinText": "",
                            "isTrigger": is_trigger, "pinned": False}
    if not entry:
        return view
    source = str(entry.get("source") or "run")
    status = str(entry.get("status") or "")
    view.update(has=True, source=SOURCES.get(source, source), status=status,
                statusWords=STATUS_WORDS.get(status, status), at=when(str(entry.get("at") or "")),
                input="" if is_trigger else pretty(entry.get("input")), output=pretty(entry.get("output")),
                error=str(entry.get("error") or ""), note=str(entry.get("note") or ""),
                executionId=str(entry.get("executionId") or ""), pinned=source == "pin")
    if source == "pin":
        view["pinText"] = view["output"]
    return view
