"""Pure pieces of the viewer: canvas nodes and edges by status, value views, the curl line, durations."""

from __future__ import annotations

import shlex
import subprocess

from wayvo_app.components.viewer.canvas import flow_edges, flow_nodes
from wayvo_app.components.viewer.data import curl_line, value_view
from wayvo_app.core.graph import parse_document
from wayvo_app.core.times import format_ms


def _graph():
    return parse_document({"nodes": [
        {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {"label": "Trigger", "type": "trigger"}},
        {"id": "c", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Check", "config": {"actionType": "Condition"}}},
        {"id": "yes", "type": "action", "position": {"x": -100, "y": 200},
         "data": {"label": "Yes", "config": {"actionType": "Sleep"}}},
        {"id": "no", "type": "action", "position": {"x": 100, "y": 200},
         "data": {"label": "No", "config": {"actionType": "Sleep"}}}],
        "edges": [{"id": "e1", "source": "t", "target": "c"},
                  {"id": "e2", "source": "c", "target": "yes", "sourceHandle": "true"},
                  {"id": "e3", "source": "c", "target": "no", "sourceHandle": "false"}]})


def test_nodes_carry_status_classes_attempts_and_selection():
    statuses = {"t": "success", "c": "error", "yes": "skipped"}
    nodes = {n["id"]: n for n in flow_nodes(_graph(), statuses, {"c": 3}, selected="c",
                                             step_status={"yes": "cancelled"})}
    assert nodes["t"]["type"] == "input" and nodes["yes"]["type"] == "output"
    assert nodes["c"]["className"] == "wv-node wv-error" and nodes["c"]["selected"] is True
    assert nodes["c"]["data"]["label"] == "Check\nerror · attempt 3"
    assert nodes["no"]["data"]["label"] == "No\nidle" and "wv-idle" in nodes["no"]["className"]
    assert nodes["yes"]["data"]["label"] == "Yes\ncancelled" and "wv-skipped" in nodes["yes"]["className"]


def test_branch_edges_show_their_handle_as_a_label_and_colour_the_path_taken():
    edges = {e["id"]: e for e in flow_edges(_graph(), {"t": "success", "c": "success", "yes": "running",
                                                       "no": "skipped"})}
    assert "sourceHandle" not in edges["e2"] and edges["e2"]["label"] == "true"
    assert edges["e2"]["animated"] is True and edges["e1"]["className"] == "wv-edge wv-edge-taken"
    assert edges["e3"]["className"] == "wv-edge wv-edge-idle" and "label" not in edges["e1"]


def test_values_collapse_when_long_and_preview_compactly():
    short = value_view({"a": 1})
    assert short == {"text": '{\n  "a": 1\n}', "long": False, "preview": '{"a": 1}'}
    long = value_view({"items": list(range(50))})
    assert long["long"] is True and long["preview"].endswith("…") and len(long["preview"]) <= 90
    assert value_view(None) == {"text": "", "long": False, "preview": ""}


def test_curl_line_is_a_valid_shell_command():
    line = curl_line("http://localhost:3000", "pay'ments", "order-1")
    words = shlex.split(line)
    assert words[:3] == ["curl", "-X", "POST"] and "http://localhost:3000/api/workflow/events/signal" in words
    assert words[-1] == '{"eventNamespace": "pay\'ments", "eventKey": "order-1", "payload": {}}'


def test_curl_line_lets_the_shell_expand_the_api_key():
    """Defect 3 (issue 17): inside single quotes `$WAYVO_API_KEY` reached the server as is (401)."""
    line = curl_line("http://localhost:3000", "payments", "order-1")
    echo = subprocess.run(["bash", "-c", "curl() { printf '%s\\n' \"$@\"; }; " + line],
                          env={"WAYVO_API_KEY": "wfb_secret", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=True).stdout.splitlines()
    assert "Authorization: Bearer wfb_secret" in echo


def test_durations_read_naturally():
    assert [format_ms(v) for v in (None, 12, 3400, 125_000, 3_780_000, 2 * 86_400_000)] == [
        "–", "12 ms", "3.4 s", "2 min 5 s", "1 h 3 min", "2 d 0 h"]
