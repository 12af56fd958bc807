"""Schemathesis against /api/openapi.json: no generated request gets a 500, and every error
has the contract's shape {"error", "code"}."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests.helpers import make_user
from wayvo_app.api.app import create_api
from wayvo_app.services import accounts, health
from wayvo_app.settings import get_settings
from wayvo_app.store import db

schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_api())


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_errors_have_the_contract_shape(case, db_url):
    make_user("owner")
    # A worker heartbeats, as in a running service: /api/health then answers 200 (its 503 means
    # "no worker", a documented answer, not a server error).
    health.beat("fuzz-worker", "localhost", 1, 0)
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, "owner"), get_settings().secret_key)
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("error"), str) and isinstance(body.get("code"), str), body
