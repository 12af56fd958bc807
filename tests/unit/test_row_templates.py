"""The JSON of trigger_workflow's one-statement start filled from templates (store/row_templates)
is the JSON store/starts writes for the rows planned for that start: the execution's row and its
first steps, whatever the node ids, input and Idempotency-Key hold."""

import json

from tests.helpers import document, edge, node
from wayvo_app.core.graph import parse_document
from wayvo_app.services import starts
from wayvo_app.store import row_templates
from wayvo_app.store import starts as store_starts
from wayvo_app.store.models import new_ids, utcnow

# node ids, an input and a key that a str.format template or a JSON string must keep as they are
_GRAPH = parse_document(document(
    [node("t{0}", "Trigger"), node('a"{1}', "Check", "Condition", condition="true"),
     node("b}{", "Off", "Condition", condition="true", _enabled=False), node("c\\é", "After", "Condition")],
    [edge("t{0}", 'a"{1}'), edge("t{0}", "b}{"), edge("b}{", "c\\é")]))
_INPUT = {"x": '{0} "é" \\', "n": [1, None], "{2}": {}}
_KEY = 'k"{3}\\é'
_EXPECTED = store_starts.Expected("user-1", "space-1", "version-1", "Manual", ("admin",))


def _filled(template: row_templates.RowTemplate, now, key: str | None, ids: list[str]):
    return json.loads(template.fill(now.isoformat(), json.dumps(_INPUT), json.dumps(key) if key else "", ids))


def test_filled_first_steps_are_the_json_of_the_rows_planned_for_that_start():
    stand_in = row_templates.stand_in()
    template = row_templates.steps_template(starts.first_steps(_GRAPH, stand_in.execution_id, stand_in.input,
                                                               stand_in.now)[0], stand_in)
    now, ids = utcnow(), new_ids(template.ids)
    filled = _filled(template, now, None, ids)
    planned = json.loads(json.dumps(store_starts.step_documents(starts.first_steps(_GRAPH, ids[0], _INPUT, now)[0])))
    assert [row.pop("id") for row in filled] == ids[1:]  # each step its own new id
    for row in planned:
        row.pop("id")
    assert filled == planned
    assert [(row["node_id"], row["status"]) for row in filled] == [
        ("t{0}", "success"), ("b}{", "skipped"), ('a"{1}', "pending"), ("c\\é", "pending")]


def test_a_filled_execution_row_is_the_json_of_the_row_of_that_start():
    for key, trigger_type, origin in ((_KEY, "Webhook", None), (None, 'Custom "{0}"', "api")):
        stand_in = row_templates.stand_in()
        template = row_templates.execution_template(starts._values(
            stand_in.execution_id, "workflow-1", "space-1", "version-1", "user-1", trigger_type, stand_in.input,
            stand_in.idempotency_key if key else None, origin, stand_in.now), stand_in)
        now, ids = utcnow(), new_ids(1)
        planned = starts._values(ids[0], "workflow-1", "space-1", "version-1", "user-1", trigger_type, _INPUT, key,
                                 origin, now)
        assert _filled(template, now, key, ids) == json.loads(json.dumps(store_starts.execution_document(planned)))


def test_a_guessed_start_fills_both_with_the_same_ids_and_time():
    version = starts._Version(_GRAPH, None, False)
    starts._versions[_EXPECTED.version_id] = version
    try:
        guess = starts._guess(_EXPECTED, "workflow-1", _INPUT, None, _KEY, None)
    finally:
        del starts._versions[_EXPECTED.version_id]
    execution, steps = json.loads(guess.execution_json), json.loads(guess.steps_json)
    assert execution["id"] == guess.execution_id == steps[0]["execution_id"]
    assert {row["execution_id"] for row in steps} == {guess.execution_id}
    assert len({row["id"] for row in steps} | {guess.execution_id}) == 5
    assert (execution["idempotency_key"], execution["input"], steps[0]["output"]) == (_KEY, _INPUT, _INPUT)
    assert execution["started_at"] == execution["updated_at"] == steps[0]["queued_at"]
    assert (execution["trigger_type"], execution["origin"], guess.notify) == ("Manual", "code", True)
