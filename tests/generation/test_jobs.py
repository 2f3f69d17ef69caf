"""Generation jobs through the API: generate, poll, read the proposal, apply; and every
way applying or generating is refused."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.generation import lifecycle
from shiftplanner.kit.time import utcnow
from shiftplanner.models import (
    AuditLog,
    CoverageRequirement,
    GenerationJob,
    JobStatus,
    OutboxEvent,
    Role,
)
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, Problem
from shiftplanner.scheduling.problem import Assignment as Planned
from tests.assertions import problem
from tests.conftest import running
from tests.factories import Tenant, make_assignment
from tests.generation.conftest import (
    MONDAY,
    WEEK,
    SmallTeam,
    generate_body,
    make_small_team,
    queue_job,
    run_in_process,
    wait_for_job,
)

GENERATE = "/api/schedules/generate"
Key = tuple[int, int, str, bool]


def tiny_problem_of(tenant: Tenant) -> Problem:
    """A one-week problem; the queue never looks at it."""
    return Problem(start=MONDAY, end=MONDAY + timedelta(days=6), shift_types=[], analysts=[])


def roster_keys(assignments: list[dict[str, Any]]) -> set[Key]:
    return {(a["analyst_id"], a["shift_type_id"], a["date"], a["is_screener"]) for a in assignments}


async def team_schedule(
    client: httpx.AsyncClient, headers: dict[str, str], team_id: int
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/schedules", params={**WEEK, "team_id": team_id, "limit": 500}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def schedule_events(session: AsyncSession, org_id: int, kind: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.org_id == org_id, OutboxEvent.event_type == kind)
    )
    return int(count or 0)


async def test_a_job_runs_in_a_solver_process_and_its_proposal_is_applied(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam, runner_settings: Settings
) -> None:
    async with running(runner_settings) as (_, client):
        created = await client.post(
            GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
        )
        assert created.status_code == 202, created.text
        job = created.json()
        assert job["status"] == "queued"
        assert created.headers["location"] == f"{GENERATE}/{job['id']}"

        done = await wait_for_job(client, tenant.manager, job["id"])
        assert done["status"] == "succeeded", done["error"]
        assert done["started_at"] is not None
        assert done["finished_at"] is not None
        assert done["progress"], "every improvement is recorded"
        assert set(done["progress"][-1]) == {"seconds", "objective", "bound"}
        proposal = done["proposal"]
        solution = proposal["solution"]
        assert solution["status"] in ("optimal", "feasible")
        assert solution["objective"] == done["progress"][-1]["objective"]
        assert set(solution["breakdown"]) >= {"under_cover", "over_cover", "changes"}
        assert proposal["replacements"] is None  # not a re-plan
        assert proposal["applicable"] is True

        # The proposal keeps every hard rule of the exact problem the job solved.
        stored = await client.get(f"{GENERATE}/{job['id']}/problem", headers=tenant.manager)
        assert stored.status_code == 200
        planned = Problem.model_validate(stored.json())
        roster = [
            Planned(
                analyst_id=a["analyst_id"],
                date=a["date"],
                shift_type_id=a["shift_type_id"],
                is_screener=a["is_screener"],
            )
            for a in proposal["assignments"]
        ]
        assert check(planned, roster).violations == []
        # Two shifts a day for a week, one analyst each: a full week needs 14.
        assert len(roster) == 14
        # What the proposal would leave (one screener cannot do every weekday) points at
        # proposal entries, and is never a hard conflict.
        for conflict in proposal["conflicts"]:
            assert conflict["severity"] == "warning"
            assert all(0 <= i < len(roster) for i in conflict["item_indexes"])
        # Judged by the coverage the solver planned to: exactly the shortfalls it reports.
        left = Counter(c["type"] for c in proposal["conflicts"])
        assert left["missing_screener"] == solution["breakdown"]["screener_short"]["count"] > 0
        assert left["coverage_gap"] == solution["breakdown"]["under_cover"]["count"]

        applied = await client.post(f"{GENERATE}/{job['id']}/apply", headers=tenant.manager)
        assert applied.status_code == 200, applied.text
        result = applied.json()
        assert result["job"]["status"] == "applied"
        assert result["job"]["applied_at"] is not None
        assert len(result["created"]) == 14
        assert result["updated"] == []
        assert result["deleted"] == []

        schedule = await team_schedule(client, tenant.manager, small_team.team.id)
        assert roster_keys(schedule) == roster_keys(proposal["assignments"])
        assert {a["source"] for a in schedule} == {"generated"}
        assert await schedule_events(session, tenant.org.id, "schedule.created") == 14

        again = await client.post(f"{GENERATE}/{job['id']}/apply", headers=tenant.manager)
        assert "already been applied" in problem(again, 409)["detail"]
        assert len(await team_schedule(client, tenant.manager, small_team.team.id)) == 14
        assert await schedule_events(session, tenant.org.id, "schedule.created") == 14


async def test_apply_refuses_when_the_schedule_changed_meanwhile(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
    )
    job_id = created.json()["id"]
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    ready = await wait_for_job(client, tenant.manager, job_id)
    assert ready["proposal"]["applicable"] is True

    # Someone books an analyst of the team by hand in the range.
    booked = await client.post(
        "/api/schedules",
        json={
            "analyst_id": small_team.analysts[3].id,
            "shift_type_id": small_team.shift_types[0].id,
            "date": (MONDAY + timedelta(days=2)).isoformat(),
        },
        headers=tenant.manager,
    )
    assert booked.status_code == 201, booked.text
    stale = await wait_for_job(client, tenant.manager, job_id)
    assert stale["proposal"]["applicable"] is False

    refused = await client.post(f"{GENERATE}/{job_id}/apply", headers=tenant.manager)
    assert "changed since the job was made" in problem(refused, 409)["detail"]
    assert len(await team_schedule(client, tenant.manager, small_team.team.id)) == 1
    assert await schedule_events(session, tenant.org.id, "schedule.created") == 1
    assert (await wait_for_job(client, tenant.manager, job_id))["status"] == "succeeded"


async def test_an_applied_roster_keeps_the_skills_the_solver_chose(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    morning = small_team.shift_types[0]
    senior = small_team.analysts[2]
    senior.skills = ["senior"]
    wednesday = MONDAY + timedelta(days=2)
    # Wednesday's morning must be covered by a senior (hard), Thursday's ideally.
    for day, need in ((wednesday, {"minimum": 1}), (wednesday + timedelta(days=1), {"optimal": 1})):
        session.add(
            CoverageRequirement(
                org_id=tenant.org.id,
                shift_type_id=morning.id,
                date=day,
                required=1,
                skills=[{"skill": "senior", **need}],
            )
        )
    await session.commit()
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
    )
    assert created.status_code == 202, created.text
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    job_id = created.json()["id"]
    assert (await wait_for_job(client, tenant.manager, job_id))["proposal"]["applicable"]

    applied = await client.post(f"{GENERATE}/{job_id}/apply", headers=tenant.manager)
    assert applied.status_code == 200, applied.text
    schedule = await team_schedule(client, tenant.manager, small_team.team.id)
    covering = {
        (a["date"], a["analyst_id"], a["shift_type_id"]) for a in schedule if a["skill"] is not None
    }
    assert {a["skill"] for a in schedule} <= {"senior", None}
    for day in (wednesday, wednesday + timedelta(days=1)):
        assert (day.isoformat(), senior.id, morning.id) in covering
    assert all(a["analyst_id"] == senior.id for a in schedule if a["skill"] == "senior")


async def test_one_queued_or_running_job_per_team(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    body = generate_body(small_team.team.id)
    first = await client.post(GENERATE, json=body, headers=tenant.manager)
    assert first.status_code == 202
    second = await client.post(GENERATE, json=body, headers=tenant.admin)
    assert problem(second, 409)["job_id"] == first.json()["id"]

    job = await session.get(GenerationJob, first.json()["id"])
    assert job is not None
    job.status = JobStatus.RUNNING
    await session.commit()
    assert (await client.post(GENERATE, json=body, headers=tenant.manager)).status_code == 409
    # Another team is not held up.
    other = await client.post(GENERATE, json=generate_body(tenant.team.id), headers=tenant.manager)
    assert other.status_code == 202, other.text

    cancelled = await client.delete(f"{GENERATE}/{job.id}", headers=tenant.manager)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["end_requested"]) == (
        "running",
        "cancelled",
    )
    # No solver runs it here: end it as its solver would, before it found a roster.
    async with session_scope(runtime.session_factory) as ending:
        assert await lifecycle.finish(ending, job.id, JobStatus.CANCELLED) is not None
    assert (await client.post(GENERATE, json=body, headers=tenant.manager)).status_code == 202
    # A cancelled job cannot be cancelled again, nor applied without a roster.
    assert problem(await client.delete(f"{GENERATE}/{job.id}", headers=tenant.manager), 409)
    refused = await client.post(f"{GENERATE}/{job.id}/apply", headers=tenant.manager)
    assert "only a job that ended with a roster" in problem(refused, 409)["detail"]


async def test_requests_that_cannot_be_planned_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, small_team: SmallTeam
) -> None:
    team_id = small_team.team.id
    foreign = await client.post(
        GENERATE, json=generate_body(other_tenant.team.id), headers=tenant.manager
    )
    assert problem(foreign, 422)["errors"][0]["pointer"] == "#/team_id"
    too_long = {
        **generate_body(team_id),
        "end": (MONDAY + timedelta(days=MAX_HORIZON_DAYS)).isoformat(),
    }
    assert problem(await client.post(GENERATE, json=too_long, headers=tenant.manager), 422)
    inverted = {**generate_body(team_id), "end": (MONDAY - timedelta(days=1)).isoformat()}
    assert problem(await client.post(GENERATE, json=inverted, headers=tenant.manager), 422)
    for limit in (0, 601):
        body = {**generate_body(team_id), "time_limit_seconds": limit}
        assert problem(await client.post(GENERATE, json=body, headers=tenant.manager), 422)
    unknown_weight = generate_body(team_id, weights={"kindness": 3})
    assert problem(await client.post(GENERATE, json=unknown_weight, headers=tenant.manager), 422)
    # The longest range is accepted, with the default time limit.
    longest = {"team_id": team_id, "start": MONDAY.isoformat()}
    longest["end"] = (MONDAY + timedelta(days=MAX_HORIZON_DAYS - 1)).isoformat()
    accepted = await client.post(GENERATE, json=longest, headers=tenant.manager)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["time_limit_seconds"] == 60


async def test_a_run_may_make_a_limit_soft_or_keep_it_hard(
    client: httpx.AsyncClient, tenant: Tenant, small_team: SmallTeam
) -> None:
    body = generate_body(small_team.team.id, weights={"weekends": 30, "assignments": None})
    queued = await client.post(GENERATE, json=body, headers=tenant.manager)
    assert queued.status_code == 202, queued.text
    assert queued.json()["options"]["weights"] == {"weekends": 30, "assignments": None}
    job_id = queued.json()["id"]
    assert (await client.delete(f"{GENERATE}/{job_id}", headers=tenant.manager)).status_code < 300


async def test_an_infeasible_problem_is_explained_and_cannot_be_applied(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    # A locked screener duty for an analyst without the skill: no roster keeps it.
    locked = await make_assignment(
        session, small_team.analysts[1], small_team.shift_types[0], MONDAY, screener=True
    )
    locked.is_locked = True
    await session.commit()
    # The proof ends the search at once; the limit only has to outlast a busy machine.
    created = await client.post(
        GENERATE, json={**generate_body(small_team.team.id), "time_limit_seconds": 20},
        headers=tenant.manager,
    )  # fmt: skip
    assert created.status_code == 202, created.text
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    done = await wait_for_job(client, tenant.manager, created.json()["id"])
    solution = done["proposal"]["solution"]
    assert solution["status"] == "infeasible"
    assert {v["rule"] for v in solution["explanation"]} & {"screener_skill", "locked"}
    # Named as people read them: the analyst and the shift type by name, not by id.
    culprit = small_team.analysts[1]
    for violation in solution["explanation"]:
        assert culprit.name in violation["message"], violation
        assert "MORNING" in violation["message"], violation
        assert f"analyst {culprit.id}" not in violation["message"], violation
    assert done["proposal"]["assignments"] == []
    assert done["proposal"]["conflicts"] == []
    assert done["proposal"]["applicable"] is False
    refused = await client.post(f"{GENERATE}/{created.json()['id']}/apply", headers=tenant.manager)
    assert "no roster" in problem(refused, 409)["detail"]


async def test_a_problem_that_cannot_be_read_fails_the_job_with_the_error(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
    )
    job = await session.get(GenerationJob, created.json()["id"])
    assert job is not None
    job.problem = {**job.problem, "end": "not a date"}
    await session.commit()
    assert await run_in_process(runtime, settings) is JobStatus.FAILED
    failed = await wait_for_job(client, tenant.manager, job.id)
    assert failed["status"] == "failed"
    assert failed["error"].startswith("ValidationError")
    assert failed["proposal"] is None


# --- the queue, the list, and the job's trail --------------------------------------------


async def test_an_organization_may_queue_only_its_share_of_jobs(
    settings: Settings, session: AsyncSession, tenant: Tenant
) -> None:
    teams = [await make_small_team(session, tenant) for _ in range(3)]
    capped = settings.model_copy(update={"generation_max_active_per_org": 2})
    async with running(capped) as (_, http):
        answers = [
            await http.post(GENERATE, json=generate_body(t.team.id), headers=tenant.manager)
            for t in teams
        ]
        assert [a.status_code for a in answers] == [202, 202, 409]
        assert "already has 2 generation jobs" in answers[2].json()["detail"]
        cancelled = await http.delete(f"{GENERATE}/{answers[0].json()['id']}", headers=tenant.admin)
        assert cancelled.json()["status"] == "cancelled"
        again = await http.post(
            GENERATE, json=generate_body(teams[2].team.id), headers=tenant.admin
        )
        assert again.status_code == 202, again.text


async def test_queued_jobs_show_their_place_and_estimated_start(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    """No runner here: two solvers (the default), each free. The other organization's
    long job runs; ours, queued behind its second job, still goes first: solvers go to
    organizations in turn."""
    long_running = await queue_job(session, other_tenant, tiny_problem_of(other_tenant))
    long_running.status = JobStatus.RUNNING
    long_running.claimed_at = long_running.started_at = utcnow()
    long_running.time_limit_seconds = 600
    theirs = await queue_job(session, other_tenant, tiny_problem_of(other_tenant))
    await session.commit()
    team = await make_small_team(session, tenant)
    ours = await client.post(GENERATE, json=generate_body(team.team.id), headers=tenant.manager)
    assert ours.status_code == 202, ours.text
    created = ours.json()
    assert created["queue_position"] == 1
    assert created["estimated_start_at"] is not None
    mine = (await client.get(f"{GENERATE}/{created['id']}", headers=tenant.manager)).json()
    assert mine["queue_position"] == 1
    started = datetime.fromisoformat(mine["estimated_start_at"])
    assert abs((started - utcnow()).total_seconds()) < 30
    other = (await client.get(f"{GENERATE}/{theirs.id}", headers=other_tenant.manager)).json()
    assert other["queue_position"] == 2
    # Theirs waits for their own first job (at most its 600 s).
    waits = datetime.fromisoformat(other["estimated_start_at"]) - utcnow()
    assert timedelta(seconds=500) < waits <= timedelta(seconds=600)
    running_job = await client.get(f"{GENERATE}/{long_running.id}", headers=other_tenant.manager)
    assert running_job.json()["queue_position"] is None


async def test_the_organizations_jobs_are_listed_newest_first(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    teams = [await make_small_team(session, tenant) for _ in range(2)]
    made = [
        (await client.post(GENERATE, json=generate_body(t.team.id), headers=tenant.manager)).json()
        for t in teams
    ]
    await client.delete(f"{GENERATE}/{made[0]['id']}", headers=tenant.manager)
    await queue_job(session, other_tenant, tiny_problem_of(other_tenant))
    listed = await client.get(GENERATE, headers=tenant.manager)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [made[1]["id"], made[0]["id"]]
    assert [(i["status"], i["queue_position"]) for i in items] == [
        ("queued", 1),
        ("cancelled", None),
    ]
    assert {i["team_id"] for i in items} == {t.team.id for t in teams}
    queued = await client.get(GENERATE, params={"status": "queued"}, headers=tenant.admin)
    assert [i["id"] for i in queued.json()["items"]] == [made[1]["id"]]
    by_team = await client.get(GENERATE, params={"team_id": teams[0].team.id}, headers=tenant.admin)
    assert [i["id"] for i in by_team.json()["items"]] == [made[0]["id"]]
    problem(await client.get(GENERATE, params={"status": "lost"}, headers=tenant.admin), 422)
    problem(await client.get(GENERATE, headers=tenant.viewer), 403)


async def test_a_jobs_life_is_audited_as_events(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    created = await client.post(
        GENERATE, json=generate_body(small_team.team.id), headers=tenant.manager
    )
    job_id = created.json()["id"]
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    applied = await client.post(f"{GENERATE}/{job_id}/apply", headers=tenant.admin)
    assert applied.status_code == 200, applied.text
    entries = (
        await session.execute(
            select(AuditLog.action, AuditLog.actor_user_id, AuditLog.org_id)
            .where(AuditLog.resource_type == "generation", AuditLog.resource_id == job_id)
            .order_by(AuditLog.id)
        )
    ).all()
    assert [tuple(e) for e in entries] == [
        ("generation.requested", tenant.users[Role.MANAGER].id, tenant.org.id),
        ("generation.succeeded", None, tenant.org.id),
        ("generation.applied", tenant.users[Role.ADMIN].id, tenant.org.id),
    ]
    events = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type.like("generation.%"))
    )
    payloads = {e.event_type: e.payload["data"] for e in events}
    assert payloads["generation.succeeded"]["status"] == "succeeded"
    assert "problem" not in payloads["generation.requested"]


async def test_the_solver_logs_under_the_id_of_the_request_that_queued_the_job(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    tenant: Tenant,
    small_team: SmallTeam,
) -> None:
    created = await client.post(
        GENERATE,
        json={**generate_body(small_team.team.id), "time_limit_seconds": 2},
        headers={**tenant.manager, "X-Request-ID": "trace-roster-7"},
    )
    assert created.status_code == 202, created.text
    structlog.contextvars.clear_contextvars()
    # Solved here, in this task, as the solver process runs it: every line it logs from
    # then on merges this context (the set-up's merge_contextvars).
    assert await run_in_process(runtime, settings) is JobStatus.SUCCEEDED
    assert structlog.contextvars.get_contextvars()["request_id"] == "trace-roster-7"
    structlog.contextvars.clear_contextvars()
