"""What the builder shows: palette, node summaries and handles, reference candidates and chips,
sample inputs, config field views and the values the structured editors write."""

from __future__ import annotations

import json

from wayvo_app.components.builder import forms
from wayvo_app.components.builder.canvas import canvas_edges, canvas_nodes
from wayvo_app.components.builder.palette import handles, palette, summary
from wayvo_app.components.builder.refs import chips, reference_candidates, reference_text, sample_input
from wayvo_app.components.builder.trigger import trigger_details
from wayvo_app.core.graph import parse_document
from wayvo_app.core.specs import ConfigField, SelectOption
from wayvo_app.demo_workflows import ORDER_APPROVAL, WEBHOOK_ROUTER
from wayvo_app.nodes import default_registry
from wayvo_app.services.picker_options import dependency_key, normalize

REGISTRY = default_registry()
GRAPH = parse_document(ORDER_APPROVAL)


def test_palette_groups_every_type_but_the_trigger_and_searches():
    groups = palette(REGISTRY)
    types = [item["actionType"] for group in groups for item in group["items"]]
    assert "trigger" not in types and len(types) == len(REGISTRY.all()) - 1
    assert groups[0]["category"] == "Actions"
    found = palette(REGISTRY, "approv")
    assert [i["actionType"] for g in found for i in g["items"]] == ["Request Approval"]
    assert palette(REGISTRY, "no such step") == []


def test_summaries_and_branch_handles():
    http = REGISTRY.get("HTTP Request")
    assert summary(http, {"httpMethod": "POST", "endpoint": "https://x.test/a"}) == "POST https://x.test/a"
    assert summary(REGISTRY.get("trigger"), {"triggerType": "Schedule", "scheduleCron": "0 9 * * *"}) == \
        "Schedule · 0 9 * * * (UTC)"
    assert summary(None, {"actionType": "gone/x"}) == 'Unknown type "gone/x"'
    assert len(summary(REGISTRY.get("Condition"), {"condition": "x" * 200})) <= 60
    assert handles(REGISTRY.get("Condition")) == ["true", "false", "error"]
    assert handles(REGISTRY.get("Request Approval")) == ["approved", "rejected", "expired", "error"]
    assert handles(REGISTRY.get("Sleep")) == ["default", "error"]
    assert handles(REGISTRY.get("trigger")) == ["default"]


def test_canvas_nodes_carry_problems_statuses_and_branch_edges():
    nodes = canvas_nodes(ORDER_APPROVAL, REGISTRY, statuses={"approval": "paused"},
                         problems={"confirm": "bad"})
    by_id = {n["id"]: n for n in nodes}
    assert by_id["trigger"]["deletable"] is False and "wv-trigger" in by_id["trigger"]["className"]
    assert "wv-paused" in by_id["approval"]["className"] and by_id["approval"]["data"]["status"] == "paused"
    assert "wv-invalid" in by_id["confirm"]["className"] and by_id["confirm"]["data"]["problems"] == "bad"
    edges = {e["target"]: e for e in canvas_edges(ORDER_APPROVAL)}
    assert edges["confirm"]["sourceHandle"] == "approved" and "sourceHandle" not in edges["process"]


def test_reference_candidates_list_upstream_outputs_and_the_last_run():
    groups = reference_candidates(GRAPH, "confirm", REGISTRY, {"approval": {"decision": "approved",
                                                                           "decisions": [{"userName": "alice"}]}})
    labels = [g["label"] for g in groups]
    assert labels == ["Trigger", "Process Order", "Request Approval"]
    trigger = groups[0]
    assert {i["path"] for i in trigger["items"]} >= {"orderId", "amount", "customerEmail"}
    approval = {i["path"]: i for i in groups[2]["items"]}
    assert approval["decision"]["insert"] == "{{Request Approval.decision}}"
    assert approval["decision"]["sample"] == "approved"
    assert approval["decisions.0.userName"]["sample"] == "alice"
    # a node sees neither itself nor what comes after it
    assert [g["label"] for g in reference_candidates(GRAPH, "process", REGISTRY)] == ["Trigger"]


def test_reference_picker_samples_are_json():
    """Defect 8 (issue 17): samples read as JSON (true, null, {"a": 1}), never Python's True/None."""
    outputs = {"approval": {"decision": None, "decisions": [{"final": True, "meta": {"a": 1}}]}}
    approval = {i["path"]: i for i in reference_candidates(GRAPH, "confirm", REGISTRY, outputs)[2]["items"]}
    assert approval["decision"]["sample"] == "null"
    assert approval["decisions.0.final"]["sample"] == "true"
    assert approval["decisions.0.meta"]["sample"] == '{"a": 1}'


def test_labels_that_would_not_parse_use_the_stored_form():
    assert reference_text("Check (A)", "n1", "x") == "{{@n1:Check (A).x}}"
    assert reference_text("Send Email", "n1", "messageId") == "{{Send Email.messageId}}"


def test_chips_mark_references_that_are_not_upstream():
    found = chips(GRAPH, "process", "{{Trigger.amount}} {{Request Approval.decision}} {{Nope.x}}")
    assert [(c["text"], c["ok"]) for c in found] == [("Trigger › amount", True),
                                                      ("Request Approval › decision", False), ("Nope › x", False)]
    assert chips(GRAPH, "approval", "Approval needed: {{title}}", ("title",))[0]["ok"]
    assert chips(GRAPH, "process", "plain text") == []


