"""The rules as a Prometheus rule file, for those who alert from Prometheus itself: each
rule whose metric an exported Prometheus metric measures the same way becomes an alerting
rule (`for` from durationMinutes, `keep_firing_for` from keepFiringMinutes); the others
are listed in a comment. Written by hand as YAML whose strings are JSON strings (valid
YAML double-quoted scalars), so no YAML library is needed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from shiftplanner.alerting import metrics
from shiftplanner.alerting.messages import OPERATOR_SYMBOLS
from shiftplanner.models import AlertRule, ComparisonOperator

PROMQL_OPERATORS = {
    ComparisonOperator.GT: ">",
    ComparisonOperator.GTE: ">=",
    ComparisonOperator.LT: "<",
    ComparisonOperator.LTE: "<=",
    ComparisonOperator.EQ: "==",
}
MEDIA_TYPE = "application/yaml"


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def alert_name(rule: AlertRule, taken: set[str]) -> str:
    """A valid Prometheus alert name (a metric name) from the rule's name: its words in
    CamelCase, unique within the file."""
    words = re.findall(r"[A-Za-z0-9]+", rule.name)
    name = "".join(word[:1].upper() + word[1:] for word in words) or "Rule"
    if not name[0].isalpha():
        name = f"Rule{name}"
    if name in taken:
        name = f"{name}_{rule.id}"
    taken.add(name)
    return name


def _minutes(value: int) -> str:
    return f"{value}m"


def _rule_lines(rule: AlertRule, promql: str, name: str) -> list[str]:
    expression = (
        f"({promql.format(window=_minutes(rule.window_minutes))}) "
        f"{PROMQL_OPERATORS[rule.operator]} {rule.threshold:g}"
    )
    labels = {
        **{key: str(value) for key, value in sorted(rule.labels.items())},
        "severity": rule.severity.value.lower(),
        "rule_id": str(rule.id),
    }
    unit = metrics.REGISTRY[rule.metric].unit
    summary = (
        f"{rule.name}: {rule.metric} {OPERATOR_SYMBOLS[rule.operator]} {rule.threshold:g} {unit}"
    )
    lines = [
        f"      - alert: {name}",
        f"        expr: {_quote(expression)}",
    ]
    if rule.duration_minutes:
        lines.append(f"        for: {_minutes(rule.duration_minutes)}")
    if rule.keep_firing_minutes:
        lines.append(f"        keep_firing_for: {_minutes(rule.keep_firing_minutes)}")
    lines.append("        labels:")
    lines += [f"          {key}: {_quote(value)}" for key, value in labels.items()]
    lines.append("        annotations:")
    lines.append(f"          summary: {_quote(summary)}")
    if rule.description:
        lines.append(f"          description: {_quote(rule.description)}")
    return lines


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def rule_file(rules: Sequence[AlertRule], *, org_name: str, now: datetime) -> str:
    """The Prometheus rule file of `rules` (enabled ones; the rest in a comment)."""
    exported: list[str] = []
    skipped: list[str] = []
    taken: set[str] = set()
    for rule in rules:
        metric = metrics.REGISTRY.get(rule.metric)
        if not rule.enabled:
            skipped.append(f"#   - {_quote(rule.name)}: disabled")
        elif metric is None or metric.promql is None:
            skipped.append(
                f"#   - {_quote(rule.name)}: {rule.metric} has no Prometheus counterpart"
            )
        else:
            exported += _rule_lines(rule, metric.promql, alert_name(rule, taken))
    header = [
        _comment(f"ShiftPlanner alert rules of {org_name}, exported {now.isoformat()}."),
        "# Check with: promtool check rules <file>",
    ]
    if skipped:
        header.append("# Not exported (evaluated by ShiftPlanner only):")
        header += [" ".join(line.split()) for line in skipped]
    body = ["groups:", "  - name: shiftplanner", "    rules:"]
    body += exported if exported else []
    if not exported:
        body[-1] = "    rules: []"
    return "\n".join([*header, *body]) + "\n"
