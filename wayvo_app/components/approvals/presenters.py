"""How the approvals inbox and the approval page show the service's data: status colours, type
labels, links, and the "3 h ago" / "2 h left" / stamp texts of its ISO times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wayvo_app import routes
from wayvo_app.core.times import ago, stamp, time_left, utcnow

STATUS_COLORS = {"pending": "amber", "approved": "green", "rejected": "red", "expired": "gray",
                 "cancelled": "gray"}
TYPE_LABELS = {"single": "Single: the first decision settles it",
               "any": "Any: the first approval approves it",
               "all": "All: every required approver must approve"}


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _times(data: dict[str, Any], now: datetime) -> dict[str, str]:
    created, expires = _when(data.get("createdIso")), _when(data.get("expiresIso"))
    return {"statusColor": STATUS_COLORS.get(data["status"], "gray"), "age": ago(created, now),
            "createdAt": stamp(created),
            "timeLeft": time_left(expires, now) if data["status"] == "pending" else ""}


def inbox_row(row: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """One inbox row with its link, colour and time texts."""
    now = now or utcnow()
    decided = _when(row.get("myDecisionIso"))
    return {**row, "href": routes.approval(row["id"]), **_times(row, now),
            "decidedAgo": ago(decided, now) if decided else "", "decidedAt": stamp(decided) if decided else ""}


def approval_page(view: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The approval page's view with its labels, colours and time texts."""
    now = now or utcnow()
    expires = _when(view.get("expiresIso"))
    decisions = [{**d, "when": ago(_when(d["decidedAt"]), now), "at": stamp(_when(d["decidedAt"])),
                  "color": STATUS_COLORS.get(d["decision"], "gray")} for d in view["decisions"]]
    return {**view, **_times(view, now), "approvalType": TYPE_LABELS.get(view["approvalType"], view["approvalType"]),
            "expiresAt": stamp(expires) if expires else "never", "decisions": decisions}
