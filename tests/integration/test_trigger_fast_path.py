"""trigger_workflow's fast path (services/starts.py: a published workflow started outside a caller's
transaction) writes what the general path writes and makes the same checks: quota, idempotency,
an API key's workspace, the Active switch, integrations, the input schema. On PostgreSQL it is two
statements and no explicit transaction (each statement autocommits)."""

from __future__ import annotations

import json
from collections import OrderedDict

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from tests.integration.test_sms_plugin import _workflow, provider, setup  # noqa: F401  (the fixtures)
from wayvo_app.core.errors import (
    InvalidIntegrationReferencesError,
    NotFoundError,
    QuotaExceededError,
    ValidationError,
    WorkflowInactiveError,
    WorkflowNotFoundError,
)
from wayvo_app.engine import metrics, wakeup
from wayvo_app.services import executions as commands
from wayvo_app.services import integrations, starts, user_admin, workflows, workspaces
from wayvo_app.store import db
from wayvo_app.store import starts as store_starts
from wayvo_app.store.models import Execution, User, Workflow, WorkflowVersion


def _chain_document(**trigger_config) -> dict:
    return document([node("t", "Trigger", **trigger_config), node("a", "Check", "Condition", condition="true"),
                     node("b", "Off", "Condition", condition="true", _enabled=False),
                     node("c", "After", "Condition", condition="true")],
                    [edge("t", "a"), edge("t", "b"), edge("b", "c")])


def _chain(owner: str, publish: bool = True, **trigger_config) -> str:
    return create_workflow(owner, _chain_document(**trigger_config), publish=publish)


_STEPS = text("SELECT node_id, attempt, status, CAST(handles AS TEXT), CAST(input AS TEXT), CAST(output AS TEXT), "
              "error, wait_kind, recoveries, run_at IS NULL, started_at IS NULL, finished_at IS NULL, lease_owner, "
              "queued_at = :at FROM execution_steps WHERE execution_id = :id ORDER BY node_id")
_EXECUTION = text("SELECT status, trigger_type, CAST(input AS TEXT), output IS NULL, error, parent_execution_id, "
                  "retry_of_id, idempotency_key, origin, completed_at IS NULL, started_at = updated_at, "
                  "workflow_id, workspace_id, version_id, user_id FROM executions WHERE id = :id")


def _written(execution_id: str) -> tuple:
    with db.get_engine().connect() as conn:
        execution = conn.execute(_EXECUTION, {"id": execution_id}).one()
        started = conn.execute(text("SELECT started_at FROM executions WHERE id = :id"), {"id": execution_id}).scalar()
        steps = conn.execute(_STEPS, {"id": execution_id, "at": started}).all()
    # JSON columns compared parsed, JSON null told apart from SQL NULL (None)
    as_json = [("json", json.loads(v)) if v is not None and i in (3, 4, 5) else v
               for row in steps for i, v in enumerate(row)]
    return tuple(execution[:2]) + (json.loads(execution[2]),) + tuple(execution[3:]), as_json


def test_the_fast_path_writes_what_the_general_path_writes(db_url):
    owner = make_user()
    wf = _chain(owner)
    fast = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"x": "é", "n": [1, None]},
                                     idempotency_key="k1")
    with db.session() as s:  # the caller's transaction: the general path (start_execution)
        general = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"x": "é", "n": [1, None]},
                                            session=s, idempotency_key="k2")
    # on PostgreSQL the next start assumes what this one found: one statement, its steps from the
    # version's template (store/row_templates)
    guessed = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"x": "é", "n": [1, None]},
                                        idempotency_key="k3")
    (fast_execution, fast_steps), (general_execution, general_steps) = _written(fast.execution_id), \
        _written(general.execution_id)
    guessed_execution, guessed_steps = _written(guessed.execution_id)
    assert fast_execution[:7] + fast_execution[8:] == general_execution[:7] + general_execution[8:]
    assert guessed_execution[:7] + guessed_execution[8:] == general_execution[:7] + general_execution[8:]
    assert (fast_execution[7], general_execution[7], guessed_execution[7]) == ("k1", "k2", "k3")
    assert fast_steps == general_steps == guessed_steps
    rows = _rows(fast_steps)
    assert [row[:3] for row in rows] == [("a", 1, "pending"), ("b", 1, "skipped"), ("c", 1, "pending"),
                                         ("t", 1, "success")]
    # A None in a JSON column is JSON null, as SQLAlchemy's JSON type writes it elsewhere (insert_steps).
    assert rows[0][3:6] == (("json", None),) * 3
    assert rows[3][3:6] == (("json", ["default"]), ("json", {"x": "é", "n": [1, None]}),
                            ("json", {"x": "é", "n": [1, None]}))
    drain()
    with db.read_session() as s:
        assert s.get(Execution, fast.execution_id).status == "success"


