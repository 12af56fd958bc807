"""The viewers' revision hub: one read per tick for all subscriptions, wakes only the changed ones."""

from __future__ import annotations

import asyncio

from wayvo_app.components.revision_hub import RevisionHub


async def test_one_read_per_tick_wakes_only_subscribers_of_a_changed_execution():
    revisions = {"a": "1", "b": "1"}
    reads: list[list[str]] = []

    def read(ids, who):
        reads.append(sorted(ids))
        return {i: revisions[i] for i in ids if i in revisions}

    hub = RevisionHub(read=read, tick=0.01)
    sub_a, sub_a2, sub_b = hub.subscribe("a", "1"), hub.subscribe("a", "1"), hub.subscribe("b", "1")
    assert await sub_a.wait(0.05) is False
    revisions["a"] = "2"
    assert await sub_a.wait(1) is True and await sub_a2.wait(1) is True
    assert await sub_b.wait(0.05) is False
    assert all(ids == ["a", "b"] for ids in reads)
    del revisions["b"]  # a deleted execution wakes its viewer too
    assert await sub_b.wait(1) is True
    for sub in (sub_a, sub_a2, sub_b):
        hub.unsubscribe(sub)
    await asyncio.sleep(0.05)
    assert hub._task.done()


async def test_close_wakes_the_waiting_loop_at_once():
    hub = RevisionHub(read=lambda ids, who: {i: "1" for i in ids}, tick=0.01)
    sub = hub.subscribe("x", "1")
    asyncio.get_running_loop().call_later(0.02, sub.close)
    assert await sub.wait(5) is True and sub.closed
    hub.unsubscribe(sub)


async def test_each_watching_user_reads_only_for_itself():
    reads: list[tuple[list[str], str]] = []

    def read(ids, who):
        reads.append((sorted(ids), who))
        return {i: "1" for i in ids if who == "owner"}  # "other" may see none of them

    hub = RevisionHub(read=read, tick=0.01)
    mine, theirs = hub.subscribe("a", "1", "owner"), hub.subscribe("a", "1", "other")
    assert await mine.wait(0.05) is False
    assert await theirs.wait(1) is True  # not visible to "other": reads as gone, its viewer re-checks
    assert {(tuple(ids), who) for ids, who in reads} == {(("a",), "owner"), (("a",), "other")}
    hub.unsubscribe(mine)
    hub.unsubscribe(theirs)


async def test_ticks_slow_down_while_nothing_changes_and_speed_up_on_a_change(monkeypatch):
    from wayvo_app.services import revision_hub

    monkeypatch.setattr(revision_hub, "ACTIVE_SECONDS", 0.1)
    revisions, reads = {"a": "1"}, []
    hub = RevisionHub(read=lambda ids, who: reads.append(1) or dict(revisions), tick=0.01, idle_tick=0.2)
    sub = hub.subscribe("a", "1", "owner")
    assert hub._delay() == 0.01  # a new watcher: fast ticks
    await asyncio.sleep(0.15)
    assert hub._delay() == 0.2  # quiet for longer than ACTIVE_SECONDS: slow ticks
    quiet = len(reads)
    await asyncio.sleep(0.45)
    assert len(reads) - quiet <= 3
    revisions["a"] = "2"
    assert await sub.wait(1) is True and hub._delay() == 0.01
    hub.unsubscribe(sub)
