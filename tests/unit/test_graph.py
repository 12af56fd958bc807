"""Workflow documents: parsing, the graph's queries, the JSON round trip, and save-time validation."""

import copy

import pytest

from wayvo_app.core.errors import DocumentValidationError
from wayvo_app.core.graph import Edge, Node, WorkflowGraph, parse_document
from wayvo_app.core.specs import ConfigField, NodeSpec, Registry, RetryPolicy, SelectOption, ShowWhen
from wayvo_app.core.validation import validate

CONDITION = NodeSpec(
    action_type="Condition",
    label="Condition",
    config_fields=(ConfigField("condition", "Condition", required=True),),
    handles=("true", "false"),
)
SEND_SMS = NodeSpec(
    action_type="sms/send",
    label="Send SMS",
    config_fields=(
        ConfigField("phoneNumber", "Phone Number", required=True),
        ConfigField("message", "Message"),
        ConfigField(
            "priority",
            "Priority",
            type="select",
            options=(SelectOption("low", "Low"), SelectOption("high", "High")),
        ),
        ConfigField("retries", "Retries", type="number", min=1),
        ConfigField("channels", "Channels", type="multi-select"),
        ConfigField("schema", "Schema", type="schema-builder"),
        ConfigField("match", "Match", type="match-builder"),
        ConfigField(
            "mode",
            "Mode",
            type="select",
            options=(SelectOption("now", "Now"), SelectOption("later", "Later")),
        ),
        ConfigField("sendAt", "Send At", required=True, show_when=ShowWhen("mode", "later")),
    ),
    retry=RetryPolicy(max_attempts=3),
)
SLEEP = NodeSpec(
    action_type="Sleep",
    label="Sleep",
    config_fields=(ConfigField("duration", "Duration"),),
    validate=lambda config: ["sleeping on Sundays is not allowed"] if config.get("day") == "Sunday" else [],
)
REGISTRY = Registry([CONDITION, SEND_SMS, SLEEP])


def trigger(node_id="t1", label="Start", **config):
    return {
        "id": node_id,
        "type": "trigger",
        "position": {"x": 0, "y": 0},
        "data": {"label": label, "type": "trigger", "config": {"triggerType": "Manual", **config}},
    }


def action(node_id, label, action_type, **config):
    return {
        "id": node_id,
        "type": "action",
        "position": {"x": 0, "y": 150},
        "data": {"label": label, "type": "action", "config": {"actionType": action_type, **config}},
    }


def edge(edge_id, source, target, handle=None):
    raw = {"id": edge_id, "source": source, "target": target}
    if handle is not None:
        raw["sourceHandle"] = handle
    return raw


def document(nodes, edges=()):
    return {"name": "Test", "description": "", "nodes": list(nodes), "edges": list(edges)}


def sms(node_id="a1", label="Send SMS", **config):
    return action(node_id, label, "sms/send", **{"phoneNumber": "+3312345678", **config})


def messages(doc):
    return [problem.message for problem in validate(parse_document(doc), REGISTRY)]


GOOD = document(
    [
        trigger(),
        action("a1", "Check", "Condition", condition="{{Trigger.amount}} > 100"),
        sms("a2", message="Amount {{Start.amount}} ok: {{Check.result}}"),
        action("a3", "Pause", "Sleep", duration="5m"),
    ],
    [
        edge("e1", "t1", "a1"),
        edge("e2", "a1", "a2", "true"),
        edge("e3", "a1", "a3", "false"),
        edge("e4", "a2", "a3"),
    ],
)


# --- parsing and the graph's queries ---


def test_parse_document_reads_nodes_and_edges():
    graph = parse_document(GOOD)
    assert graph.name == "Test"
    assert graph.trigger() == graph.node("t1")
    assert graph.node("t1").action_type == "trigger"
    check = graph.node("a1")
    assert (check.label, check.type, check.action_type, check.enabled) == (
        "Check",
        "action",
        "Condition",
        True,
    )
    assert graph.edges[1] == Edge("e2", "a1", "a2", "true")
    assert graph.by_label("Send SMS").id == "a2"
    assert graph.by_label("Nobody") is None


def test_a_node_is_the_trigger_by_either_type_field():
    raw = trigger()
    raw["type"] = "input"
    assert parse_document(document([raw])).trigger().id == "t1"