def test_sample_input_from_the_schema_or_from_trigger_references():
    assert sample_input(GRAPH) == {"amount": "", "orderId": "", "customerEmail": ""}
    doc = json.loads(json.dumps(WEBHOOK_ROUTER))
    doc["nodes"][0]["data"]["config"]["inputSchema"] = json.dumps(
        {"type": "object", "properties": {"amount": {"type": "number"}, "vip": {"type": "boolean"}}})
    assert sample_input(parse_document(doc)) == {"amount": 0, "vip": False}


def test_field_views_cover_every_type():
    query = REGISTRY.get("DataSource Query")
    options = lambda f: [{"value": "status", "label": "Status"}]  # noqa: E731
    views = {v["key"]: v for v in forms.panel_fields(
        query, {"datasourceId": "Orders", "match": '{"status": "open"}', "select": '["id", "status"]', "limit": 5},
        options)}
    assert views["match"]["pairs"] == [{"attribute": "status", "value": "open"}]
    assert views["select"]["selected"] == ["id", "status"]
    assert views["limit"]["value"] == "5"
    update = REGISTRY.get("DataSource Update")
    row = forms.panel_fields(update, {"row": json.dumps({"id": "{{Trigger.id}}", "status": "done", "_status": "U"})},
                             options, ([{"value": "id", "label": "Id"}], ["id"]))[1]
    assert row["keys"] == [{"name": "id", "label": "Id", "value": "{{Trigger.id}}"}]
    assert row["pairs"] == [{"attribute": "status", "value": "done"}]
    trigger = forms.panel_fields(REGISTRY.get("trigger"), {"triggerType": "Manual"}, options)
    assert [v["key"] for v in trigger] == ["triggerType", "inputSchema"]  # show_when hides the schedule


def test_structured_editors_write_json_text():
    pairs = [{"attribute": "status", "value": "open"}, {"attribute": "", "value": "x"},
             {"attribute": "total", "value": '{"gt": 5}'}]
    assert json.loads(forms.pairs_value(pairs)) == {"status": "open", "total": {"gt": 5}}
    assert forms.pairs_value([]) == ""
    assert forms.list_value(["a", "b", "a"]) == '["a", "b"]' and forms.list_value([]) == ""
    keys = [{"name": "id", "value": "{{Trigger.id}}"}]
    assert json.loads(forms.row_value("update", keys, pairs[:1])) == {"id": "{{Trigger.id}}", "status": "open",
                                                                     "_status": "U"}
    assert json.loads(forms.row_value("insert", keys, pairs[:1])) == [{"id": "{{Trigger.id}}", "status": "open"}]
    assert json.loads(forms.row_value("delete", keys, pairs[:1])) == [{"id": "{{Trigger.id}}"}]
    schema = forms.schema_value([{"name": "amount", "type": "number", "required": True, "description": "EUR"},
                                 {"name": "", "type": "string"}])
    assert json.loads(schema) == {"type": "object", "properties": {"amount": {"type": "number",
                                                                              "description": "EUR"}},
                                  "required": ["amount"]}
    assert forms.schema_rows(schema)[0] == {"name": "amount", "type": "number", "required": True,
                                            "description": "EUR"}
    assert forms.number_value("3") == 3 and forms.number_value("2.5") == 2.5
    assert forms.number_value("{{Trigger.n}}") == "{{Trigger.n}}"


def test_options_normalize_and_depend_only_on_their_keys():
    assert normalize([SelectOption("a", "A"), ("b", "B"), {"value": "c"}, "d", {"value": "a"}]) == [
        {"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "c"},
        {"value": "d", "label": "d"}]
    field = ConfigField("select", "Fields", type="multi-select", options_dependency_keys=("datasourceId",),
                        get_options=lambda c: [])
    assert dependency_key(field, {"datasourceId": "A", "select": "[1]"}) == \
        dependency_key(field, {"datasourceId": "A", "select": "[2]"})
    assert dependency_key(field, {"datasourceId": "A"}) != dependency_key(field, {"datasourceId": "B"})


def test_trigger_details_webhook_url_and_schedule_fires():
    from datetime import UTC, datetime

    hook = trigger_details("wf1", {"triggerType": "Webhook"}, hook_url="http://x/api/hooks/whk_1")
    assert hook["url"] == "http://x/api/hooks/whk_1" and "curl -X POST 'http://x/api/hooks/whk_1'" in hook["curl"]
    assert hook["keyUrl"].endswith("/api/workflows/wf1/webhook") and "Authorization" not in hook["curl"]
    signed = trigger_details("wf1", {"triggerType": "Webhook", "webhookSignature": "timestamped"}, hook_url="u")
    assert "-H 'Stripe-Signature: t=<unix time>,v1=<hex HMAC of t.body>'" in signed["curl"]
    sched = trigger_details("wf1", {"triggerType": "Schedule", "scheduleCron": "0 9 * * *",
                                    "scheduleTimezone": "Europe/Berlin"}, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert sched["fires"][0] == "Wed 2025-01-01 09:00 Europe/Berlin" and len(sched["fires"]) == 5
    assert trigger_details("wf1", {"triggerType": "Schedule", "scheduleCron": "nope"})["cronError"]
    assert trigger_details("wf1", {"triggerType": "Schedule", "scheduleCron": "* * * * *",
                                   "scheduleTimezone": "Mars/Base"})["cronError"]
