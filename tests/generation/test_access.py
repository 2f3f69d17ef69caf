"""Who may generate: managers and admins of the team's organization, nobody else."""

from __future__ import annotations

import httpx

from shiftplanner.models import Role
from tests.assertions import problem
from tests.factories import Tenant
from tests.generation.conftest import SmallTeam, generate_body

GENERATE = "/api/schedules/generate"


async def test_analysts_and_viewers_may_not_generate_or_read_jobs(
    client: httpx.AsyncClient, tenant: Tenant, small_team: SmallTeam
) -> None:
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.admin
    )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    for role in (Role.ANALYST, Role.VIEWER):
        headers = tenant.headers[role]
        problem(
            await client.post(GENERATE, json=generate_body(tenant.team.id), headers=headers), 403
        )
        problem(await client.get(f"{GENERATE}/{job_id}", headers=headers), 403)
        problem(await client.get(f"{GENERATE}/{job_id}/problem", headers=headers), 403)
        problem(await client.post(f"{GENERATE}/{job_id}/apply", headers=headers), 403)
        problem(await client.delete(f"{GENERATE}/{job_id}", headers=headers), 403)
    assert (await client.get(f"{GENERATE}/{job_id}", headers=tenant.manager)).json()[
        "status"
    ] == "queued"


async def test_another_organization_sees_no_job_and_cannot_plan_a_foreign_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, small_team: SmallTeam
) -> None:
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
    )
    job_id = created.json()["id"]
    intruder = other_tenant.admin
    problem(await client.get(f"{GENERATE}/{job_id}", headers=intruder), 404)
    problem(await client.get(f"{GENERATE}/{job_id}/problem", headers=intruder), 404)
    problem(await client.post(f"{GENERATE}/{job_id}/apply", headers=intruder), 404)
    problem(await client.delete(f"{GENERATE}/{job_id}", headers=intruder), 404)
    foreign = await client.post(GENERATE, json=generate_body(small_team.team.id), headers=intruder)
    assert problem(foreign, 422)["errors"][0]["pointer"] == "#/team_id"
    # Still queued: the intruder cancelled nothing.
    assert (await client.get(f"{GENERATE}/{job_id}", headers=tenant.manager)).json()[
        "status"
    ] == "queued"