def test_disabled_nodes_and_descriptions():
    raw = sms()
    raw["data"]["enabled"] = False
    raw["data"]["description"] = "texts the customer"
    node = parse_document(document([trigger(), raw])).node("a1")
    assert node.enabled is False
    assert node.description == "texts the customer"


def test_graph_queries():
    graph = parse_document(GOOD)
    assert [e.id for e in graph.outgoing("a1")] == ["e2", "e3"]
    assert [e.id for e in graph.incoming("a3")] == ["e3", "e4"]
    assert graph.upstream("a3") == frozenset({"t1", "a1", "a2"})
    assert graph.upstream("t1") == frozenset()
    assert [node.id for node in graph.topological_order()] == ["t1", "a1", "a2", "a3"]
    with pytest.raises(KeyError, match="no node 'zz'"):
        graph.node("zz")


def test_topological_order_refuses_a_cycle():
    doc = copy.deepcopy(GOOD)
    doc["edges"].append(edge("back", "a3", "a1"))
    graph = parse_document(doc)
    assert graph.find_cycle() in (["a1", "a2", "a3", "a1"], ["a1", "a3", "a1"])
    with pytest.raises(ValueError, match="cycle"):
        graph.topological_order()


def test_to_document_round_trips():
    graph = parse_document(GOOD)
    assert parse_document(graph.to_document()) == graph
    assert graph.to_document()["edges"][0] == {"id": "e1", "source": "t1", "target": "a1"}


def test_to_document_of_a_built_graph_writes_the_action_type():
    graph = WorkflowGraph(nodes=(Node("a1", "Nap", "action", "Sleep", {"duration": "1m"}),))
    data = graph.to_document()["nodes"][0]["data"]
    assert data["config"] == {"duration": "1m", "actionType": "Sleep"}
    assert parse_document(graph.to_document()).node("a1").action_type == "Sleep"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("not a document", "Workflow document must be a JSON object"),
        ({"nodes": {"a": 1}}, 'Workflow "nodes" must be a list, found dict'),
        ({"nodes": [{"type": "action"}]}, "Node #1 has no id"),
        ({"nodes": ["x"]}, "Node #1 must be an object"),
        ({"nodes": [{"id": "a", "data": []}]}, 'Node a: "data" must be an object, found list'),
        ({"nodes": [{"id": "a", "data": {"config": "x"}}]}, 'Node a: data: "config" must be an object'),
        ({"nodes": [{"id": "a", "data": {"enabled": "no"}}]}, 'Node a: "enabled" must be true or false'),
        ({"edges": [{"id": "e1", "source": "a"}]}, 'Edge "e1" has no target'),
        ({"edges": "none"}, 'Workflow "edges" must be a list, found str'),
    ],
)
def test_parse_document_rejects_structural_garbage(doc, expected):
    with pytest.raises(DocumentValidationError) as caught:
        parse_document(doc)
    assert expected in [problem.message for problem in caught.value.problems][0]


def test_parse_document_reports_every_structural_problem():
    with pytest.raises(DocumentValidationError) as caught:
        parse_document({"nodes": [{"id": 5}, "x"], "edges": [{}]})
    assert len(caught.value.problems) == 3


# --- validation ---


def test_a_good_workflow_has_no_problems():
    assert validate(parse_document(GOOD), REGISTRY) == []


@pytest.mark.parametrize("count", [0, 2])
def test_exactly_one_trigger(count):
    nodes = [trigger(f"t{i}", f"Start {i}") for i in range(count)]
    assert f"Workflow must have exactly one trigger node, found {count}" in messages(document(nodes))


def test_node_ids_and_labels_must_be_unique_and_labels_non_empty():
    problems = messages(
        document([trigger(), sms("a1"), sms("a1", "Other"), sms("a2", "Send SMS"), sms("a3", " ")])
    )
    assert 'Node id "a1" is used by more than one node' in problems
    assert 'Node "Send SMS" (a2): label is also used by node a1' in problems
    assert "Node a3 has an empty label" in problems


def test_labels_are_case_sensitive():
    assert messages(document([trigger(), sms("a1", "send sms"), sms("a2", "Send SMS")])) == []


def test_only_the_trigger_may_be_called_trigger():
    assert messages(document([trigger(), sms("a1", "Trigger")])) == [
        'Node "Trigger" (a1): the label "Trigger" is reserved for the trigger node'
    ]


