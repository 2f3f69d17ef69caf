"""Re-planning: after an absence is approved, a re-plan moves only what the absence
strands, names each replacement, and applying it leaves everything else as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import JobStatus
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.generation.conftest import (
    NO_FAIRNESS,
    WEEK,
    generate_body,
    make_small_team,
    run_in_process,
    wait_for_job,
)

GENERATE = "/api/schedules/generate"


async def generate_and_wait(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    body: dict[str, Any],
) -> dict[str, Any]:
    created = await client.post(GENERATE, json=body, headers=headers)
    assert created.status_code == 202, created.text
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    return await wait_for_job(client, headers, created.json()["id"])


async def test_a_replan_after_an_absence_changes_only_the_stranded_shift(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
) -> None:
    small = await make_small_team(session, tenant, evening=False)
    morning = small.shift_types[0]
    morning.required_headcount, morning.screeners_required = 2, 0
    await session.commit()
    headers = tenant.manager

    first = await generate_and_wait(
        client, runtime, settings, headers, generate_body(small.team.id, weights=NO_FAIRNESS)
    )
    assert first["proposal"]["solution"]["breakdown"]["under_cover"]["count"] == 0
    applied = await client.post(f"{GENERATE}/{first['id']}/apply", headers=headers)
    assert applied.status_code == 200, applied.text
    before = {
        a["id"]: a
        for a in (
            await client.get(
                "/api/schedules", params={**WEEK, "team_id": small.team.id}, headers=headers
            )
        ).json()["items"]
    }
    assert len(before) == 14

    # Wednesday's first analyst goes on leave: the approval names the stranded shift.
    stranded = next(a for a in before.values() if a["date"] == "2030-01-09")
    absent = stranded["analyst_id"]
    requested = await client.post(
        "/api/absences",
        json={
            "analyst_id": absent,
            "start_date": "2030-01-09",
            "end_date": "2030-01-09",
            "kind": "sick",
        },
        headers=headers,
    )
    approval = await client.post(f"/api/absences/{requested.json()['id']}/approve", headers=headers)
    assert [a["id"] for a in approval.json()["stranded_assignments"]] == [stranded["id"]]

    replan = await generate_and_wait(
        client,
        runtime,
        settings,
        headers,
        generate_body(small.team.id, replan=True, weights=NO_FAIRNESS),
    )
    proposal = replan["proposal"]
    assert proposal["solution"]["breakdown"]["under_cover"]["count"] == 0
    assert proposal["solution"]["breakdown"]["changes"]["count"] == 2
    # The replacements: the absent analyst's Wednesday, and who covers it instead.
    replacements = proposal["replacements"]
    assert len(replacements) == 2
    slot = [{"shift_type_id": morning.id, "is_screener": False, "skill": None}]
    gone = next(r for r in replacements if r["analyst_id"] == absent)
    assert gone == {"analyst_id": absent, "date": "2030-01-09", "before": slot, "after": []}
    cover = next(r for r in replacements if r["analyst_id"] != absent)
    assert cover["date"] == "2030-01-09"
    assert (cover["before"], cover["after"]) == ([], slot)
    # The stranded shift no longer overlaps the absence (warnings such as a long run of
    # days may remain: the organization's limit is not a contract term).
    assert [c for c in proposal["conflicts"] if c["severity"] == "error"] == []

    applied = await client.post(f"{GENERATE}/{replan['id']}/apply", headers=headers)
    assert applied.status_code == 200, applied.text
    result = applied.json()
    assert result["deleted"] == [stranded["id"]]
    assert [(a["analyst_id"], a["date"]) for a in result["created"]] == [
        (cover["analyst_id"], "2030-01-09")
    ]
    assert result["updated"] == []
    after = {
        a["id"]: a
        for a in (
            await client.get(
                "/api/schedules", params={**WEEK, "team_id": small.team.id}, headers=headers
            )
        ).json()["items"]
    }
    # Every other assignment is untouched: same id, same version.
    untouched = {
        i: (a["version"], a["updated_at"]) for i, a in before.items() if i != stranded["id"]
    }
    assert {i: (a["version"], a["updated_at"]) for i, a in after.items() if i in untouched} == (
        untouched
    )
    assert len(after) == 14
    conflicts = await client.get(
        "/api/conflicts",
        params={"start": "2030-01-07", "end": "2030-01-13", "team_id": small.team.id},
        headers=headers,
    )
    assert conflicts.json()["errors"] == 0
    assert date.fromisoformat(cover["date"]).weekday() == 2
