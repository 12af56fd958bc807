"""The product document's DataSource hook example in a shared workspace: a `member` inserting a
row starts the onboarding workflow as themselves, in their own transaction; they see the
execution, and an operator sees it in the executions list."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from tests.helpers import document, drain, edge, make_user, node
from wayvo_app.core.errors import NotFoundError
from wayvo_app.datasources.registry import (
    DataSource,
    query_data_source,
    register_data_source,
    save_data_source,
    unregister_data_source,
)
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import execution_lists, execution_views, workflows
from wayvo_app.services.accounts import find_user, principal_of
from wayvo_app.services.executions import trigger_workflow
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.execution_reads import ExecutionFilter


class HookTables(SQLModel, registry=registry()):
    """Own metadata: the test table stays out of the app's schema."""


class Signup(HookTables, table=True):
    __tablename__ = "test_ws_signups_issue13"
    id: int | None = Field(default=None, primary_key=True)
    email: str


STARTED: list[str] = []


@pytest.fixture
def onboarding(db_url):
    set_registry(default_registry())
    HookTables.metadata.create_all(db.get_engine(db_url))
    lead = make_user("lead", roles=())
    mia, olga = make_user("mia", roles=()), make_user("olga", roles=())
    with db.session() as s:
        ws = store_workspaces.create_workspace(s, "Onboarding team", lead).id
        store_workspaces.set_member(s, ws, mia, "member")
        store_workspaces.set_member(s, ws, olga, "operator")
        doc = document([node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="onboarding",
                                                   eventKey="{{Trigger.email}}")], [edge("t", "w")], "Onboarding")
        wf = workflows.create_workflow(s, lead, doc, workspace_id=ws)
        workflows.publish_workflow(s, wf.id, lead)

    def after_insert(*, rows, user, session):
        for row in rows:
            STARTED.append(trigger_workflow(workflow_id=wf.id, user_name=user.user_name, input=row,
                                            session=session).execution_id)
        return rows

    STARTED.clear()
    register_data_source(DataSource(name="Signups", model=Signup, after_insert=after_insert))
    yield {"mia": mia, "olga": olga}
    unregister_data_source("Signups")
    set_registry(None)


def _principal(name: str):
    with db.read_session() as s:
        return principal_of(find_user(s, name))


def test_a_member_inserting_a_row_starts_the_workflow_in_their_transaction(onboarding):
    mia = _principal("mia")
    with pytest.raises(RuntimeError):
        with db.session() as s:
            save_data_source(s, mia, "Signups", [{"_status": "I", "email": "rolled@back.test"}])
            raise RuntimeError("the caller's transaction fails")
    [rolled_back] = STARTED
    with pytest.raises(NotFoundError, match="Execution not found"):
        execution_views.details_of(rolled_back, onboarding["mia"])  # gone with the caller's transaction

    with db.session() as s:
        save_data_source(s, mia, "Signups", [{"_status": "I", "email": "new@customer.test"}])
    execution_id = STARTED[-1]
    drain()
    details = execution_views.details_of(execution_id, onboarding["mia"])  # the embedded viewer's read
    assert details["status"] == "paused"
    snapshot, _ = execution_lists.viewer_view(execution_id, onboarding["mia"])
    assert snapshot.execution["id"] == execution_id

    page, _ = execution_lists.page_of_executions(onboarding["olga"], ExecutionFilter(), 1, 25)
    assert [(row["id"], row["startedBy"]) for row in page.rows] == [(execution_id, "mia")]
    with db.read_session() as s:
        seen = query_data_source(s, _principal("olga"), "WorkflowExecutions")
    assert [row["id"] for row in seen.rows] == [execution_id]
