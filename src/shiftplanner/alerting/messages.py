"""The words of an alert notification: severity, rule, the value against the threshold,
since when, and a link to the page of alerts. Every channel renders this one message."""

from __future__ import annotations

from shiftplanner.models import Alert, ComparisonOperator
from shiftplanner.notifications.messages import Message

OPERATOR_SYMBOLS = {
    ComparisonOperator.GT: ">",
    ComparisonOperator.GTE: "≥",
    ComparisonOperator.LT: "<",
    ComparisonOperator.LTE: "≤",
    ComparisonOperator.EQ: "=",
}
# What each kind of notice says happened, in its subject.
HEADLINES = {
    "alert.firing": "FIRING",
    "alert.resolved": "RESOLVED",
    "alert.reminder": "STILL FIRING",
    "alert.reopened": "REOPENED",
    "alert.escalated": "FIRING",
}


def alert_link(public_url: str) -> str:
    """The page that lists the alerts, to acknowledge or resolve them (a person reads
    the link; integrations have the alert's id in the data)."""
    return f"{public_url.rstrip('/')}/operations#ops-alerts"


def format_value(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def condition_text(alert: Alert) -> str:
    """`p95ResponseTime 812 > 500`."""
    symbol = OPERATOR_SYMBOLS[alert.operator]
    return f"{alert.metric} {format_value(alert.value)} {symbol} {format_value(alert.threshold)}"


def alert_message(alert: Alert, kind: str, *, public_url: str, note: str = "") -> Message:
    """The notice of `kind` (alert.firing, alert.resolved, ...) about `alert`."""
    headline = HEADLINES.get(kind, kind)
    labels = ", ".join(f"{name}={value}" for name, value in sorted(alert.labels.items()))
    link = alert_link(public_url)
    since = alert.fired_at or alert.active_since
    lines = [
        f"{headline}: {alert.rule_name} ({alert.severity.value})",
        f"Condition: {condition_text(alert)}",
        f"Since: {since.isoformat(timespec='seconds')}",
    ]
    if alert.resolved_at is not None and kind == "alert.resolved":
        lines.append(f"Resolved: {alert.resolved_at.isoformat(timespec='seconds')}")
    if labels:
        lines.append(f"Labels: {labels}")
    if note:
        lines.append(note)
    lines.append(f"Alert: {link}")
    return Message(
        kind=kind,
        subject=f"[{alert.severity.value}] {headline}: {alert.rule_name}"
        + (f" ({labels})" if labels else ""),
        text="\n".join(lines),
        link=link,
        severity=alert.severity.value,
        data={
            "alert_id": alert.id,
            "rule_id": alert.rule_id,
            "rule": alert.rule_name,
            "status": alert.status.value,
            "severity": alert.severity.value,
            "metric": alert.metric,
            "operator": alert.operator.value,
            "threshold": alert.threshold,
            "value": alert.value,
            "labels": dict(alert.labels),
            "since": since.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
            "link": link,
        },
    )
