"""The alerting worker: default rules given once per organization (a deleted default stays
deleted), and one evaluator across processes sharing a PostgreSQL database."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import AlertRule, Role
from shiftplanner.runtime import Runtime
from tests.alerting.support import T0, alerts_of, cpu, make_rule, minutes
from tests.conftest import running
from tests.factories import Tenant


async def rule_names(session: AsyncSession, org_id: int) -> set[str]:
    session.expunge_all()
    return set(await session.scalars(select(AlertRule.name).where(AlertRule.org_id == org_id)))


async def test_default_rules_are_given_once(
    client: httpx.AsyncClient,
    runtime: Runtime,
    session: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    assert await runtime.alerting.run_once(T0)
    operated = await rule_names(session, tenant.org.id)
    assert len(operated) == 9
    assert "Slow responses" in operated
    assert "Availability below 99.9 %" in operated
    # Not the platform operator's organization: the organization's own rules only.
    own = {"Coverage gaps in the next 7 days", "Webhooks failing"}
    assert await rule_names(session, other_tenant.org.id) == own

    rules = (await client.get("/monitoring/alert-rules", headers=tenant.admin)).json()["items"]
    cpu_rule = next(rule for rule in rules if rule["condition"]["metric"] == "cpuUsage")
    assert cpu_rule["condition"]["threshold"] == 80
    assert cpu_rule["defaultKey"] == "cpu"
    deleted = await client.delete(f"/monitoring/alert-rules/{cpu_rule['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    assert await runtime.alerting.run_once(T0 + minutes(1))
    names = await rule_names(session, tenant.org.id)
    assert len(names) == 8
    assert cpu_rule["name"] not in names
    assert await rule_names(session, other_tenant.org.id) == own


async def test_a_default_rule_tells_the_admins_in_app(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    assert await runtime.alerting.run_once(T0)
    rules = (await client.get("/monitoring/alert-rules", headers=tenant.admin)).json()["items"]
    [policy] = (await client.get("/monitoring/escalation-policies", headers=tenant.admin)).json()[
        "items"
    ]
    assert policy["name"] == "Tell the admins"
    assert {rule["escalationPolicyId"] for rule in rules} == {policy["id"]}

    # The CPU rule (above 80 % for 10 minutes) fires, and the coverage rule (the tenant's
    # team has nobody scheduled): the admin hears of both, nobody else.
    for minute in range(12):
        await cpu(runtime, T0 + minutes(minute), 95)
    for minute in range(0, 13, 2):
        assert await runtime.alerting.run_once(T0 + minutes(minute + 1))
    feeds = {
        role: (await client.get("/api/notifications", headers=headers)).json()["items"]
        for role, headers in tenant.headers.items()
    }
    assert {notice["title"] for notice in feeds[Role.ADMIN]} == {
        "[MEDIUM] FIRING: High CPU use",
        "[MEDIUM] FIRING: Coverage gaps in the next 7 days (team=LDN)",
    }
    assert not any(feeds[role] for role in feeds if role is not Role.ADMIN)


async def test_two_evaluators_on_one_database_only_one_acts(
    backend: str, settings: Settings, session: AsyncSession, tenant: Tenant, runtime: Runtime
) -> None:
    rule = await make_rule(session, tenant.org)
    if backend == "sqlite":
        # Embedded: one process, which always leads.
        assert await runtime.alerting.run_once(T0)
        return
    await cpu(runtime, T0, 90)
    # One leads with the monitoring's lock, the other (metrics off) with a lock of its own.
    own_lock = settings.model_copy(update={"metrics_enabled": False})
    async with running(settings) as (first_app, _), running(own_lock) as (second_app, _):
        first: Runtime = first_app.state.runtime
        second: Runtime = second_app.state.runtime
        acted = await asyncio.gather(first.alerting.run_once(T0), second.alerting.run_once(T0))
        assert sorted(acted) == [False, True]
        leader, follower = (first, second) if acted[0] else (second, first)
        assert not await follower.alerting.run_once(T0)
        [alert] = await alerts_of(session, rule.id)
        assert alert.fired_at == T0
        # The leader goes away: the other takes over at its next round.
        await leader.alerting.stop()
        if leader.monitoring.measuring is not None:
            await leader.monitoring.measuring.leader.close()
        assert await follower.alerting.run_once(T0 + minutes(1))
    assert len(await alerts_of(session, rule.id)) == 1
