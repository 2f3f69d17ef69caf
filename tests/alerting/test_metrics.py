"""The scheduling metrics, read per team from the schedule: a team with empty shifts in
the next days fires the coverage rule, a fully staffed one does not."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import zone
from shiftplanner.models import AbsenceStatus, AlertStatus, Organization, Role
from shiftplanner.runtime import Runtime
from tests.alerting.support import (
    T0,
    alerts_of,
    evaluate,
    in_app_channel,
    make_rule,
    notices,
    rule_row,
)
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)


async def test_coverage_gaps_fire_for_the_team_with_a_gap(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    # Another team, staffed all week.
    staffed = await make_team(session, tenant.org, code="TYO", timezone="Asia/Tokyo")
    shift = await make_shift_type(session, staffed, start=time(9), end=time(17))
    analyst = await make_analyst(session, staffed)
    local_today = T0.astimezone(zone("Asia/Tokyo")).date()
    for day in range(7):
        await make_assignment(session, analyst, shift, local_today + timedelta(days=day))
    await make_absence(
        session, tenant.analysts[0], local_today, local_today, status=AbsenceStatus.REQUESTED
    )
    channel = await in_app_channel(session, tenant.org, tenant.users[Role.MANAGER])
    gaps = await make_rule(
        session,
        tenant.org,
        name="gaps",
        metric="coverageGaps",
        threshold=0,
        params={"days": 7},
        channel_ids=[channel.id],
    )
    unfilled = await make_rule(
        session, tenant.org, name="unfilled", metric="unfilledShifts", threshold=100
    )
    pending = await make_rule(
        session,
        tenant.org,
        name="pending",
        metric="pendingAbsenceRequests",
        threshold=0,
        params={"team_id": tenant.team.id},
    )

    await evaluate(runtime, T0)

    [alert] = await alerts_of(session, gaps.id)
    # London's two shift types (one analyst needed each) are empty every day of the week.
    assert (alert.status, alert.labels, alert.value) == (AlertStatus.FIRING, {"team": "LDN"}, 14.0)
    assert [kind for kind, _ in await notices(session, alert.id)] == ["alert.firing"]
    assert await alerts_of(session, unfilled.id) == []
    assert (await rule_row(session, unfilled.id)).last_value == 14.0
    [absences] = await alerts_of(session, pending.id)
    assert (absences.labels, absences.value) == ({"team": "LDN"}, 1.0)

    # Staffing London's week clears the gap alert.
    for shift_type in tenant.shift_types:
        for day in range(-1, 9):
            moment = T0.date() + timedelta(days=day)
            await make_assignment(
                session, tenant.analysts[1 + (shift_type.name == "NIGHT")], shift_type, moment
            )
    await session.commit()
    await evaluate(runtime, T0 + timedelta(minutes=1))
    [alert] = await alerts_of(session, gaps.id)
    assert alert.status is AlertStatus.RESOLVED
    assert alert.value == 0.0


async def test_an_organization_without_teams_has_no_schedule_data(
    runtime: Runtime, session: AsyncSession
) -> None:
    org = Organization(name="Empty", slug="empty-alerting", timezone="UTC")
    session.add(org)
    await session.commit()
    rule = await make_rule(session, org, metric="openConflicts", threshold=0)
    await evaluate(runtime, T0)
    assert (await rule_row(session, rule.id)).last_state == "no_data"
