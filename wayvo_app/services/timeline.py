"""The viewer's timeline: one row per reached node with start, active time, attempts and time spent
waiting for people or events shown apart (durations and clock texts come from `core/times`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wayvo_app.core.times import aware, format_clock, format_ms
from wayvo_app.store.models import ExecutionStep

OPEN_STEP = ("pending", "running", "waiting")
WAIT_LABELS = {"approval": "approval", "event": "event", "sleep": "sleep", "child": "child workflow"}


def _ms(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return max((aware(end) - aware(start)).total_seconds() * 1000, 0.0)


def wait_window(step: ExecutionStep, wait_started: datetime | None, now: datetime) -> tuple[datetime, datetime] | None:
    """When a step that paused began and stopped waiting (the claim at resume resets `started_at`)."""
    if not step.wait_kind:
        return None
    begin = aware(wait_started) or aware(step.queued_at)
    if step.status == "waiting":
        end = now
    elif step.status in ("cancelled", "skipped"):
        end = aware(step.finished_at) or now
    else:
        end = aware(step.started_at) or aware(step.finished_at) or now
    return begin, max(begin, end)


def active_ms(step: ExecutionStep, now: datetime) -> float:
    """Time the step was actually running (not queued, not waiting)."""
    if step.status in ("pending", "waiting", "skipped") or step.started_at is None:
        return 0.0
    return _ms(step.started_at, step.finished_at or now)


def _group(steps: list[ExecutionStep]) -> dict[str, list[ExecutionStep]]:
    grouped: dict[str, list[ExecutionStep]] = {}
    for step in sorted(steps, key=lambda st: (aware(st.queued_at), st.attempt)):
        grouped.setdefault(step.node_id, []).append(step)
    for attempts in grouped.values():
        attempts.sort(key=lambda st: st.attempt)
    return grouped


def _pct(value_ms: float, span_ms: float) -> str:
    return f"{min(max(value_ms / span_ms * 100, 0.0), 100.0):.2f}%"


def build_timeline(steps: list[ExecutionStep], labels: dict[str, str], node_status: dict[str, str],
                   wait_starts: dict[str, datetime], started: datetime, finished: datetime | None,
                   now: datetime, actions: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows in the order nodes were reached; bar offsets are percentages of the execution's span.
    `actions` are the nodes' action labels (a plugin's actionLabel), shown beside their names."""
    actions = actions or {}
    span_start = aware(started)
    span_ms = max(_ms(span_start, finished or now), 1.0)
    rows = []
    for node_id, attempts in _group(steps).items():
        first, last = attempts[0], attempts[-1]
        begin = min(m for m in (aware(first.queued_at), aware(first.started_at)) if m is not None)
        end = aware(last.finished_at) or (now if last.status in OPEN_STEP else begin)
        windows = [w for st in attempts if (w := wait_window(st, wait_starts.get(st.id), now))]
        waited = sum(_ms(a, b) for a, b in windows)
        active = sum(active_ms(st, now) for st in attempts)
        kind = next((st.wait_kind for st in reversed(attempts) if st.wait_kind), None)
        status = "cancelled" if last.status == "cancelled" else node_status.get(node_id, "idle")
        row = {"nodeId": node_id, "label": labels.get(node_id, node_id), "action": actions.get(node_id, ""),
               "status": status,
               "attempts": len([st for st in attempts if st.status != "skipped"]) or 1,
               "start": format_clock(begin, date=False), "startedAt": begin.isoformat(),
               "duration": format_ms(active) if status != "skipped" else "–",
               "waited": f"{format_ms(waited)} waiting for {WAIT_LABELS.get(kind, kind)}" if windows else "",
               "barLeft": _pct(_ms(span_start, begin), span_ms),
               "barWidth": _pct(max(_ms(begin, max(begin, end)), span_ms * 0.006), span_ms),
               "waitLeft": "0%", "waitWidth": "0%"}
        if windows:
            wait_begin, wait_end = windows[-1][0], windows[-1][1]
            row["waitLeft"] = _pct(_ms(span_start, wait_begin), span_ms)
            row["waitWidth"] = _pct(_ms(wait_begin, wait_end), span_ms)
        rows.append(row)
    return rows


def execution_span(started: datetime, completed: datetime | None, now: datetime) -> str:
    return format_ms(_ms(started, completed or now))
