"""The first steps of a start made from a version's template (store/starts.StepsTemplate, used by
trigger_workflow's one-statement start) are the JSON the rows planned for that start would give."""

import json

from tests.helpers import document, edge, node
from wayvo_app.core.graph import parse_document
from wayvo_app.services.starts import first_steps
from wayvo_app.store import starts as store_starts
from wayvo_app.store.models import new_id, utcnow

# node ids that a str.format template or a JSON string must keep as they are
_GRAPH = parse_document(document(
    [node("t{0}", "Trigger"), node('a"{1}', "Check", "Condition", condition="true"),
     node("b}{", "Off", "Condition", condition="true", _enabled=False), node("c\\é", "After", "Condition")],
    [edge("t{0}", 'a"{1}'), edge("t{0}", "b}{"), edge("b}{", "c\\é")]))


def test_a_filled_template_is_the_json_of_the_rows_planned_for_that_start():
    stand_in = store_starts.stand_in()
    template = store_starts.steps_template(first_steps(_GRAPH, stand_in.execution_id, stand_in.input,
                                                       stand_in.now)[0], stand_in)
    execution_id, now, input = new_id(), utcnow(), {"x": '{0} "é" \\', "n": [1, None], "{2}": {}}
    filled = json.loads(template.fill(execution_id, now, json.dumps(input)))
    planned = json.loads(json.dumps(store_starts._step_documents(first_steps(_GRAPH, execution_id, input, now)[0])))
    filled_ids, planned_ids = [row.pop("id") for row in filled], [row.pop("id") for row in planned]
    assert not set(filled_ids) & set(planned_ids)  # the template's steps get ids of their own
    assert filled == planned
    assert [(row["node_id"], row["status"]) for row in filled] == [
        ("t{0}", "success"), ("b}{", "skipped"), ('a"{1}', "pending"), ("c\\é", "pending")]


def test_each_fill_has_new_step_ids():
    stand_in = store_starts.stand_in()
    template = store_starts.steps_template(first_steps(_GRAPH, stand_in.execution_id, stand_in.input,
                                                       stand_in.now)[0], stand_in)
    ids = [row["id"] for _ in range(3) for row in json.loads(template.fill(new_id(), utcnow(), "{}"))]
    assert len(set(ids)) == len(ids) == 12
