"""Issue 16 through the engine on a real database: a zero Sleep continues at once (item 11), an
expression around references computes (item 17), and a template bomb fails its step quickly with
a clear message (item 4, sandbox part)."""

from __future__ import annotations

import time

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution


def _run(nodes, edges, payload=None) -> Execution:
    owner = make_user()
    workflow = create_workflow(owner, document(nodes, edges))
    result = commands.trigger_workflow(workflow_id=workflow, user_name="owner", input=payload or {})
    drain()
    with db.read_session() as s:
        return s.get(Execution, result.execution_id)


def test_a_zero_sleep_continues_at_once(db_url):
    execution = _run([node("t", "Trigger"), node("z", "Nap", "Sleep", duration="0s"),
                      node("c", "After", "Condition", condition="true")], [edge("t", "z"), edge("z", "c")])
    assert execution.status == "success" and execution.output == {"result": True}


def test_an_expression_around_references_computes(db_url):
    execution = _run([node("t", "Trigger"), node("c", "Check", "Condition",
                                                 condition="{{Trigger.n * 2 + 1}} == 11 and {{Trigger.a ~ '-x'}} == 'a-x'")],
                     [edge("t", "c")], {"n": 5, "a": "a"})
    assert execution.status == "success" and execution.output == {"result": True}


def test_a_template_bomb_fails_its_step_quickly_with_a_clear_message(db_url):
    started = time.monotonic()
    execution = _run([node("t", "Trigger"), node("c", "Bomb", "Condition", condition="{{ '%2000000000d' % 1 }} == ''")],
                     [edge("t", "c")])
    assert time.monotonic() - started < 10  # the whole run; the bomb itself is refused before it allocates
    assert execution.status == "error"
    assert 'Node "Bomb": a value in the template would exceed 1 MiB (% width 2000000000)' in execution.error