def _rows(flat: list) -> list[tuple]:
    width = 14
    return [tuple(flat[i:i + width]) for i in range(0, len(flat), width)]


def test_the_fast_path_counts_and_wakes_local_workers(db_url):
    owner = make_user()
    wf = _chain(owner)
    woken = []
    unsubscribe = wakeup.subscribe(lambda: woken.append(1))
    counter = metrics.EXECUTIONS_STARTED.labels(wf, "Manual")
    before = counter._value.get()
    try:
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}, idempotency_key="once")
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}, idempotency_key="once")
    finally:
        unsubscribe()
    assert woken == [1]  # the repeat started nothing
    assert counter._value.get() == before + 1


def test_a_repeated_idempotency_key_returns_the_first_execution(db_url):
    owner = make_user()
    wf = _chain(owner)
    first = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"a": 1}, idempotency_key="same")
    again = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"a": 2}, idempotency_key="same")
    other = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"a": 3}, idempotency_key="other")
    assert again.execution_id == first.execution_id != other.execution_id
    with db.read_session() as s:
        assert s.query(Execution).count() == 2


def test_a_raced_idempotency_key_answers_the_first_execution(db_url, monkeypatch):
    """Two starts with one key that both read "not started yet": the unique index refuses the
    second insert (an IntegrityError, as SQLAlchemy raises it, from the driver's error) and the
    second caller gets the first execution."""
    owner = make_user()
    wf = _chain(owner)
    first = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}, idempotency_key="race")
    read = store_starts.start_context
    monkeypatch.setattr(store_starts, "start_context", lambda *a: read(*a)._replace(first_id=None))
    monkeypatch.setattr(starts, "_expected", OrderedDict())  # nothing known: the two-statement path
    with pytest.raises(IntegrityError):
        starts.try_trigger(wf, "owner", {}, None, None, "race", None, None)
    assert commands.trigger_workflow(workflow_id=wf, user_name="owner", input={},
                                     idempotency_key="race").execution_id == first.execution_id
    with db.read_session() as s:
        assert s.query(Execution).count() == 1


def test_the_running_quota_holds_on_the_fast_path(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", "2")
    owner = make_user()
    wf = _chain(owner)
    for _ in range(2):
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})
    with pytest.raises(QuotaExceededError, match="WAYVO_MAX_RUNNING_PER_WORKSPACE") as refused:
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})
    assert refused.value.retry_after == 5 and "2 executions running" in refused.value.message
    drain()  # both finish: the workspace may start again
    assert commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}).status == "running"


def test_the_fast_path_refuses_what_the_general_path_refuses(db_url):
    owner = make_user()
    make_user("stranger", roles=())
    wf = _chain(owner)
    with pytest.raises(WorkflowNotFoundError):
        commands.trigger_workflow(workflow_id=wf, user_name="nobody", input={})
    with pytest.raises(WorkflowNotFoundError):
        commands.trigger_workflow(workflow_id="no-such-workflow", user_name="owner", input={})
    with pytest.raises(WorkflowNotFoundError):  # not a member of the workflow's workspace
        commands.trigger_workflow(workflow_id=wf, user_name="stranger", input={})
    with pytest.raises(WorkflowNotFoundError):  # an API key of another workspace
        commands.trigger_in("another-workspace", workflow_id=wf, user_name="owner", input={})
    with pytest.raises(NotFoundError, match="Workflow version 7 not found"):
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}, version=7)
    with db.session() as s:
        workflows.set_active(s, wf, owner, False)
    with pytest.raises(WorkflowInactiveError):
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})
    with db.read_session() as s:
        assert s.query(Execution).count() == 0