def test_cycles_are_named():
    doc = document(
        [trigger(), sms("a1", "One"), sms("a2", "Two")],
        [edge("e1", "t1", "a1"), edge("e2", "a1", "a2"), edge("e3", "a2", "a1")],
    )
    assert 'Workflow has a cycle: "One" (a1) -> "Two" (a2) -> "One" (a1)' in messages(doc)


def test_edges_must_join_existing_nodes_and_not_enter_the_trigger():
    doc = document(
        [trigger(), sms()], [edge("e1", "t1", "zz"), edge("e2", "a1", "t1"), edge("e3", "ghost", "a1")]
    )
    problems = messages(doc)
    assert 'Edge "e1": target "zz" is not a node of this workflow' in problems
    assert 'Edge "e3": source "ghost" is not a node of this workflow' in problems
    assert 'Node "Start" (t1): the trigger cannot have incoming edges (edge "e2")' in problems


def test_source_handles_must_be_offered_by_the_source_node():
    doc = copy.deepcopy(GOOD)
    doc["edges"] += [
        edge("e5", "a1", "a3", "maybe"),
        edge("e6", "a2", "a3", "error"),
        edge("e7", "a2", "a3", "true"),
    ]
    assert messages(doc) == [
        'Node "Check" (a1): edge "e5" leaves by handle "maybe"; allowed handles: "true", "false", "error"',
        'Node "Send SMS" (a2): edge "e7" leaves by handle "true"; allowed handles: "error"',
    ]


def test_action_types_must_be_known():
    doc = document([trigger(), action("a1", "Fax", "fax/send"), action("a2", "Blank", "")])
    assert messages(doc) == [
        'Node "Fax" (a1): Unknown action type "fax/send"',
        'Node "Blank" (a2): no action type is set',
    ]


def test_required_fields_must_be_filled():
    doc = document([trigger(), action("a1", "Send SMS", "sms/send", phoneNumber="  ")])
    [problem] = validate(parse_document(doc), REGISTRY)
    assert problem.message == 'Node "Send SMS" (a1): required field "Phone Number" (phoneNumber) is empty'
    assert (problem.node_id, problem.field) == ("a1", "phoneNumber")


def test_hidden_fields_are_not_required():
    assert messages(document([trigger(), sms(mode="now")])) == []
    assert messages(document([trigger(), sms(mode="later")])) == [
        'Node "Send SMS" (a1): required field "Send At" (sendAt) is empty'
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"priority": "urgent"}, 'field "Priority" (priority) must be one of "low", "high", found "urgent"'),
        ({"retries": "many"}, 'field "Retries" (retries) must be a number, found "many"'),
        ({"retries": 0}, 'field "Retries" (retries) must be at least 1, found 0'),
        ({"channels": "sms,email"}, 'field "Channels" (channels) must be a JSON array'),
        ({"schema": "[1]"}, 'field "Schema" (schema) must be a JSON object'),
        ({"match": 3}, 'field "Match" (match) must be a JSON object'),
    ],
)
def test_field_values_must_fit_their_type(config, expected):
    assert messages(document([trigger(), sms(**config)])) == [f'Node "Send SMS" (a1): {expected}']


def test_well_typed_field_values_pass():
    config = {
        "priority": "high",
        "retries": "2",
        "channels": '["sms"]',
        "schema": {"name": "string"},
        "match": '{"id": "{{Trigger.id}}"}',
    }
    assert (
        messages(
            document([trigger(), sms(**config), sms("a2", "More", channels=["sms"], retries="{{Trigger.n}}")])
        )
        == []
    )


def test_durations_must_parse_unless_templated():
    doc = document(
        [
            trigger(),
            action("a1", "Nap", "Sleep", duration="5 fortnights"),
            action("a2", "Wait", "Sleep", duration="{{Trigger.wait}}"),
            sms("a3", expiresIn="-5m"),
        ]
    )
    assert messages(doc) == [
        'Node "Nap" (a1): field "Duration" (duration): Invalid duration \'5 fortnights\': '
        "expected e.g. 30s, 5m, 24h, 7d",
        'Node "Send SMS" (a3): field "expiresIn": Invalid duration \'-5m\': expected e.g. 30s, 5m, 24h, 7d',
    ]


def test_retry_settings_must_be_valid():
    doc = document(
        [
            trigger(),
            sms("a1", retry={"maxAttempts": 0}),
            sms(
                "a2",
                "Second",
                retry={"maxAttempts": 3, "initialDelay": "{{Trigger.delay}}", "maxDelay": "1m"},
            ),
        ]
    )
    assert messages(doc) == [
        'Node "Send SMS" (a1): Invalid retry setting "maxAttempts": expected a whole number of at least 1, found 0'
    ]


