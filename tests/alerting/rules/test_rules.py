"""Alert rules through the API: the documents' shape, refusals that name what is allowed,
service-wide metrics for the platform operator only, references within the organization,
and disabling or deleting a rule ending its open alerts."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AlertStatus, EscalationPolicy, Role
from shiftplanner.runtime import Runtime
from tests.alerting.support import T0, alerts_of, cpu, evaluate, events, in_app_channel
from tests.factories import Tenant

URL = "/monitoring/alert-rules"


def rule_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Coverage gaps",
        "type": "COVERAGE_GAP",
        "condition": {"metric": "coverageGaps", "operator": "gt", "threshold": 0},
        "severity": "MEDIUM",
    }
    body.update(changes)
    return body


async def test_create_read_update_delete_in_the_documents_shape(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    channel = await in_app_channel(session, tenant.org, tenant.users[Role.ADMIN])
    policy = EscalationPolicy(org_id=tenant.org.id, name="on call", steps=[])
    session.add(policy)
    await session.commit()
    body = rule_body(
        condition={
            "metric": "unfilledShifts",
            "operator": "gte",
            "threshold": 2,
            "durationMinutes": 10,
            "params": {"days": 14, "team_id": tenant.team.id},
        },
        labels={"team_lead": "ana"},
        description="Two empty positions in the next fortnight",
        keepFiringMinutes=30,
        escalationPolicyId=policy.id,
        channelIds=[channel.id],
        notifyResolved=False,
    )
    created = await client.post(URL, json=body, headers=tenant.admin)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["condition"] == {
        "metric": "unfilledShifts",
        "operator": "gte",
        "threshold": 2.0,
        "durationMinutes": 10,
        "windowMinutes": 5,
        "params": {"days": 14, "team_id": tenant.team.id},
    }
    assert (rule["keepFiringMinutes"], rule["escalationPolicyId"], rule["channelIds"]) == (
        30,
        policy.id,
        [channel.id],
    )
    assert (rule["enabled"], rule["notifyResolved"], rule["lastState"], rule["openAlerts"]) == (
        True,
        False,
        None,
        [],
    )
    one = await client.get(f"{URL}/{rule['id']}", headers=tenant.manager)
    assert one.json() == rule

    stale = await client.patch(
        f"{URL}/{rule['id']}", json={"severity": "HIGH", "version": 7}, headers=tenant.admin
    )
    assert stale.status_code == 409
    changed = await client.patch(
        f"{URL}/{rule['id']}",
        json={"severity": "HIGH", "escalationPolicyId": None, "version": 1},
        headers=tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["severity"], changed.json()["escalationPolicyId"]) == ("HIGH", None)
    assert changed.json()["version"] == 2

    taken = await client.post(URL, json=rule_body(name=rule["name"]), headers=tenant.admin)
    assert taken.status_code == 409
    deleted = await client.delete(f"{URL}/{rule['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    assert (await client.get(f"{URL}/{rule['id']}", headers=tenant.admin)).status_code == 404
    assert await events(session, tenant.org.id, "alert_rule.") == [
        "alert_rule.created",
        "alert_rule.updated",
        "alert_rule.deleted",
    ]


async def test_the_list_pages_and_the_metric_catalogue_names_every_metric(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for n in range(3):
        await client.post(URL, json=rule_body(name=f"rule {n}"), headers=tenant.admin)
    first = (await client.get(URL, params={"limit": 2}, headers=tenant.manager)).json()
    rest = await client.get(
        URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.manager
    )
    names = [r["name"] for r in first["items"] + rest.json()["items"]]
    assert names == ["rule 0", "rule 1", "rule 2"]
    catalogue = {
        m["name"]: m for m in (await client.get(f"{URL}/metrics", headers=tenant.manager)).json()
    }
    assert len(catalogue) == 16
    assert (catalogue["webhookFailureRate"]["scope"], catalogue["webhookFailureRate"]["unit"]) == (
        "organization",
        "%",
    )
    assert (catalogue["cpuUsage"]["scope"], catalogue["cpuUsage"]["unit"]) == ("service", "%")
    assert catalogue["coverageGaps"]["params"] == ["days", "team_id"]


REFUSED = [
    ({"metric": "cpuUsag", "operator": "gt", "threshold": 1}, "coverageGaps"),
    ({"metric": "cpuUsage", "operator": "above", "threshold": 1}, "'gte'"),
    ({"metric": "coverageGaps", "operator": "gt", "threshold": 0, "params": {"days": 0}}, "between 1 and 90"),
    ({"metric": "coverageGaps", "operator": "gt", "threshold": 0, "params": {"hours": 1}}, "days, team_id"),
    ({"metric": "pendingAbsenceRequests", "operator": "gt", "threshold": 0, "params": {"days": 3}}, "team_id"),
    ({"metric": "cpuUsage", "operator": "gt", "threshold": 1, "params": {"days": 3}}, "none"),
]  # fmt: skip


async def test_unknown_metrics_operators_and_params_name_what_is_allowed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for condition, expected in REFUSED:
        response = await client.post(URL, json=rule_body(condition=condition), headers=tenant.admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert expected in response.text, (condition, response.text)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []


async def test_references_must_be_the_organizations_own(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign_channel = await in_app_channel(
        session, other_tenant.org, other_tenant.users[Role.ADMIN]
    )
    foreign_policy = EscalationPolicy(org_id=other_tenant.org.id, name="theirs", steps=[])
    session.add(foreign_policy)
    await session.commit()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channelIds": [foreign_channel.id]}, "#/channelIds/0"),
        ({"escalationPolicyId": foreign_policy.id}, "#/escalationPolicyId"),
        (
            {
                "condition": {
                    "metric": "coverageGaps",
                    "operator": "gt",
                    "threshold": 0,
                    "params": {"team_id": other_tenant.team.id},
                }
            },
            "#/condition/params/team_id",
        ),
    ]
    for changes, pointer in cases:
        response = await client.post(URL, json=rule_body(**changes), headers=tenant.admin)
        assert response.status_code == 422, (changes, response.text)
        assert response.json()["errors"][0]["pointer"] == pointer


async def test_service_metrics_are_the_platform_operators(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    cpu_rule = rule_body(
        name="CPU", condition={"metric": "cpuUsage", "operator": "gt", "threshold": 80}
    )
    refused = await client.post(URL, json=cpu_rule, headers=other_tenant.admin)
    assert refused.status_code == 403
    assert "platform operator" in refused.json()["detail"]
    own = await client.post(URL, json=rule_body(), headers=other_tenant.admin)
    assert own.status_code == 201
    switched = await client.patch(
        f"{URL}/{own.json()['id']}",
        json={"condition": cpu_rule["condition"]},
        headers=other_tenant.admin,
    )
    assert switched.status_code == 403
    # The operator (the first tenant's admin) may.
    created = await client.post(URL, json=cpu_rule, headers=tenant.admin)
    assert created.status_code == 201, created.text


async def test_disabling_or_deleting_a_rule_resolves_its_open_alerts(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rules = []
    for name in ("disabled", "deleted"):
        body = rule_body(
            name=name,
            condition={"metric": "cpuUsage", "operator": "gt", "threshold": 80, "windowMinutes": 1},
        )
        rules.append((await client.post(URL, json=body, headers=tenant.admin)).json())
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    with_alert = (await client.get(f"{URL}/{rules[0]['id']}", headers=tenant.admin)).json()
    assert with_alert["lastState"] == "firing"
    assert [alert["status"] for alert in with_alert["openAlerts"]] == ["firing"]

    response = await client.patch(
        f"{URL}/{rules[0]['id']}", json={"enabled": False}, headers=tenant.admin
    )
    assert response.json()["openAlerts"] == []
    assert (await client.delete(f"{URL}/{rules[1]['id']}", headers=tenant.admin)).status_code == 204
    [disabled] = await alerts_of(session, rules[0]["id"])
    assert (disabled.status, disabled.resolution) == (AlertStatus.RESOLVED, "rule_disabled")
    alerts = (await client.get("/monitoring/alerts", headers=tenant.admin)).json()["items"]
    assert {(a["ruleName"], a["resolution"], a["ruleId"]) for a in alerts} == {
        ("disabled", "rule_disabled", rules[0]["id"]),
        ("deleted", "rule_deleted", None),
    }
    # A disabled rule is not evaluated.
    await evaluate(runtime, T0)
    assert len(await alerts_of(session, rules[0]["id"])) == 1
