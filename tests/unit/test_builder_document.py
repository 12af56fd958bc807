"""The builder's document edits: add, connect (no loops), move, remove, duplicate, config, rename."""

from __future__ import annotations

import pytest

from wayvo_app.core import document as docs
from wayvo_app.core.graph import parse_document
from wayvo_app.core.validation import validate
from wayvo_app.demo_workflows import ORDER_APPROVAL
from wayvo_app.nodes import default_registry

REGISTRY = default_registry()


def _ids(doc):
    return [n["id"] for n in doc["nodes"]]


def test_empty_document_is_a_valid_manual_trigger():
    doc = docs.empty_document("Mine")
    assert doc["name"] == "Mine" and len(doc["nodes"]) == 1
    assert validate(parse_document(doc), REGISTRY) == []


def test_add_after_a_node_connects_it_below_with_a_unique_label_and_defaults():
    doc = docs.empty_document()
    doc, first = docs.add_node(doc, REGISTRY.get("HTTP Request"), after="trigger", after_spec=REGISTRY.get("trigger"))
    doc, second = docs.add_node(doc, REGISTRY.get("HTTP Request"), after=first,
                                after_spec=REGISTRY.get("HTTP Request"))
    labels = [n["data"]["label"] for n in doc["nodes"]]
    assert labels == ["Trigger", "HTTP Request", "HTTP Request 2"]
    node = doc["nodes"][1]
    assert node["data"]["config"]["actionType"] == "HTTP Request"
    assert node["position"]["y"] == docs.NODE_GAP_Y
    assert [(e["source"], e["target"]) for e in doc["edges"]] == [("trigger", first), (first, second)]


def test_add_after_a_branching_node_uses_its_free_branch_handles():
    doc, cond = docs.add_node(docs.empty_document(), REGISTRY.get("Condition"), after="trigger")
    spec = REGISTRY.get("Condition")
    doc, yes = docs.add_node(doc, REGISTRY.get("Sleep"), after=cond, after_spec=spec)
    doc, no = docs.add_node(doc, REGISTRY.get("Sleep"), after=cond, after_spec=spec)
    handles = {e["target"]: e.get("sourceHandle") for e in doc["edges"] if e["source"] == cond}
    assert handles == {yes: "true", no: "false"}
    positions = {n["id"]: n["position"]["x"] for n in doc["nodes"]}
    assert positions[yes] != positions[no]


def test_the_trigger_cannot_be_added_twice():
    with pytest.raises(docs.EditError):
        docs.add_node(docs.empty_document(), REGISTRY.get("trigger"))


def test_connect_refuses_loops_self_edges_edges_into_the_trigger_and_duplicates():
    doc, a = docs.add_node(docs.empty_document(), REGISTRY.get("Sleep"), after="trigger")
    doc, b = docs.add_node(doc, REGISTRY.get("Sleep"), after=a)
    for source, target, message in ((b, a, "loop"), (a, a, "itself"), (a, "trigger", "trigger"),
                                    (a, b, "already")):
        with pytest.raises(docs.EditError, match=message):
            docs.connect(doc, source, target)
    doc = docs.connect(doc, a, b, "error")  # another handle is another connection
    assert [e.get("sourceHandle") for e in doc["edges"] if e["source"] == a] == [None, "error"]


def test_move_remove_and_the_trigger_stays():
    doc, a = docs.add_node(docs.empty_document(), REGISTRY.get("Sleep"), after="trigger")
    moved = docs.move(doc, {a: {"x": 12.345, "y": 40}, "nope": {"x": 1, "y": 1}})
    assert moved["nodes"][1]["position"] == {"x": 12.3, "y": 40.0}
    assert doc["nodes"][1]["position"] != moved["nodes"][1]["position"]  # inputs are not changed
    removed = docs.remove(moved, ["trigger", a])
    assert _ids(removed) == ["trigger"] and removed["edges"] == []
    edge_id = doc["edges"][0]["id"]
    assert docs.remove(doc, edge_ids=[edge_id])["edges"] == []


def test_duplicate_copies_nodes_and_the_edges_between_them():
    doc, a = docs.add_node(docs.empty_document(), REGISTRY.get("Sleep"), after="trigger")
    doc, b = docs.add_node(doc, REGISTRY.get("Sleep"), after=a)
    doc, new = docs.duplicate(doc, ["trigger", a, b])
    assert len(new) == 2 and len(doc["nodes"]) == 5
    labels = [n["data"]["label"] for n in doc["nodes"]]
    assert len(set(labels)) == 5
    assert any(e["source"] == new[0] and e["target"] == new[1] for e in doc["edges"])


def test_set_config_retry_and_node_properties():
    doc, a = docs.add_node(docs.empty_document(), REGISTRY.get("Sleep"), after="trigger")
    doc = docs.set_config(doc, a, "duration", "5m")
    doc = docs.set_retry(doc, a, "maxAttempts", 3)
    doc = docs.set_node(doc, a, description="Wait a bit", enabled=False)
    data = doc["nodes"][1]["data"]
    assert data["config"]["duration"] == "5m" and data["config"]["retry"] == {"maxAttempts": 3}
    assert data["description"] == "Wait a bit" and data["enabled"] is False
    doc = docs.set_config(docs.set_retry(doc, a, "maxAttempts", ""), a, "duration", "")
    assert "retry" not in doc["nodes"][1]["data"]["config"] and "duration" not in doc["nodes"][1]["data"]["config"]


def test_renaming_a_node_rewrites_references_to_it_and_keeps_the_workflow_valid():
    doc = docs.set_node(ORDER_APPROVAL, "approval", label="Manager OK")
    body = next(n for n in doc["nodes"] if n["id"] == "confirm")["data"]["config"]["body"]
    assert "{{Manager OK.decisions.0.userName}}" in body
    assert validate(parse_document(doc), REGISTRY) == []
    assert "{{Trigger.orderId}}" in doc["nodes"][2]["data"]["config"]["title"]  # the alias stays


def test_rename_rewrites_every_reference_form_and_only_whole_labels():
    text = ("{{Order.id}} {{ Order.total | round }} {{@n1:Order.x}} {{Order 2.id}} {{Orders.id}} "
            "{% if Order.ok %}yes{% endif %}")
    doc = {"name": "x", "nodes": [
        {"id": "t", "type": "trigger", "position": {}, "data": {"label": "Trigger", "type": "trigger", "config": {}}},
        {"id": "n1", "type": "action", "position": {}, "data": {"label": "Order", "config": {"actionType": "Sleep"}}},
        {"id": "n2", "type": "action", "position": {}, "data": {"label": "B", "config": {"text": text}}}],
        "edges": []}
    out = docs.rename_references(doc, "n1", "Order", "Sale")
    assert out["nodes"][2]["data"]["config"]["text"] == (
        "{{Sale.id}} {{ Sale.total | round }} {{@n1:Sale.x}} {{Order 2.id}} {{Orders.id}} "
        "{% if Sale.ok %}yes{% endif %}")


def test_unique_label_never_hands_out_trigger():
    assert docs.unique_label(docs.empty_document(), "Trigger") == "Trigger 2"
