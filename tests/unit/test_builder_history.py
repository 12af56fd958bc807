"""Undo/redo of the builder: one step per edit, typing in one field coalesces, redo cleared by edits."""

from __future__ import annotations

from wayvo_app.components.builder import history as builder_history
from wayvo_app.components.builder.history import History


def test_undo_redo_and_coalescing(monkeypatch):
    clock = iter([0.0, 0.5, 1.0, 5.0, 9.0, 9.1])
    monkeypatch.setattr(builder_history.time, "monotonic", lambda: next(clock))
    h = History()
    h.record({"v": 0}, "n1:title")   # t=0
    h.record({"v": 1}, "n1:title")   # t=0.5: same field, coalesced
    h.record({"v": 2}, "n1:title")   # t=1.0: still coalesced
    h.record({"v": 3}, "n1:body")    # t=5: another field
    assert [d["v"] for d in h.undo] == [0, 3]
    assert h.step({"v": 4}, back=True) == {"v": 3}
    assert h.step({"v": 3}, back=False) == {"v": 4}
    h.step({"v": 4}, back=True)
    h.record({"v": 3}, "")           # t=9: a new edit forgets what could be redone
    assert h.redo == [] and h.step({"v": 5}, back=False) is None


def test_histories_are_per_tab_and_workflow_and_bounded(monkeypatch):
    monkeypatch.setattr(builder_history, "MAX_TABS", 2)
    builder_history._histories.clear()
    a = builder_history.history("tab1", "wf")
    assert builder_history.history("tab1", "wf") is a
    builder_history.history("tab2", "wf")
    builder_history.history("tab3", "wf")
    assert ("tab1", "wf") not in builder_history._histories
    builder_history.forget("tab3", "wf")
    assert list(builder_history._histories) == [("tab2", "wf")]
