"""The builder's and the workflows page's commands on a real database: autosave keeps invalid drafts,
publish is refused with the problems, versions and restore, runs of the draft, import and export."""

from __future__ import annotations

import json

import pytest

from tests.helpers import chain, create_workflow, drain, make_user
from wayvo_app.core.errors import DocumentValidationError, WorkflowNotFoundError
from wayvo_app.demo_workflows import ORDER_APPROVAL
from wayvo_app.services import builder as builder_session
from wayvo_app.services import library as workflow_library
from wayvo_app.services import workflows
from wayvo_app.services.picker_options import source_options


def _sleepy(name: str = "Chain") -> dict:
    doc = chain("Sleep", name=name)
    doc["nodes"][1]["data"]["config"]["duration"] = "1s"
    return doc


def test_autosave_keeps_an_invalid_draft_and_reports_every_problem(db_url):
    owner = make_user("owner")
    wf = create_workflow(owner, _sleepy())
    doc = chain("Sleep", "Condition")
    doc["nodes"][1]["data"]["config"]["duration"] = "soon"
    saved = builder_session.save_draft(wf, owner, doc)
    messages = [p["message"] for p in saved["problems"]]
    assert any("soon" in m for m in messages) and any("condition" in m.lower() for m in messages)
    assert {p["nodeId"] for p in saved["problems"]} == {"n1", "n2"}
    opened = builder_session.open_workflow(wf, owner)
    assert opened["document"]["nodes"][1]["data"]["config"]["duration"] == "soon"
    with pytest.raises(DocumentValidationError) as refused:
        builder_session.publish(wf, owner)
    assert builder_session.blocking_problems(refused.value)
    assert builder_session.open_workflow(wf, owner)["publishedVersion"] == 0


def test_publish_versions_and_restore(db_url):
    owner = make_user("owner")
    for approver in ("alice", "bob"):  # the approvers it names exist: publish refuses unknown ones
        make_user(approver, roles=("approver",))
    wf = create_workflow(owner, ORDER_APPROVAL)
    first = builder_session.publish(wf, owner)
    assert first["version"] == 1 and first["draftAhead"] is False
    changed = json.loads(json.dumps(ORDER_APPROVAL))
    changed["nodes"] = changed["nodes"][:2]
    changed["edges"] = changed["edges"][:1]
    assert builder_session.save_draft(wf, owner, changed)["draftAhead"] is True
    second = builder_session.publish(wf, owner)
    assert [v["version"] for v in second["versions"]] == [2, 1] and second["versions"][0]["nodes"] == 2
    assert second["versions"][0]["createdBy"] == "owner"
    restored = builder_session.restore(wf, owner, 1)
    assert len(restored["document"]["nodes"]) == len(ORDER_APPROVAL["nodes"]) and restored["draftAhead"]


def test_runs_of_the_draft_follow_the_draft_not_the_published_version(db_url):
    owner = make_user("owner")
    doc = chain("Condition")
    doc["nodes"][1]["data"]["config"]["condition"] = "{{Trigger.n}} > 1"
    wf = create_workflow(owner, doc)
    builder_session.publish(wf, owner)
    doc["nodes"][1]["data"]["config"]["condition"] = "{{Trigger.n}} > 100"
    builder_session.save_draft(wf, owner, doc)
    draft_run = builder_session.run(wf, owner, {"n": 5}, draft=True)
    published_run = builder_session.run(wf, owner, {"n": 5}, draft=False)
    drain(db_url)
    draft = builder_session.progress(draft_run, owner)
    published = builder_session.progress(published_run, owner)
    assert draft["status"] == published["status"] == "success"
    assert draft["outputs"]["n1"] == {"result": False} and published["outputs"]["n1"] == {"result": True}
    assert draft["nodes"] == {"t": "success", "n1": "success"} and draft["finished"]
    other = make_user("other")
    with pytest.raises(WorkflowNotFoundError):
        builder_session.progress(draft_run, other)
    with pytest.raises(WorkflowNotFoundError):
        builder_session.run(wf, other, {})
    opened = builder_session.open_workflow(wf, owner)
    assert opened["lastExecution"]["status"] == "success" and "n1" in opened["lastOutputs"]


def test_import_export_round_trip_and_the_engine_messages(db_url):
    owner = make_user("owner")
    new_id = workflow_library.import_document(owner, json.dumps(ORDER_APPROVAL).encode())
    filename, text = workflow_library.export_document(new_id, owner)
    assert filename == "order-approval.json"
    exported = json.loads(text)
    assert exported["id"] == new_id and exported["nodes"] == workflows.check_document(ORDER_APPROVAL)[1]["nodes"]
    with pytest.raises(workflow_library.ImportProblems, match='named "Order approval" already exists'):
        workflow_library.import_document(owner, text)  # names are unique per workspace
    again = workflow_library.import_document(owner, text.replace('"Order approval"', '"Order approval 2"'))
    assert again != new_id  # an export imports as a new workflow
    with pytest.raises(workflow_library.ImportProblems, match="Not valid JSON"):
        workflow_library.import_document(owner, "{nope")
    broken = json.loads(json.dumps(ORDER_APPROVAL))
    broken["nodes"][1]["data"]["config"]["condition"] = "{{Send Rejection.x}} > 1"
    broken["edges"].append({"id": "bad", "source": "approval", "target": "ghost"})
    with pytest.raises(workflow_library.ImportProblems) as problems:
        workflow_library.import_document(owner, json.dumps(broken))
    text = "\n".join(problems.value.problems)
    assert "not an upstream node" in text and '"ghost" is not a node of this workflow' in text
    assert len(workflow_library.list_rows(owner)) == 2


def test_create_rename_duplicate_delete(db_url):
    owner = make_user("owner")
    wf = workflow_library.create_blank(owner, "  Onboarding ")
    workflow_library.rename(wf, owner, "Onboarding v2")
    copy_id = workflow_library.duplicate(wf, owner)
    names = sorted(r["name"] for r in workflow_library.list_rows(owner))
    assert names == ["Onboarding v2", "Onboarding v2 (copy)"]
    workflow_library.delete(copy_id, owner)
    assert [r["id"] for r in workflow_library.list_rows(owner)] == [wf]
    with pytest.raises(WorkflowNotFoundError):
        workflow_library.delete(wf, make_user("intruder"))
    with pytest.raises(workflow_library.ImportProblems):
        workflow_library.rename(wf, owner, "  ")


def test_source_options_are_the_users_own(db_url):
    owner = make_user("owner")
    other = make_user("other")
    mine = create_workflow(owner, _sleepy("Mine"))
    create_workflow(other, _sleepy("Theirs"))
    assert source_options("workflows", user_id=owner) == [{"value": mine, "label": "Mine"}]
    assert source_options("workflows", user_id=owner, exclude_workflow=mine) == []
    assert source_options("integrations", user_id=owner, integration_type="sms") == []
