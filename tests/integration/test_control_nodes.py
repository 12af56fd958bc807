"""Sleep, Trigger Workflow and Schedule triggers through the engine on a real database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.services import executions as commands
from wayvo_app.services.schedules import fire_due_schedules
from wayvo_app.store import db
from wayvo_app.store.models import Execution, ScheduleFire, utcnow


def _execution(execution_id: str) -> Execution:
    with db.read_session() as s:
        return s.get(Execution, execution_id)


def test_sleep_is_durable_and_wakes_when_its_time_comes(db_url):
    owner = make_user()
    nodes = [node("t", "Trigger"), node("z", "Nap", "Sleep", duration="1h"),
             node("c", "After", "Condition", condition="true")]
    wf = create_workflow(owner, document(nodes, [edge("t", "z"), edge("z", "c")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain()
    assert _execution(result.execution_id).status == "paused"
    drain(clock=lambda: utcnow() + timedelta(minutes=30))  # a new worker: still asleep
    assert _execution(result.execution_id).status == "paused"
    drain(clock=lambda: utcnow() + timedelta(hours=2))
    execution = _execution(result.execution_id)
    assert execution.status == "success" and execution.output == {"result": True}


def test_trigger_workflow_waits_for_the_child_and_returns_its_output(db_url):
    owner = make_user()
    child = create_workflow(owner, document(
        [node("t", "Trigger"), node("c", "Double", "Condition", condition="{{Trigger.n}} > 1")],
        [edge("t", "c")], "Child"))
    parent_nodes = [node("t", "Trigger"),
                    node("w", "Run Child", "Trigger Workflow", workflowId=child, input='{"n": {{Trigger.n}}}',
                         waitForCompletion="true"),
                    node("f", "Fire and forget", "Trigger Workflow", workflowId=child, input='{"n": 0}')]
    parent = create_workflow(owner, document(parent_nodes, [edge("t", "w"), edge("w", "f")], "Parent"))
    result = commands.trigger_workflow(workflow_id=parent, user_name="owner", input={"n": 5})
    drain()
    with db.read_session() as s:
        steps = {st.node_id: st for st in commands.steps_of(s, result.execution_id) if st.status == "success"}
        children = s.exec(select(Execution).where(Execution.parent_execution_id == result.execution_id)).scalars().all()
    assert _execution(result.execution_id).status == "success"
    assert steps["w"].output["status"] == "success" and steps["w"].output["output"] == {"result": True}
    assert steps["f"].output["status"] == "running"
    assert len(children) == 2 and all(c.status == "success" for c in children)


def test_trigger_workflow_of_another_owner_fails(db_url):
    owner = make_user()
    other = make_user("other", roles=())
    foreign = create_workflow(other, document([node("t", "Trigger")], [], "Foreign"))
    wf = create_workflow(owner, document(
        [node("t", "Trigger"), node("w", "Run", "Trigger Workflow", workflowId=foreign)], [edge("t", "w")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain()
    execution = _execution(result.execution_id)
    assert execution.status == "error" and "Workflow not found" in execution.error


def test_schedule_fires_once_even_with_several_workers(db_url):
    owner = make_user()
    wf = create_workflow(owner, document(
        [node("t", "Trigger", triggerType="Schedule", scheduleCron="*/5 * * * *", scheduleTimezone="Europe/Paris"),
         node("c", "Tick", "Condition", condition="true")], [edge("t", "c")], "Every 5 minutes"), publish=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    fired = []
    threads = [threading.Thread(target=lambda: fired.append(fire_due_schedules(now))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fired.append(fire_due_schedules(now))
    with db.read_session() as s:
        fires = s.exec(select(func.count()).select_from(ScheduleFire)).scalar()
        runs = s.exec(select(Execution).where(Execution.workflow_id == wf)).scalars().all()
    assert sum(fired) == 1 and fires == 1 and len(runs) == 1
    assert runs[0].trigger_type == "Schedule" and "scheduledAt" in runs[0].input


def _schedule_doc(name: str, **extra) -> dict:
    tick = node("c", "Tick", "Condition", condition="true", **extra)
    return document([node("t", "Trigger", triggerType="Schedule", scheduleCron="*/5 * * * *"), tick],
                    [edge("t", "c")], name)


def test_one_broken_schedule_does_not_stop_the_others_and_its_owner_sees_why(db_url):
    owner = make_user()
    broken = create_workflow(owner, _schedule_doc("Broken", integrationId="deleted-integration"), publish=True)
    healthy = create_workflow(owner, _schedule_doc("Healthy"), publish=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    assert fire_due_schedules(now) == 1
    assert fire_due_schedules(now) == 0  # the failed fire is recorded once, not retried every pass
    with db.read_session() as s:
        runs = {r.workflow_id: r for r in s.exec(select(Execution)).scalars()}
        fires = s.exec(select(func.count()).select_from(ScheduleFire)).scalar()
    assert set(runs) == {broken, healthy} and fires == 2
    assert runs[healthy].status == "running" and runs[healthy].trigger_type == "Schedule"
    failed = runs[broken]
    assert failed.status == "error" and failed.trigger_type == "Schedule" and failed.completed_at is not None
    assert "Schedule could not start" in failed.error and "invalid integration references" in failed.error


def test_only_published_versions_fire_on_schedule(db_url):
    owner = make_user()
    draft_only = create_workflow(owner, _schedule_doc("Draft only"))
    published = create_workflow(owner, _schedule_doc("Published"), publish=True)
    with db.session() as s:  # the draft moves on to a Manual trigger: the published schedule still fires
        from wayvo_app.services import workflows
        doc = _schedule_doc("Published")
        doc["nodes"][0]["data"]["config"]["triggerType"] = "Manual"
        workflows.update_workflow(s, published, owner, doc)
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    assert fire_due_schedules(now) == 1
    with db.read_session() as s:
        runs = s.exec(select(Execution)).scalars().all()
    assert [r.workflow_id for r in runs] == [published] and draft_only not in {r.workflow_id for r in runs}
