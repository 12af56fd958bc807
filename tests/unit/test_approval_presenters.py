"""The approvals presenters: colours, labels, links and the time texts of the service's ISO times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wayvo_app.components.approvals.presenters import approval_page, inbox_row
from wayvo_app.core.times import ago, span, stamp, time_left

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_spans_ago_and_time_left_keep_the_inbox_texts():
    assert [span(s) for s in (30, 720, 3 * 3600 + 300, 11 * 3600 + 60, 2 * 86400 + 4 * 3600)] == \
        ["<1 min", "12 min", "3 h 5 min", "11 h", "2 d 4 h"]
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(datetime(2026, 3, 4, 9, 0), NOW) == "3 h ago"  # naive times are UTC
    assert time_left(NOW + timedelta(hours=2), NOW) == "2 h left"
    assert time_left(NOW - timedelta(minutes=5), NOW) == "overdue by 5 min"
    assert time_left(None, NOW) == "no expiry"
    assert stamp(NOW) == "2026-03-04 12:00 UTC" and stamp(None) == ""


def test_an_inbox_row_gets_its_link_colour_and_times():
    row = {"id": "r1", "status": "pending", "createdIso": (NOW - timedelta(hours=3)).isoformat(),
           "expiresIso": (NOW + timedelta(minutes=30)).isoformat()}
    shown = inbox_row(row, NOW)
    assert shown["href"] == "/workflows/approvals/r1" and shown["statusColor"] == "amber"
    assert (shown["age"], shown["createdAt"], shown["timeLeft"]) == ("3 h ago", "2026-03-04 09:00 UTC", "30 min left")
    decided = inbox_row({**row, "status": "rejected", "expiresIso": ""}, NOW)
    assert (decided["statusColor"], decided["timeLeft"]) == ("red", "")


def test_the_approval_page_labels_its_type_and_decisions():
    view = {"status": "approved", "approvalType": "all", "createdIso": NOW.isoformat(), "expiresIso": "",
            "decisions": [{"decision": "approved", "decidedAt": (NOW - timedelta(minutes=12)).isoformat()}]}
    shown = approval_page(view, NOW)
    assert shown["approvalType"] == "All: every required approver must approve"
    assert (shown["expiresAt"], shown["timeLeft"], shown["statusColor"]) == ("never", "", "green")
    assert shown["decisions"][0] == {"decision": "approved", "decidedAt": view["decisions"][0]["decidedAt"],
                                    "when": "12 min ago", "at": "2026-03-04 11:48 UTC", "color": "green"}
