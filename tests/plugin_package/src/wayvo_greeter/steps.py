"""The Greet step: a plain function of its rendered config (and the step context)."""

from __future__ import annotations

from typing import Any


def greet_step(input: dict[str, Any], ctx: Any) -> dict[str, Any]:
    name = str(input.get("name") or "").strip()
    if not name:
        return {"success": False, "error": "Nobody to greet: the Name field is empty"}
    greeting = f"{input.get('salutation') or 'Hello'}, {name}!"
    ctx.logger.info(f"Greeted {name}")
    return {"success": True, "greeting": greeting}
