"""A team's schedule generation settings: the solver's weights and the team's own rules,
with defaults until someone sets them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, OutboxEvent, Role, TeamScheduleSettings
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, Weights
from tests.assertions import problem
from tests.factories import Tenant, make_team

DEFAULT_WEIGHTS = Weights().model_dump()
DEFAULT_RULES = {
    "max_consecutive_screener_days": 2,
    "screeners_on_weekends": False,
    "holidays_off": True,
    "fairness_window_days": 56,
}


def url(team_id: int) -> str:
    return f"/api/teams/{team_id}/schedule-settings"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


async def events(runtime: Runtime) -> list[OutboxEvent]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "team.schedule_settings_updated")
            .order_by(OutboxEvent.id)
        )
        return list(rows)


async def stored(runtime: Runtime) -> list[TeamScheduleSettings]:
    async with runtime.session_factory() as db:
        return list(await db.scalars(select(TeamScheduleSettings)))


@pytest.mark.parametrize("role", list(Role))
async def test_everyone_reads_the_defaults_of_a_team_never_set(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, role: Role
) -> None:
    response = await client.get(url(tenant.team.id), headers=tenant.headers[role])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "team_id": tenant.team.id,
        "org_id": tenant.org.id,
        "weights": DEFAULT_WEIGHTS,
        **DEFAULT_RULES,
    }
    assert await stored(runtime) == []


async def test_a_manager_sets_weights_and_rules_and_the_rest_keep_their_defaults(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    body = {
        "weights": {"under_cover": 1000, "fairness_nights": 0},
        "max_consecutive_screener_days": 3,
        "screeners_on_weekends": True,
    }
    response = await client.put(url(tenant.team.id), json=body, headers=tenant.manager)
    assert response.status_code == 200, response.text
    expected = {
        "team_id": tenant.team.id,
        "org_id": tenant.org.id,
        "weights": {**DEFAULT_WEIGHTS, "under_cover": 1000, "fairness_nights": 0},
        **DEFAULT_RULES,
        "max_consecutive_screener_days": 3,
        "screeners_on_weekends": True,
    }
    assert response.json() == expected
    assert (await client.get(url(tenant.team.id), headers=tenant.viewer)).json() == expected
    # Only the weights that were set are stored: the others follow the solver's defaults.
    [row] = await stored(runtime)
    assert row.weights == {"under_cover": 1000, "fairness_nights": 0}
    [event] = await events(runtime)
    assert (event.resource_type, event.resource_id) == ("team", tenant.team.id)
    assert event.actor_user_id == tenant.users[Role.MANAGER].id
    assert event.payload["data"] == expected
    assert event.payload["changes"] == {
        "weights": {"old": DEFAULT_WEIGHTS, "new": expected["weights"]},
        "max_consecutive_screener_days": {"old": 2, "new": 3},
        "screeners_on_weekends": {"old": False, "new": True},
    }
    async with runtime.session_factory() as db:
        [action] = await db.scalars(
            select(AuditLog.action).where(
                AuditLog.resource_type == "team", AuditLog.resource_id == tenant.team.id
            )
        )
    assert action == "team.schedule_settings_updated"


async def test_put_replaces_everything_and_an_unchanged_put_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    target = url(tenant.team.id)
    same_as_defaults = await client.put(
        target, json={"weights": {"under_cover": 100}}, headers=tenant.admin
    )
    assert same_as_defaults.status_code == 200, same_as_defaults.text
    assert await events(runtime) == []
    assert await stored(runtime) == []
    body = {"holidays_off": False, "fairness_window_days": 28}
    assert (await client.put(target, json=body, headers=tenant.admin)).status_code == 200
    assert (await client.put(target, json=body, headers=tenant.manager)).status_code == 200
    assert len(await events(runtime)) == 1
    reset = await client.put(target, json={}, headers=tenant.manager)
    assert reset.json() == {
        "team_id": tenant.team.id,
        "org_id": tenant.org.id,
        "weights": DEFAULT_WEIGHTS,
        **DEFAULT_RULES,
    }
    last = (await events(runtime))[-1]
    assert last.payload["changes"] == {
        "holidays_off": {"old": False, "new": True},
        "fairness_window_days": {"old": 28, "new": 56},
    }


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"weights": {"under_coverage": 5}}, "#/weights/under_coverage"),
        ({"weights": {"under_cover": -1}}, "#/weights/under_cover"),
        ({"weights": {"change": 1_000_001}}, "#/weights/change"),
        ({"weights": {"on_request": "high"}}, "#/weights/on_request"),
        ({"weights": [1, 2]}, "#/weights"),
        ({"max_consecutive_screener_days": 0}, "#/max_consecutive_screener_days"),
        (
            {"max_consecutive_screener_days": MAX_HORIZON_DAYS + 1},
            "#/max_consecutive_screener_days",
        ),
        ({"weights": {"weekends": -1}}, "#/weights/weekends"),
        ({"weights": {"skill_short": None}}, "#/weights/skill_short"),
        ({"fairness_window_days": -1}, "#/fairness_window_days"),
        ({"fairness_window_days": 367}, "#/fairness_window_days"),
        ({"holidays_off": None}, "#/holidays_off"),
        ({"min_rest_hours": 11}, "#/min_rest_hours"),
    ],
)
async def test_settings_the_solver_would_refuse_are_422(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    body: dict[str, Any],
    pointer: str,
) -> None:
    refused = problem(await client.put(url(tenant.team.id), json=body, headers=tenant.manager), 422)
    assert pointers(refused) == [pointer]
    assert await stored(runtime) == []


async def test_a_limit_is_hard_until_given_a_weight_and_hard_again_when_nulled(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    limits = [
        "consecutive_days",
        "consecutive_days_off",
        "consecutive_shift_type",
        "assignments",
        "weekends",
        "complete_weekends",
    ]
    defaults = (await client.get(url(tenant.team.id), headers=tenant.viewer)).json()["weights"]
    assert {name: defaults[name] for name in limits} == dict.fromkeys(limits)

    soft = {"weekends": 30, "complete_weekends": 0, "skill_short": 250}
    response = await client.put(url(tenant.team.id), json={"weights": soft}, headers=tenant.manager)
    assert response.status_code == 200, response.text
    assert response.json()["weights"] == {**DEFAULT_WEIGHTS, **soft}
    # Hard again: null, stored as null, read as null.
    hard = {"weekends": None, "complete_weekends": 0, "skill_short": 250}
    response = await client.put(url(tenant.team.id), json={"weights": hard}, headers=tenant.manager)
    assert response.status_code == 200, response.text
    assert response.json()["weights"] == {**DEFAULT_WEIGHTS, **hard}
    assert (await client.get(url(tenant.team.id), headers=tenant.viewer)).json()["weights"] == {
        **DEFAULT_WEIGHTS,
        **hard,
    }
    [row] = await stored(runtime)
    assert row.weights == hard
    last = (await events(runtime))[-1]
    assert last.payload["changes"]["weights"]["old"]["weekends"] == 30
    assert last.payload["changes"]["weights"]["new"]["weekends"] is None


async def test_only_managers_and_admins_change_settings(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"weights": {"over_cover": 1}}
    for headers in (tenant.analyst, tenant.viewer):
        refused = await client.put(url(tenant.team.id), json=body, headers=headers)
        assert problem(refused, 403)["type"].endswith(":forbidden")
    problem(await client.put(url(tenant.team.id), json=body), 401)
    problem(await client.get(url(tenant.team.id)), 401)
    current = await client.get(url(tenant.team.id), headers=tenant.analyst)
    assert current.json()["weights"]["over_cover"] == DEFAULT_WEIGHTS["over_cover"]


async def test_each_team_has_its_own_settings_and_they_go_with_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    team = await make_team(session, tenant.org)
    await session.commit()
    body = {"fairness_window_days": 14}
    assert (await client.put(url(team.id), json=body, headers=tenant.admin)).status_code == 200
    own = await client.get(url(tenant.team.id), headers=tenant.admin)
    assert own.json()["fairness_window_days"] == 56
    assert (await client.get(url(team.id), headers=tenant.admin)).json()["team_id"] == team.id
    assert (await client.delete(f"/api/teams/{team.id}", headers=tenant.admin)).status_code == 204
    problem(await client.get(url(team.id), headers=tenant.admin), 404)
    assert await stored(runtime) == []


async def test_another_organizations_team_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    theirs = url(other_tenant.team.id)
    problem(await client.get(theirs, headers=tenant.admin), 404)
    problem(await client.put(theirs, json={"holidays_off": False}, headers=tenant.admin), 404)
    problem(await client.get(url(999_999), headers=tenant.admin), 404)
    problem(await client.put(url(999_999), json={}, headers=tenant.manager), 404)
    assert await stored(runtime) == []
    assert (await client.get(theirs, headers=other_tenant.viewer)).json()["holidays_off"] is True
