"""The SSE generator: heartbeats on the given interval, young events held until they settle, the end
after the final status; the reads are faked, the hub never fires."""

from __future__ import annotations

import time

from wayvo_app.api import routes_stream
from wayvo_app.core.times import utcnow
from wayvo_app.services.execution_views import event_micros
from wayvo_app.services.revision_hub import RevisionHub


def _event(micros: int, kind: str, status: str) -> dict:
    return {"id": f"{micros:017d}.3.0", "event": kind, "data": {"status": status}}


async def test_heartbeats_hold_back_young_events_and_end_after_the_final_status(monkeypatch):
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
                                                  heartbeat=0.05, settle=0.2, revisions=hub):
        frames.append((round(time.monotonic() - started, 2), frame))
    texts = [f for _, f in frames]
    assert texts[0].startswith(f"id: {old['id']}\nevent: execution\n")
    assert texts.count(": heartbeat\n\n") >= 2
    paused = next(t for t in frames if "paused" in t[1])
    assert paused[0] >= 0.2  # sent only once older than the settle window
    assert texts[-1].startswith(f"id: {now + 1:017d}.3.0") and '"success"' in texts[-1]
    assert cursors[0] == old["id"] and young["id"] in cursors  # resumed reads start after what was sent
    assert sum("paused" in t for t in texts) == 1
    assert hub._subs == {}
