"""The OpenAPI schema lists every route with bearer auth; the docs page works offline."""

import httpx

from wayvo_app.api.app import create_api


async def test_openapi_and_docs_page():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://t") as c:
        spec = (await c.get("/api/openapi.json")).json()
        page = await c.get("/api/docs")
    paths = set(spec["paths"])
    for expected in ("/api/auth/login", "/api/workflows", "/api/workflow/{workflow_id}/execute",
                     "/api/workflow/events/signal", "/api/workflow/approvals/{request_id}/decide",
                     "/api/integrations", "/api/api-keys/create"):
        assert expected in paths
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["paths"]["/api/workflow/events/signal"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in spec["paths"]["/api/auth/login"]["post"]
    assert page.status_code == 200 and "/api/workflow/events/signal" in page.text
    assert "<script" not in page.text and "cdn" not in page.text.lower()
