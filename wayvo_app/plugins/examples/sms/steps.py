"""The SMS step: POST `{to, body}` to the provider with the user's API key and the step's
idempotency key, through the context's guarded HTTP client."""

from __future__ import annotations

from typing import Any

from wayvo_app.engine.context import StepContext

DEFAULT_BASE_URL = "https://api.smsprovider.com"


async def send_sms_step(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    credentials = ctx.credentials or {}
    base_url = str(credentials.get("baseUrl") or DEFAULT_BASE_URL).rstrip("/")
    response = await ctx.http.post(
        f"{base_url}/send",
        json={"to": input.get("phoneNumber"), "body": input.get("message")},
        headers={"Authorization": f"Bearer {credentials.get('apiKey', '')}",
                 "Idempotency-Key": ctx.idempotency_key},
    )
    if not response.is_success:
        ctx.logger.warning(f"SMS provider answered {response.status_code}")
        return {"success": False, "error": "Failed to send SMS"}
    data = response.json()
    ctx.logger.info(f"SMS sent to {input.get('phoneNumber')}: message {data.get('id')}")
    return {"success": True, "messageId": data.get("id")}
