"""Schedule changes reach the analysts they touch, through the outbox: in-app always,
by email when they opted in; one notice per person per change; never to whoever made
the change; at most once however often the dispatcher hands the event over."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events import DispatchedEvent
from shiftplanner.events.outbox import dispatched
from shiftplanner.kit.time import utcnow
from shiftplanner.models import ChannelType, GenerationJob, JobStatus, OutboxEvent, Role
from shiftplanner.notifications import consumer
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.notifications.helpers import deliveries
from tests.receivers import SmtpServer

FEED = "/api/notifications"


async def feed(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = await client.get(FEED, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_an_assignment_created_for_an_analyst_reaches_their_feed(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, session: AsyncSession
) -> None:
    analyst = tenant.analysts[2]  # linked to the analyst user
    created = await client.post(
        "/api/schedules",
        json={
            "analyst_id": analyst.id,
            "shift_type_id": tenant.shift_types[0].id,
            "date": "2030-01-07",
        },
        headers=tenant.manager,
    )
    assert created.status_code == 201, created.text
    await runtime.dispatcher.dispatch_pending()
    (notice,) = await feed(client, tenant.analyst)
    assert notice["kind"] == "schedule.changed"
    assert notice["title"] == "Your schedule changed: Added: MORNING on Mon 2030-01-07"
    # The page that shows it: the schedule on that day, the analyst picked out.
    assert str(notice["link"]).endswith(f"/calendar?date=2030-01-07&analyst={analyst.id}")
    # Not by email: the analyst has not opted in. And nobody else heard of it.
    assert [d.channel_type for d in await deliveries(session)] == [ChannelType.IN_APP]
    assert await feed(client, tenant.manager) == []
    # The dispatcher handing the event over again changes nothing.
    event = await schedule_event(session)
    assert await consumer.notify(session, event, public_url="https://x") == 1
    await session.commit()
    assert len(await feed(client, tenant.analyst)) == 1


async def test_a_bulk_write_is_one_notice_and_email_goes_to_those_who_opted_in(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    mailbox: SmtpServer,
) -> None:
    opted = await client.put(
        f"{FEED}/preferences", json={"email_schedule_changes": True}, headers=tenant.analyst
    )
    assert opted.status_code == 200
    mine, other = tenant.analysts[2], tenant.analysts[1]
    morning = tenant.shift_types[0].id
    items = [
        {"analyst_id": mine.id, "shift_type_id": morning, "date": f"2030-01-{day:02d}"}
        for day in (7, 8, 9)
    ] + [{"analyst_id": other.id, "shift_type_id": morning, "date": "2030-01-10"}]
    bulk = await client.post("/api/schedules/bulk", json={"items": items}, headers=tenant.manager)
    assert bulk.status_code in (200, 201), bulk.text
    while await runtime.dispatcher.dispatch_pending():
        pass
    (notice,) = await feed(client, tenant.analyst)
    assert notice["title"] == ("Your schedule changed: 3 shifts between 2030-01-07 and 2030-01-09")
    assert str(notice["body"]).count("Added: MORNING") == 3
    await runtime.delivery_worker.run_once()
    (envelope, email) = (await mailbox.wait())[0]
    assert envelope.rcpt_tos == [tenant.users[Role.ANALYST].email]
    assert email["Subject"] == notice["title"]
    assert len(mailbox.messages) == 1


async def test_two_bulk_writes_under_one_request_id_are_two_notices(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    """A client that sends one X-Request-ID twice made two changes: the second is not
    taken for part of the first."""
    mine, morning = tenant.analysts[2], tenant.shift_types[0].id
    reused = {**tenant.manager, "X-Request-ID": "retry-of-the-same-script"}
    for days in ((7, 8), (14, 15)):
        items = [
            {"analyst_id": mine.id, "shift_type_id": morning, "date": f"2030-01-{day:02d}"}
            for day in days
        ]
        bulk = await client.post("/api/schedules/bulk", json={"items": items}, headers=reused)
        assert bulk.status_code in (200, 201), bulk.text
    while await runtime.dispatcher.dispatch_pending():
        pass
    titles = sorted(str(notice["title"]) for notice in await feed(client, tenant.analyst))
    assert titles == [
        "Your schedule changed: 2 shifts between 2030-01-07 and 2030-01-08",
        "Your schedule changed: 2 shifts between 2030-01-14 and 2030-01-15",
    ]


async def test_moving_a_shift_to_someone_else_and_deciding_an_absence(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    mine, other = tenant.analysts[2], tenant.analysts[1]
    created = await client.post(
        "/api/schedules",
        json={
            "analyst_id": other.id,
            "shift_type_id": tenant.shift_types[0].id,
            "date": "2030-01-08",
        },
        headers=tenant.manager,
    )
    moved = await client.patch(
        f"/api/schedules/{created.json()['id']}",
        json={"analyst_id": mine.id, "version": 1},
        headers=tenant.manager,
    )
    assert moved.status_code == 200, moved.text
    note = await client.patch(
        f"/api/schedules/{created.json()['id']}",
        json={"note": "bring the keys", "version": 2},
        headers=tenant.manager,
    )
    assert note.status_code == 200, note.text
    # The analyst asks for an absence (told nothing: they made that change) and a
    # manager decides it.
    asked = await client.post(
        "/api/absences",
        json={
            "analyst_id": mine.id,
            "start_date": "2030-02-04",
            "end_date": "2030-02-05",
            "kind": "vacation",
        },
        headers=tenant.analyst,
    )
    assert asked.status_code == 201, asked.text
    approved = await client.post(
        f"/api/absences/{asked.json()['id']}/approve",
        json={"note": "enjoy"},
        headers=tenant.manager,
    )
    assert approved.status_code == 200, approved.text
    while await runtime.dispatcher.dispatch_pending():
        pass
    titles = [n["title"] for n in await feed(client, tenant.analyst)]
    assert titles == [
        "Your absence (vacation) Mon 2030-02-04 – Tue 2030-02-05 was approved",
        "Your schedule changed: Added: MORNING on Tue 2030-01-08",
    ]
    notice = (await feed(client, tenant.analyst))[0]
    assert "Note: enjoy" in str(notice["body"])
    assert str(notice["link"]).endswith("/my")


async def schedule_event(session: AsyncSession) -> DispatchedEvent:
    row = (
        await session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "schedule.created")
        )
    ).one()
    return dispatched(row)


async def test_a_roster_applied_is_one_notice_per_analyst_in_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mine, other = tenant.analysts[2], tenant.analysts[1]
    night = tenant.shift_types[1].id
    job = GenerationJob(
        org_id=tenant.org.id,
        team_id=tenant.team.id,
        start=date(2030, 3, 4),
        end=date(2030, 3, 10),
        time_limit_seconds=1,
        status=JobStatus.APPLIED,
        solution={
            "status": "optimal",
            "assignments": [
                {"analyst_id": mine.id, "date": "2030-03-05", "shift_type_id": night},
                {"analyst_id": mine.id, "date": "2030-03-04", "shift_type_id": night},
                {"analyst_id": other.id, "date": "2030-03-06", "shift_type_id": night},
            ],
        },
    )
    session.add(job)
    await session.commit()
    event = DispatchedEvent(
        id=10**6,
        type="generation.applied",
        org_id=tenant.org.id,
        resource_type="generation",
        resource_id=job.id,
        actor_user_id=tenant.users[Role.MANAGER].id,
        occurred_at=utcnow(),
    )
    assert await consumer.notify(session, event, public_url="https://sp.example") == 1
    await session.commit()
    (notice,) = await feed(client, tenant.analyst)
    assert notice["kind"] == "roster.applied"
    assert notice["title"] == "New roster for 2030-03-04 – 2030-03-10: you have 2 shifts"
    assert str(notice["body"]).splitlines()[1:3] == [
        "NIGHT on Mon 2030-03-04",
        "NIGHT on Tue 2030-03-05",
    ]
    assert notice["link"] == f"https://sp.example/calendar?date=2030-03-04&analyst={mine.id}"
