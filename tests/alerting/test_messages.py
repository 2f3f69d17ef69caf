"""An alert's notice in words: what fired, against what, since when, and where a person
acknowledges it."""

from __future__ import annotations

from datetime import UTC, datetime

from shiftplanner.alerting.messages import alert_message
from shiftplanner.models import Alert, AlertSeverity, AlertStatus, ComparisonOperator


def test_a_firing_notice_says_what_and_links_to_the_page_of_alerts() -> None:
    since = datetime(2030, 1, 7, 9, 30, tzinfo=UTC)
    alert = Alert(
        id=42,
        rule_id=7,
        rule_name="Slow responses",
        labels={"team": "SOC"},
        severity=AlertSeverity.HIGH,
        status=AlertStatus.FIRING,
        metric="p95ResponseTime",
        operator=ComparisonOperator.GT,
        threshold=500,
        value=812.5,
        active_since=since,
        fired_at=since,
    )
    message = alert_message(alert, "alert.firing", public_url="https://sp.example/")
    assert message.subject == "[HIGH] FIRING: Slow responses (team=SOC)"
    assert message.text.splitlines() == [
        "FIRING: Slow responses (HIGH)",
        "Condition: p95ResponseTime 812.50 > 500",
        "Since: 2030-01-07T09:30:00+00:00",
        "Labels: team=SOC",
        "Alert: https://sp.example/operations#ops-alerts",
    ]
    # A person opens the page; an integration has the alert's id.
    assert message.link == "https://sp.example/operations#ops-alerts"
    assert message.data["alert_id"] == 42
