"""Step data in the builder on a real database: the newest run's input, output and error per step,
"Test this step" with the upstream outputs of that run or the trigger's pinned sample (recorded as
the step's data, no execution created, database writes rolled back), and the Schedule trigger's
last failed fire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import BadRequestError, WorkflowNotFoundError
from wayvo_app.services import builder as builder_session
from wayvo_app.services import step_data, workflows
from wayvo_app.services.schedule_status import last_fire_failure
from wayvo_app.services.schedules import fire_due_schedules
from wayvo_app.store import db
from wayvo_app.store.models import Execution, StepSample


def _doc(condition: str = "{{Trigger.amount}} > 10") -> dict:
    return document([node("t", "Trigger"), node("c", "Check", "Condition", condition=condition),
                     node("s", "Nap", "Sleep", duration="1h")], [edge("t", "c"), edge("c", "s", "true")], "Data")


def _executions() -> int:
    with db.read_session() as s:
        return s.exec(select(func.count()).select_from(Execution)).scalar_one()


def test_the_newest_run_gives_each_step_its_input_output_and_error(db_url):
    owner = make_user()
    wf = create_workflow(owner, _doc())
    assert step_data.step_data(wf, owner) == {"execution": {}, "steps": {}}
    execution_id = builder_session.run(wf, owner, {"amount": 50})
    drain()
    data = step_data.step_data(wf, owner)
    assert data["execution"]["id"] == execution_id
    steps = data["steps"]
    assert steps["t"]["output"] == {"amount": 50} and steps["t"]["source"] == "run"
    assert steps["c"]["status"] == "success" and steps["c"]["output"] == {"result": True}
    assert steps["c"]["input"] == {"condition": "{{Trigger.amount}} > 10", "result": True}
    assert steps["s"]["status"] == "paused"
    assert step_data.outputs_of(data) == {"t": {"amount": 50}, "c": {"result": True}}
    stranger = make_user("stranger", roles=())
    with pytest.raises(WorkflowNotFoundError):
        step_data.step_data(wf, stranger)


def test_testing_a_step_uses_the_last_run_and_creates_no_execution(db_url):
    owner = make_user()
    wf = create_workflow(owner, _doc())
    builder_session.run(wf, owner, {"amount": 50})
    drain()
    builder_session.save_draft(wf, owner, _doc("{{Trigger.amount}} > 100"))  # the draft changed since the run
    before = _executions()
    data = step_data.test_step(wf, owner, "c")
    assert _executions() == before
    tested = data["steps"]["c"]
    assert tested["source"] == "test" and tested["status"] == "success" and tested["output"] == {"result": False}
    assert data["steps"]["t"]["source"] == "run"  # the run's data of the other steps stays

    # A step that would pause says so, and nothing waits.
    paused = step_data.test_step(wf, owner, "s")["steps"]["s"]
    assert paused["status"] == "paused" and "sleep" in paused["note"] and _executions() == before
    with pytest.raises(BadRequestError, match="pin a sample input"):
        step_data.test_step(wf, owner, "t")


def test_a_pinned_trigger_sample_feeds_the_test_before_any_run(db_url):
    owner = make_user()
    wf = create_workflow(owner, _doc())
    with pytest.raises(BadRequestError, match="JSON object"):
        step_data.pin_sample(wf, owner, "t", [1, 2])
    pinned = step_data.pin_sample(wf, owner, "t", {"amount": 500})
    assert pinned["steps"]["t"]["source"] == "pin" and pinned["steps"]["t"]["output"] == {"amount": 500}
    tested = step_data.test_step(wf, owner, "c")["steps"]["c"]
    assert tested["output"] == {"result": True}
    failing = create_workflow(owner, _doc("{{Trigger.missing.deeper}} > 1"))
    step_data.pin_sample(failing, owner, "t", {"amount": 1})
    error = step_data.test_step(failing, owner, "c")["steps"]["c"]
    assert error["status"] == "error" and error["error"]
    assert step_data.pin_sample(wf, owner, "t", None)["steps"]["c"]["source"] == "test"
    # Deleting the workflow deletes its step data too.
    with db.session() as s:
        workflows.delete_workflow(s, wf, owner)
    with db.read_session() as s:
        assert s.exec(select(StepSample).where(StepSample.workflow_id == wf)).first() is None


def test_a_test_of_a_datasource_write_is_rolled_back(db_url):
    owner = make_user()
    target = create_workflow(owner, document([node("t", "Trigger")], [], "Child"))
    wf = create_workflow(owner, document([node("t", "Trigger"), node("w", "Start child", "Trigger Workflow",
                                                                          workflowId=target)], [edge("t", "w")]))
    before = _executions()
    tested = step_data.test_step(wf, owner, "w")["steps"]["w"]
    assert _executions() == before
    assert tested["status"] == "success" and "rolled back" in tested["note"], tested


def test_the_schedule_panel_shows_the_newest_failed_fire_until_a_fire_starts(db_url):
    owner = make_user()
    broken = document([node("t", "Trigger", triggerType="Schedule", scheduleCron="*/5 * * * *"),
                       node("c", "Tick", "Condition", condition="true", integrationId="gone")], [edge("t", "c")])
    wf = create_workflow(owner, broken, publish=True)
    assert last_fire_failure(wf, owner) == {}
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    fire_due_schedules(now)
    failure = last_fire_failure(wf, owner)
    assert "Schedule could not start" in failure["error"]
    assert failure["href"] == f"/workflows/executions/{failure['executionId']}"
    fixed = document([node("t", "Trigger", triggerType="Schedule", scheduleCron="*/5 * * * *"),
                      node("c", "Tick", "Condition", condition="true")], [edge("t", "c")])
    with db.session() as s:
        workflows.update_workflow(s, wf, owner, fixed)
        workflows.publish_workflow(s, wf, owner)
    fire_due_schedules(now + timedelta(minutes=5))
    assert last_fire_failure(wf, owner) == {}
