"""The SSE generator: young events held until they settle, re-reads on the given interval, the end
after the final status (the reads are faked, the hub never fires); the response's heartbeats."""

from __future__ import annotations

import asyncio
import time

from sse_starlette import ServerSentEvent

from wayvo_app.api import routes_stream
from wayvo_app.core.times import utcnow
from wayvo_app.services.execution_views import event_micros
from wayvo_app.services.revision_hub import RevisionHub


def _event(micros: int, kind: str, status: str) -> dict:
    return {"id": f"{micros:017d}.3.0", "event": kind, "data": {"status": status}}


async def test_young_events_are_held_back_and_the_stream_ends_after_the_final_status(monkeypatch):
    now = event_micros(utcnow())
    young = _event(now, "execution", "paused")  # stamped just now: may still have older company coming
    reads = iter([([young], "paused"), ([young], "paused"), ([], "paused"), ([], "paused"),
                  ([_event(now + 1, "execution", "success")], "success")])
    cursors = []

    def fake_events_after(execution_id, user_id, cursor):
        cursors.append(cursor)
        return next(reads)

    monkeypatch.setattr(routes_stream, "events_after", fake_events_after)
    hub = RevisionHub(read=lambda ids, who: {}, tick=10)
    old = _event(now - 5_000_000, "execution", "running")
    started, frames = time.monotonic(), []
    async for frame in routes_stream.event_stream("e1", "u1", "", ([old, young], "running"),
                                                  reread=0.05, settle=0.2, revisions=hub):
        frames.append((round(time.monotonic() - started, 2), frame.encode().decode()))
    texts = [f for _, f in frames]
    assert texts[0] == f'id: {old["id"]}\nevent: execution\ndata: {{"status": "running"}}\n\n'
    paused = next(t for t in frames if "paused" in t[1])
    assert paused[0] >= 0.2  # sent only once older than the settle window
    assert texts[-1].startswith(f"id: {now + 1:017d}.3.0") and '"success"' in texts[-1]
    assert cursors[0] == old["id"] and young["id"] in cursors  # resumed reads start after what was sent
    assert sum("paused" in t for t in texts) == 1
    assert hub._subs == {}


async def test_the_response_sends_heartbeat_comments_while_quiet_and_ends_with_the_stream():
    async def quiet_then_done():
        await asyncio.sleep(0.35)
        yield ServerSentEvent('{"status": "success"}', event="execution", id="7", sep="\n")

    sent = []

    async def receive():
        await asyncio.Event().wait()  # the client never hangs up

    async def send(message):
        sent.append(message)

    response = routes_stream.stream_response(quiet_then_done(), 0.1)
    await response({"type": "http", "method": "GET"}, receive, send)
    assert sent[0]["status"] == 200 and (b"content-type", b"text/event-stream; charset=utf-8") in sent[0]["headers"]
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    assert body.count(": heartbeat\n\n") >= 2
    assert body.endswith('id: 7\nevent: execution\ndata: {"status": "success"}\n\n')
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
