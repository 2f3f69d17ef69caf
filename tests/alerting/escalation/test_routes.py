"""`/monitoring/escalation-policies` and `POST /monitoring/alerts/{id}/escalate`, as an
admin or manager uses them."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import (
    AlertRule,
    AlertSeverity,
    AlertStatus,
    ChannelType,
    ComparisonOperator,
    NotificationChannel,
    OutboxEvent,
    Role,
)
from shiftplanner.runtime import Runtime
from tests.alerting.escalation.arrange import (
    MONDAY,
    at,
    crew,
    feed,
    firing_alert,
    history,
    make_policy,
    on_shift,
    role,
    step,
)
from tests.assertions import problem
from tests.factories import Tenant

URL = "/monitoring/escalation-policies"
NINE = at(MONDAY, 9)


def policy_body(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Page the night",
        "description": "Whoever is on shift, then the managers",
        "steps": [
            {
                "waitMinutes": 0,
                "target": {
                    "type": "on_shift",
                    "teamId": tenant.team.id,
                    "shiftTypeId": tenant.shift_types[1].id,
                    "screenersOnly": False,
                },
                "via": ["in_app", "sms"],
            },
            {"waitMinutes": 15, "target": {"type": "role", "role": "manager"}},
            {"waitMinutes": 15, "target": {"type": "user", "userId": tenant.users[Role.ADMIN].id}},
        ],
        "repeat": 2,
        "reminderMinutes": 30,
        "unacknowledgeAfterMinutes": 120,
        **fields,
    }


async def test_admins_write_policies_and_managers_read_them(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    created = await client.post(URL, json=policy_body(tenant), headers=tenant.admin)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["steps"][0]["target"] == {
        "type": "on_shift",
        "teamId": tenant.team.id,
        "shiftTypeId": tenant.shift_types[1].id,
        "screenersOnly": False,
    }
    assert policy["steps"][1]["via"] is None
    assert (policy["repeat"], policy["reminderMinutes"], policy["version"]) == (2, 30, 1)

    listed = await client.get(URL, headers=tenant.manager)
    assert [p["id"] for p in listed.json()["items"]] == [policy["id"]]
    one = await client.get(f"{URL}/{policy['id']}", headers=tenant.manager)
    assert one.json() == policy

    changed = await client.patch(
        f"{URL}/{policy['id']}",
        json={
            "steps": [{"waitMinutes": 5, "target": {"type": "role", "role": "admin"}}],
            "reminderMinutes": None,
            "version": 1,
        },
        headers=tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    assert (len(changed.json()["steps"]), changed.json()["reminderMinutes"]) == (1, None)
    stale = await client.patch(
        f"{URL}/{policy['id']}", json={"repeat": 1, "version": 1}, headers=tenant.admin
    )
    problem(stale, 409)
    types = await session.scalars(
        select(OutboxEvent.event_type).where(OutboxEvent.org_id == tenant.org.id)
    )
    assert {"escalation_policy.created", "escalation_policy.updated"} <= set(types)


BAD_POLICIES: list[tuple[dict[str, Any] | str, str | None]] = [
    ({"steps": []}, None),
    ({"repeat": 11}, None),
    ({"steps": [{"waitMinutes": -1, "target": {"type": "role", "role": "admin"}}]}, None),
    ({"steps": [{"waitMinutes": 0, "target": {"type": "pager", "id": 1}}]}, None),
    ({"steps": [{"waitMinutes": 0, "target": {"type": "role", "role": "boss"}}]}, None),
    (
        {
            "steps": [
                {"waitMinutes": 0, "target": {"type": "channel", "channelId": 1}, "via": ["email"]}
            ]
        },
        None,
    ),
    ("foreign_user", "#/steps/0/target/userId"),
    ("foreign_channel", "#/steps/0/target/channelId"),
    ("foreign_team", "#/steps/0/target/teamId"),
    ("foreign_shift_type", "#/steps/0/target/shiftTypeId"),
    ("foreign_fallback", "#/fallbackChannelId"),
]


async def test_bad_policies_are_refused_naming_the_problem(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    theirs = NotificationChannel(
        org_id=other_tenant.org.id,
        name="Theirs",
        type=ChannelType.EMAIL,
        config={"to": ["x@example.com"]},
    )
    session.add(theirs)
    await session.commit()
    foreign = {
        "foreign_user": {"type": "user", "userId": other_tenant.users[Role.ADMIN].id},
        "foreign_channel": {"type": "channel", "channelId": theirs.id},
        "foreign_team": {"type": "on_shift", "teamId": other_tenant.team.id},
        # A shift type of another organization's team, under this organization's team.
        "foreign_shift_type": {
            "type": "on_shift",
            "teamId": tenant.team.id,
            "shiftTypeId": other_tenant.shift_types[0].id,
        },
    }
    for change, pointer in BAD_POLICIES:
        if change == "foreign_fallback":
            body = policy_body(tenant, fallbackChannelId=theirs.id)
        elif isinstance(change, str):
            body = policy_body(tenant, steps=[{"waitMinutes": 0, "target": foreign[change]}])
        else:
            body = policy_body(tenant, **change)
        refused = problem(await client.post(URL, json=body, headers=tenant.admin), 422)
        if pointer is not None:
            assert refused["errors"][0]["pointer"] == pointer, (change, refused)
    listed = await client.get(URL, headers=tenant.admin)
    assert listed.json()["items"] == []


async def test_a_name_is_taken_once_and_a_policy_in_use_can_be_deleted(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    created = (await client.post(URL, json=policy_body(tenant), headers=tenant.admin)).json()
    problem(await client.post(URL, json=policy_body(tenant), headers=tenant.admin), 409)
    rule = AlertRule(
        org_id=tenant.org.id,
        name="CPU",
        type="RESOURCE_EXHAUSTION",
        metric="cpuUsage",
        operator=ComparisonOperator.GT,
        threshold=80.0,
        severity=AlertSeverity.HIGH,
        escalation_policy_id=created["id"],
    )
    session.add(rule)
    await session.commit()

    deleted = await client.delete(f"{URL}/{created['id']}", headers=tenant.admin)
    assert deleted.status_code == 204, deleted.text
    await session.refresh(rule)
    assert rule.escalation_policy_id is None
    problem(await client.get(f"{URL}/{created['id']}", headers=tenant.admin), 404)


async def test_a_manager_escalates_by_hand(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(
        session, tenant, step(on_shift(tenant.team.id)), step(role(Role.ADMIN), wait=60)
    )
    alert = await firing_alert(session, tenant, policy, fired_at=NINE)
    # The first step has run (as the evaluator's start would have done at 09:00).
    alert.escalation_step = 1
    await session.commit()

    response = await client.post(f"/monitoring/alerts/{alert.id}/escalate", headers=tenant.manager)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["step"], result["round"], result["nextStep"]) == (1, 0, None)
    assert result["notified"] >= 2  # the admin in-app and by email
    assert await feed(session, tenant.users[Role.ADMIN].id) == [("alert.escalated", alert.id)]
    assert await feed(session, people.day_user.id) == []
    event, exhausted = await history(session, alert.id)
    assert exhausted.kind == "escalation_exhausted"
    assert (event.kind, event.actor_user_id) == ("escalated", manager.id)
    assert "by hand" in event.message
    escalated = await session.scalars(
        select(OutboxEvent.actor_user_id).where(OutboxEvent.event_type == "alert.escalated")
    )
    assert list(escalated) == [manager.id]

    # After the last step, by hand again: another round from the first step. Nobody is
    # on shift now (the schedule is in 2030), so that step is skipped, recorded, and the
    # next one runs.
    again = await client.post(f"/monitoring/alerts/{alert.id}/escalate", headers=tenant.admin)
    assert (again.json()["step"], again.json()["round"]) == (1, 1)
    events = (await history(session, alert.id))[2:]
    assert [(e.kind, e.details["step"], e.details["round"]) for e in events[:2]] == [
        ("step_skipped", 0, 1),
        ("escalated", 1, 1),
    ]


async def test_only_a_firing_alert_with_a_policy_escalates(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    policy = await make_policy(session, tenant, step(role(Role.ADMIN)))
    without = await firing_alert(session, tenant, None, fired_at=NINE)
    resolved = await firing_alert(session, tenant, policy, fired_at=NINE)
    resolved.status = AlertStatus.RESOLVED
    await session.commit()
    for alert in (without, resolved):
        refused = await client.post(
            f"/monitoring/alerts/{alert.id}/escalate", headers=tenant.manager
        )
        problem(refused, 409)
    foreign = await client.post(
        f"/monitoring/alerts/{resolved.id}/escalate", headers=other_tenant.admin
    )
    problem(foreign, 404)
    assert await history(session, resolved.id) == []
