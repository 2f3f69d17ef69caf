"""Alert rules: create, read, change and delete them. A rule on a service-wide metric
(from the rollups, spanning every tenant) is the platform operator's to write. Disabling
or deleting a rule ends its open alerts."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting import metrics
from shiftplanner.alerting.alerts import lifecycle
from shiftplanner.alerting.alerts.repository import AlertRepository
from shiftplanner.alerting.rules import schemas
from shiftplanner.alerting.rules.repository import AlertRuleRepository
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Alert, AlertRule
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service


async def get_rule(session: AsyncSession, actor: Actor, rule_id: int) -> AlertRule:
    rule = await AlertRuleRepository(session).get(actor.org_id, rule_id)
    if rule is None:
        raise NotFound.resource("Alert rule", rule_id)
    return rule


async def list_rules(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[AlertRule], str | None]:
    repository = AlertRuleRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


async def all_rules(session: AsyncSession, actor: Actor) -> list[AlertRule]:
    """Every rule of the caller's organization (for the export)."""
    return await AlertRuleRepository(session).all_of(actor.org_id)


async def open_alerts(
    session: AsyncSession, org_id: int, rule_ids: Collection[int]
) -> dict[int, list[Alert]]:
    """The open alerts of these rules, by rule id."""
    by_rule: dict[int, list[Alert]] = {rule_id: [] for rule_id in rule_ids}
    for alert in await AlertRepository(session).open_of_rules(org_id, rule_ids):
        if alert.rule_id is not None:
            by_rule[alert.rule_id].append(alert)
    return by_rule


def _refuse_service_metric(actor: Actor, metric: str) -> None:
    definition = metrics.REGISTRY.get(metric)
    is_service = definition is not None and definition.scope is metrics.Scope.SERVICE
    if is_service and not actor.is_superuser:
        raise Forbidden(
            f"{metric} measures the whole service, every organization's requests "
            "together: only the platform operator may write a rule on it."
        )


async def _check_references(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    """The policy, channels and team a rule names must be the organization's (422)."""
    policy_id = values.get("escalation_policy_id")
    repository = AlertRuleRepository(session)
    if policy_id is not None and not await repository.policy_exists(actor.org_id, policy_id):
        raise InvalidInput(
            f"Escalation policy {policy_id} does not exist in your organization.",
            pointer="#/escalationPolicyId",
        )
    for index, channel_id in enumerate(values.get("channel_ids") or ()):
        if await channel_service.find_channel(session, actor.org_id, channel_id) is None:
            raise InvalidInput(
                f"Notification channel {channel_id} does not exist in your organization.",
                pointer=f"#/channelIds/{index}",
            )
    team_id = (values.get("condition") or {}).get("params", {}).get(metrics.TEAM.name)
    if team_id is not None and await team_service.find_team(session, actor, team_id) is None:
        raise InvalidInput(
            f"Team {team_id} does not exist in your organization.",
            pointer="#/condition/params/team_id",
        )


async def _ensure_name_free(
    session: AsyncSession, org_id: int, name: str, rule_id: int | None = None
) -> None:
    existing = await AlertRuleRepository(session).get_by_name(org_id, name)
    if existing is not None and existing.id != rule_id:
        raise Conflict(f"Another alert rule is already named {name!r}.")


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's columns from a create or update body (the condition flattened)."""
    columns = {name: value for name, value in values.items() if name not in ("condition",)}
    condition = values.get("condition")
    if condition is not None:
        columns.update(condition)
    return columns


async def create_rule(session: AsyncSession, actor: Actor, data: schemas.RuleCreate) -> AlertRule:
    _refuse_service_metric(actor, data.condition.metric)
    values = data.model_dump()
    await _check_references(session, actor, values)
    await _ensure_name_free(session, actor.org_id, data.name)
    rule = await AlertRuleRepository(session).add(
        AlertRule(org_id=actor.org_id, **_columns(values))
    )
    emit_resource_event(
        session, EventType.ALERT_RULE_CREATED, rule, schemas.Rule, actor_user_id=actor.user_id
    )
    return rule


async def update_rule(
    session: AsyncSession,
    actor: Actor,
    rule_id: int,
    data: schemas.RuleUpdate,
    *,
    now: datetime,
    public_url: str,
) -> AlertRule:
    """Change a rule; disabling it resolves its open alerts (rule_disabled). Open alerts
    are judged by the changed condition from the next evaluation on; their record keeps
    the condition they opened with."""
    rule = await get_rule(session, actor, rule_id)
    _refuse_service_metric(actor, rule.metric)
    values = data.changes()
    expected = values.pop("version", None)
    if expected is not None and expected != rule.version:
        raise StaleVersion(f"Alert rule {rule.id} is at version {rule.version}, not {expected}.")
    if data.condition is not None:
        _refuse_service_metric(actor, data.condition.metric)
        values["condition"] = data.condition.model_dump()
    await _check_references(session, actor, values)
    if data.name is not None:
        await _ensure_name_free(session, actor.org_id, data.name, rule.id)
    disabling = rule.enabled and values.get("enabled") is False
    if disabling:
        await _end_open_alerts(session, rule, "rule_disabled", actor, now, public_url)
    await update_with_event(
        session,
        rule,
        _columns(values),
        schemas.Rule,
        EventType.ALERT_RULE_UPDATED,
        actor_user_id=actor.user_id,
    )
    return rule


async def delete_rule(
    session: AsyncSession, actor: Actor, rule_id: int, *, now: datetime, public_url: str
) -> None:
    """Delete a rule; its open alerts are resolved (rule_deleted) and every alert keeps
    the rule's name, metric and threshold."""
    rule = await get_rule(session, actor, rule_id)
    _refuse_service_metric(actor, rule.metric)
    await _end_open_alerts(session, rule, "rule_deleted", actor, now, public_url)
    emit_resource_event(
        session, EventType.ALERT_RULE_DELETED, rule, schemas.Rule, actor_user_id=actor.user_id
    )
    await AlertRuleRepository(session).delete(rule)


async def _end_open_alerts(
    session: AsyncSession,
    rule: AlertRule,
    resolution: str,
    actor: Actor,
    now: datetime,
    public_url: str,
) -> None:
    repository = AlertRepository(session)
    await lock_rows(session, Alert.id, await repository.open_ids([rule.id]))
    for alert in await repository.of_rules([rule.id]):
        if alert.reopen_check:
            alert.reopen_check = False
            continue
        await lifecycle.end(
            session,
            alert,
            rule,
            now=now,
            resolution=resolution,
            public_url=public_url,
            actor_user_id=actor.user_id,
        )


def metric_catalogue() -> list[schemas.MetricInfo]:
    """Every metric a rule can name."""
    return [
        schemas.MetricInfo(
            name=metric.name,
            unit=metric.unit,
            description=metric.description,
            scope=metric.scope,
            params=[param.name for param in metric.params],
            prometheus=metric.promql is not None,
        )
        for metric in sorted(metrics.REGISTRY.values(), key=lambda m: m.name)
    ]
