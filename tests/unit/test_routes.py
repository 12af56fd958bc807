"""The route constants and URL builders give exactly the URLs the product document names."""

from wayvo_app import routes


def test_page_urls():
    assert (routes.LOGIN, routes.SETUP, routes.WORKFLOWS) == ("/login", "/setup", "/workflows")
    assert routes.workflow("w1") == "/workflows/w1"
    assert routes.workflow_executions("w1") == "/workflows/w1/executions"
    assert routes.execution("e1") == "/workflows/executions/e1"
    assert routes.approval("a1") == "/workflows/approvals/a1"
    assert routes.approval("a/b c", quoted=True) == "/workflows/approvals/a%2Fb%20c"
    assert routes.login() == "/login" and routes.login("/workflows/x") == "/login?next=/workflows/x"
    assert (routes.SETTINGS_API_KEYS, routes.SETTINGS_INTEGRATIONS) == ("/settings/api-keys", "/settings/integrations")


def test_page_patterns():
    assert routes.WORKFLOW_ROUTE == "/workflows/[id]"
    assert routes.WORKFLOW_EXECUTIONS_ROUTE == "/workflows/[id]/executions"
    assert routes.EXECUTION_ROUTE == "/workflows/executions/[execution_id]"
    assert routes.APPROVAL_ROUTE == "/workflows/approvals/[approval_id]"


def test_api_paths():
    assert routes.execute("{workflow_id}") == "/api/workflow/{workflow_id}/execute"
    assert routes.webhook("w1") == "/api/workflows/w1/webhook"
    assert routes.API_SIGNAL == "/api/workflow/events/signal"
    assert routes.API_EXECUTIONS + "/e1" == "/api/workflows/executions/e1"
    assert (routes.API_DOCS, routes.API_OPENAPI) == ("/api/docs", "/api/openapi.json")


def test_the_api_serves_the_same_paths():
    from wayvo_app.api.app import create_api

    paths = set(create_api().openapi()["paths"])
    assert {"/api/auth/login", "/api/api-keys", "/api/api-keys/create", "/api/api-keys/{key_id}",
            "/api/integrations", "/api/integrations/{integration_id}", "/api/workflows",
            "/api/workflows/{workflow_id}", "/api/workflows/{workflow_id}/publish",
            "/api/workflow/{workflow_id}/execute", "/api/workflows/{workflow_id}/webhook",
            "/api/workflows/executions/{execution_id}", "/api/workflows/executions/{execution_id}/status",
            "/api/workflows/executions/{execution_id}/cancel",
            "/api/workflows/executions/{execution_id}/retry"} <= paths
