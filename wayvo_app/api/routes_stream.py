"""Route: an execution's live events as Server-Sent Events (steps, logs, status), resumable by id.

sse-starlette's EventSourceResponse writes the frames (`id`, `event`, `data` lines, `\\n` line ends)
and the heartbeat (its ping, a `: heartbeat` comment). Streams wait on the per-process revision hub,
so an open stream adds no polling of its own: one query per tick for all watched executions, then
one read per change.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header
from sse_starlette import EventSourceResponse, ServerSentEvent

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.core.times import utcnow
from wayvo_app.services.accounts import Principal
from wayvo_app.services.execution_views import FINISHED, event_micros, events_after
from wayvo_app.services.revision_hub import RevisionHub, hub

router = APIRouter(tags=["executions"])
HEARTBEAT_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
SETTLE_SECONDS = 0.5  # longer than a step's recording transaction takes to commit
# An idle stream reads again this often even if the hub reported nothing (a safety net: the hub
# wakes it on every change); long, so 200 idle streams cost almost nothing.
REREAD_SECONDS = 60.0
SEPARATOR = "\n"


def _frame(event: dict) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(event["data"], default=str), event=event["event"], id=event["id"],
                           sep=SEPARATOR)


def _heartbeat() -> ServerSentEvent:
    return ServerSentEvent(comment="heartbeat", sep=SEPARATOR)


async def event_stream(execution_id: str, user_id: Any, cursor: str, first: tuple[list[dict], str], *,
                       reread: float = REREAD_SECONDS, settle: float = SETTLE_SECONDS,
                       revisions: RevisionHub = hub) -> AsyncIterator[ServerSentEvent]:
    """Events from `first` on, then after each change the hub reports; ends after the final status.
    `user_id` is the caller (an id or a principal: a key reads only its own workspace).
    Events younger than `settle` wait for the next pass: a transaction that took its timestamp earlier
    but commits later (a parallel branch) is then already visible, so no event slips under the cursor."""
    events, status = first
    last_status = None
    sub = revisions.subscribe(execution_id, "", user_id)
    try:
        while True:
            horizon = event_micros(utcnow()) - int(settle * 1_000_000)
            held = False
            for event in events:
                if status not in FINISHED and event_micros(event["id"]) > horizon:
                    held = True  # later ones too: ids only grow, so the cursor stays before this one
                    break
                cursor = event["id"]
                if event["event"] == "execution":
                    if event["data"]["status"] == last_status:
                        continue  # updated_at moved but the status did not: not a change to report
                    last_status = event["data"]["status"]
                yield _frame(event)
            else:
                if status in FINISHED:
                    return
            await sub.wait(settle if held else reread)
            events, status = await asyncio.to_thread(events_after, execution_id, user_id, cursor)
    finally:
        revisions.unsubscribe(sub)


def stream_response(events: AsyncIterator[ServerSentEvent], heartbeat: float) -> EventSourceResponse:
    """The SSE response: `heartbeat` seconds between pings (sse-starlette's own task)."""
    return EventSourceResponse(events, ping=heartbeat, sep=SEPARATOR, ping_message_factory=_heartbeat,
                               headers={"Cache-Control": "no-cache"})


@router.get(routes.API_EXECUTIONS + "/{execution_id}/events", response_class=EventSourceResponse,
            responses={200: {"description": "Server-Sent Events: `step`, `log` and `execution` events, "
                                            "each with an `id` to resume from with `Last-Event-ID`; a "
                                            "`: heartbeat` comment every 15 s; the stream ends after the "
                                            "final status",
                             "content": {"text/event-stream": {"schema": {"type": "string"}}}}})
async def execution_events(execution_id: str, last_event_id: str = Header("", alias="Last-Event-ID"),
                           me: Principal = Depends(current_principal)):
    cursor = last_event_id.strip()
    first = await asyncio.to_thread(events_after, execution_id, me, cursor)  # 404 before streaming
    return stream_response(event_stream(execution_id, me, cursor, first), HEARTBEAT_SECONDS)