def test_the_spec_validate_hook_adds_problems():
    doc = document([trigger(), action("a1", "Nap", "Sleep", duration="1m", day="Sunday")])
    assert messages(doc) == ['Node "Nap" (a1): sleeping on Sundays is not allowed']


def test_references_must_point_upstream():
    doc = document(
        [
            trigger(),
            sms("a1", "First", message="{{Second.status}} and {{Trigger.x}} and {{Start.y}}"),
            sms("a2", "Second", message="{{First.id}} {{Nobody.x}} {{Second.self}}"),
        ],
        [edge("e1", "t1", "a1"), edge("e2", "a1", "a2")],
    )
    assert messages(doc) == [
        'Node "First" (a1): {{Second.status}} refers to "Second", which is not an upstream node',
        'Node "Second" (a2): {{Nobody.x}} refers to unknown node "Nobody"',
        'Node "Second" (a2): {{Second.self}} refers to "Second", which is not an upstream node',
    ]


def test_references_are_found_in_nested_config_values():
    doc = document(
        [
            trigger(),
            sms("a1", "First"),
            sms("a2", "Second", extra={"list": ["{{First.id}}", {"x": "{{Later.y}}"}]}),
        ],
        [edge("e1", "t1", "a2")],
    )
    problems = validate(parse_document(doc), REGISTRY)
    assert [p.message for p in problems] == [
        'Node "Second" (a2): {{First.id}} refers to "First", which is not an upstream node',
        'Node "Second" (a2): {{Later.y}} refers to unknown node "Later"',
    ]
    assert problems[0].field == "extra"


def test_stored_references_follow_the_node_id_through_renames():
    doc = document(
        [
            trigger(),
            sms("a1", "Renamed"),
            sms("a2", "Second", message="{{@a1:Old Name.id}} {{@zz:Ghost.id}}"),
        ],
        [edge("e1", "t1", "a1"), edge("e2", "a1", "a2")],
    )
    assert messages(doc) == ['Node "Second" (a2): {{@zz:Ghost.id}} refers to unknown node "Ghost"']


def test_the_trigger_is_always_referable():
    doc = document([trigger(), sms("a1", message="{{Trigger.phone}} {{Start.name}}")])  # not even connected
    assert messages(doc) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"triggerType": "Cron"},
            'trigger type "Cron" is not one of "Manual", "Webhook", "Schedule", "DataSource"',
        ),
        ({"triggerType": "Schedule"}, "a Schedule trigger needs a cron expression (scheduleCron)"),
        (
            {"triggerType": "Schedule", "scheduleCron": "every day"},
            'cron expression "every day" (scheduleCron) is not valid',
        ),
        (
            {"triggerType": "Schedule", "scheduleCron": "0 9 * * 1", "scheduleTimezone": "Mars/Olympus"},
            'time zone "Mars/Olympus" (scheduleTimezone) is not a known time zone',
        ),
    ],
)
def test_trigger_config_is_checked(config, expected):
    assert messages(document([trigger(**config)])) == [f'Node "Start" (t1): {expected}']


def test_valid_trigger_configs():
    for config in (
        {"triggerType": ""},
        {"triggerType": "Webhook"},
        {"triggerType": "DataSource"},
        {"triggerType": "Schedule", "scheduleCron": "*/5 * * * *", "scheduleTimezone": "Europe/Paris"},
    ):
        assert messages(document([trigger(**config)])) == [], config


def test_every_problem_is_reported_at_once():
    doc = document(
        [sms("a1", message="{{Nobody.x}}", priority="urgent", phoneNumber=""), action("a2", "Fax", "fax")],
        [edge("e1", "a1", "missing")],
    )
    assert len(messages(doc)) == 6


def test_templates_must_parse():
    doc = document(
        [trigger(), sms(message="{{ 1 + }}"), sms("a2", "Copy", message="{{Send SMS (copy).id}}")],
        [edge("e1", "t1", "a1")],
    )
    assert messages(doc) == [
        'Node "Send SMS" (a1): field "Message" (message): template syntax error: unexpected \'end of print statement\'',
        'Node "Copy" (a2): field "Message" (message): template syntax error: '
        "expected token 'end of print statement', got 'SMS'",
    ]
