"""The service entry points the web layer and the CLI call: each opens (and commits) its own transaction."""

import pytest

from wayvo_app.core.errors import AuthenticationError, BadRequestError, NotFoundError, WorkflowError
from wayvo_app.plugins.client_plugins import integration_specs
from wayvo_app.services import accounts, api_keys, integrations, workflow_documents

SECRET = "test-secret"


def _document(name="Entry", trigger="Manual"):
    return {"name": name, "nodes": [{"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
                                     "data": {"type": "trigger", "label": "Start",
                                              "config": {"triggerType": trigger}}}],
            "edges": []}


def test_first_run_setup_then_sign_in_and_out(db_url):
    assert not accounts.has_users()
    token = accounts.set_up_owner("Olivia", "password1", SECRET, display_name="Olivia O")
    assert accounts.has_users()
    owner = accounts.signed_in(token, SECRET)
    assert (owner.user_name, owner.display_name, owner.roles) == ("olivia", "Olivia O", ("admin",))
    assert accounts.set_up_owner("second", "password1", SECRET) is None  # setup happens once
    with pytest.raises(AuthenticationError):
        accounts.sign_in("olivia", "wrong-password", SECRET)
    token2, expires, user = accounts.sign_in("olivia", "password1", SECRET)
    assert user.id == owner.id and expires is not None
    accounts.sign_out(token2)
    assert accounts.signed_in(token2, SECRET) is None
    assert accounts.principal_for_token(token, SECRET).id == owner.id


def test_api_keys_and_integrations_for_one_user(db_url, sms_example):
    me = accounts.add_user("kim", "password1", roles=["approver"])
    assert me.roles == ("approver",)
    created = api_keys.new_api_key(me.id, "CI")
    assert accounts.principal_for_token(created.key, SECRET).via_api_key == "CI"
    assert [k.name for k in api_keys.api_keys_of(me.id)] == ["CI"]
    api_keys.revoke(me.id, created.row.id)
    assert api_keys.api_keys_of(me.id) == [] and accounts.principal_for_token(created.key, SECRET) is None
    with pytest.raises(NotFoundError):
        api_keys.revoke(me.id, created.row.id)
    known = integration_specs()
    with pytest.raises(BadRequestError):
        integrations.add_integration(me.id, type="no-such-type", name="x", config={}, known=known)
    row = integrations.add_integration(me.id, type="sms", name="My SMS", config={"apiKey": "k1"}, known=known)
    assert [(r.id, r.name) for r in integrations.integrations_of(me.id, "sms")] == [(row.id, "My SMS")]
    other = accounts.add_user("lee", "password1")
    with pytest.raises(NotFoundError):
        integrations.remove_integration(other.id, row.id)
    integrations.remove_integration(me.id, row.id)
    assert integrations.integrations_of(me.id) == []


def test_demo_users_are_added_once(db_url):
    users = [("ann", "Ann", "ann@example.com", ["approver"]), ("ben", "Ben", None, [])]
    assert accounts.add_missing_users(users, "password1") == [True, True]
    assert accounts.add_missing_users(users, "password1") == [False, False]


def test_workflow_documents_round_trip(db_url):
    me = accounts.add_user("wes", "password1")
    created = workflow_documents.create(me.id, _document())
    assert created["version"] is None
    assert workflow_documents.read(created["id"], me.id)["name"] == "Entry"
    assert workflow_documents.update(created["id"], me.id, _document("Renamed"))["id"] == created["id"]
    assert workflow_documents.publish(created["id"], me.id) == 1
    assert workflow_documents.export(created["id"])["version"] == 1
    assert workflow_documents.export("no-such-id") is None
    with pytest.raises(BadRequestError):
        workflow_documents.require_webhook_trigger(created["id"], me.id)
    imported = workflow_documents.import_document("wes", _document("Hook", "Webhook"), publish=True)
    workflow_documents.require_webhook_trigger(imported, me.id)
    with pytest.raises(WorkflowError):
        workflow_documents.import_document("nobody", _document())
    lines = workflow_documents.add_missing_samples("wes", [_document("Hook"), _document("New")])
    assert lines[0].startswith('workflow "Hook" exists') and lines[1].startswith('workflow "New" created')