def test_the_input_schema_is_checked_on_the_fast_path(db_url):
    owner = make_user()
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    wf = _chain(owner, inputSchema=json.dumps(schema))
    with pytest.raises(ValidationError):
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"n": "x"})
    assert commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"n": 1}).status == "running"


def test_an_explicit_version_and_a_draft_run(db_url):
    owner = make_user()
    wf = _chain(owner)
    pinned = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={}, version=1)
    draft_wf = _chain(owner, publish=False)  # no published version: the general path makes the draft's
    draft = commands.trigger_workflow(workflow_id=draft_wf, user_name="owner", input={})
    only_trigger = create_workflow(owner, document([node("t", "Trigger")], [], "Alone"), publish=True)
    over = commands.trigger_workflow(workflow_id=only_trigger, user_name="owner", input={"v": 1})
    with db.read_session() as s:
        assert s.get(Execution, pinned.execution_id).version_id is not None
        assert s.get(Execution, draft.execution_id).status == "running"
        assert s.get(Execution, over.execution_id).status == "success"  # over at once (the general path)
        assert s.get(Workflow, draft_wf).published_version is None


def test_integrations_are_checked_at_every_start_on_the_fast_path(setup):  # noqa: F811
    workflow_id = _workflow(setup["alice"], setup["integration"])
    with db.session() as s:
        workflows.publish_workflow(s, workflow_id, setup["alice"])
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="alice", input={})
    assert started.status == "running"
    integrations.remove_integration(setup["alice"], setup["integration"])
    with pytest.raises(InvalidIntegrationReferencesError):
        commands.trigger_workflow(workflow_id=workflow_id, user_name="alice", input={})


def test_what_changed_since_the_last_start_is_seen(db_url):
    """A start assumes what the last one found (one statement on PostgreSQL) and sees every change:
    a new version, a member removed, a user disabled, the workflow switched off."""
    owner = make_user()
    helper = make_user("helper", roles=())
    with db.session() as s:
        workspace_id = workspaces.create_workspace(s, owner, "Team")["id"]
        workspaces.set_member(s, workspace_id, owner, "helper", "operator")
        wf = workflows.create_workflow(s, owner, _chain_document(), workspace_id).id
        workflows.publish_workflow(s, wf, owner)
    first = commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    again = commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    with db.session() as s:
        workflows.publish_workflow(s, wf, owner)
    newer = commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    with db.read_session() as s:
        pinned = [s.get(Execution, e.execution_id).version_id for e in (first, again, newer)]
        numbers = {v.id: v.version for v in s.exec(select(WorkflowVersion)).scalars()}
    assert [numbers[v] for v in pinned] == [1, 1, 2]
    commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})
    with db.session() as s:
        user_admin.set_disabled(s, s.get(User, helper), True)
    with pytest.raises(WorkflowNotFoundError):
        commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    with db.session() as s:
        user_admin.set_disabled(s, s.get(User, helper), False)
    commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    with db.session() as s:
        workspaces.remove_member(s, workspace_id, owner, "helper")
    with pytest.raises(WorkflowNotFoundError):
        commands.trigger_workflow(workflow_id=wf, user_name="helper", input={})
    with db.session() as s:
        workflows.set_active(s, wf, owner, False)
    with pytest.raises(WorkflowInactiveError):
        commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})
    with db.read_session() as s:
        assert s.query(Execution).count() == 5


@pytest.mark.postgres_only
def test_a_start_is_two_statements_on_postgresql_then_one(db_url, monkeypatch):
    owner = make_user()
    wf = _chain(owner)
    commands.trigger_workflow(workflow_id=wf, user_name="owner", input={})  # reads the version once
    monkeypatch.setattr(starts, "_expected", OrderedDict())
    seen, execute = [], psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        seen.append((str(query).split()[0], cursor.connection.autocommit))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    results = [starts.try_trigger(wf, "owner", {}, None, None, None, None, None) for _ in range(2)]
    monkeypatch.undo()
    assert all(result is not None and result.new for result in results)
    # autocommit: no BEGIN, no COMMIT; the second start assumes what the first found
    assert seen == [("SELECT", True), ("WITH", True), ("WITH", True)]
    with db.read_session() as s:
        assert [s.get(Execution, r.execution_id).status for r in results] == ["running", "running"]
