"""The escalation timer under a controllable clock: alerts are put in the database firing,
and the engine's functions are called with the moment the test chooses."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation import engine
from shiftplanner.models import (
    AlertStatus,
    ChannelType,
    NotificationChannel,
    NotificationDelivery,
    Role,
)
from shiftplanner.runtime import Runtime
from tests.alerting.escalation.arrange import (
    MONDAY,
    PUBLIC_URL,
    at,
    crew,
    feed,
    firing_alert,
    history,
    kinds,
    make_policy,
    minutes,
    on_shift,
    reload,
    role,
    step,
    user,
)
from tests.factories import Tenant, make_absence, make_user


async def test_the_analyst_on_shift_at_that_moment_is_paged(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(
        session, tenant, step(on_shift(tenant.team.id)), step(role(Role.MANAGER), wait=10)
    )
    before_three = await firing_alert(session, tenant, policy, at(MONDAY, 14, 59))
    await engine.start(session, before_three, now=at(MONDAY, 14, 59), public_url=PUBLIC_URL)
    after_eleven = await firing_alert(session, tenant, policy, at(MONDAY, 23, 1))
    await engine.start(session, after_eleven, now=at(MONDAY, 23, 1), public_url=PUBLIC_URL)
    past_midnight = await firing_alert(session, tenant, policy, at(date(2030, 1, 8), 2))
    await engine.start(session, past_midnight, now=at(date(2030, 1, 8), 2), public_url=PUBLIC_URL)
    await session.commit()

    assert await feed(session, people.day_user.id) == [("alert.firing", before_three.id)]
    assert await feed(session, people.night_user.id) == [
        ("alert.firing", after_eleven.id),
        ("alert.firing", past_midnight.id),
    ]
    # The manager's step waits its ten minutes: someone was paged.
    assert await feed(session, manager.id) == []
    assert (await reload(session, before_three)).next_escalation_at == at(MONDAY, 15, 9)
    [notified] = await history(session, before_three.id)
    assert notified.kind == "notified"
    assert people.day.name in notified.message


async def test_between_shifts_the_empty_step_is_skipped_and_the_next_runs_at_once(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(
        session, tenant, step(on_shift(tenant.team.id)), step(role(Role.MANAGER), wait=10)
    )
    # 15:00: the day shift has just ended (its end is not part of it), the night is at 23:00.
    alert = await firing_alert(session, tenant, policy, at(MONDAY, 15))
    await engine.start(session, alert, now=at(MONDAY, 15), public_url=PUBLIC_URL)
    await session.commit()

    assert await feed(session, people.day_user.id) == []
    assert await feed(session, manager.id) == [("alert.escalated", alert.id)]
    skipped, escalated, exhausted = await history(session, alert.id)
    assert skipped.kind == "step_skipped"
    assert "nobody is on shift" in skipped.message
    assert skipped.at == at(MONDAY, 15)
    assert (escalated.kind, escalated.at) == ("escalated", at(MONDAY, 15))
    assert exhausted.kind == "escalation_exhausted"
    assert (await reload(session, alert)).next_escalation_at is None


async def test_an_analyst_on_approved_absence_is_not_paged(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    await make_absence(session, people.day, MONDAY, MONDAY)
    await session.commit()
    policy = await make_policy(
        session, tenant, step(on_shift(tenant.team.id)), step(role(Role.MANAGER), wait=30)
    )
    alert = await firing_alert(session, tenant, policy, at(MONDAY, 10))
    await engine.start(session, alert, now=at(MONDAY, 10), public_url=PUBLIC_URL)
    await session.commit()

    assert await feed(session, people.day_user.id) == []
    assert await feed(session, manager.id) == [("alert.escalated", alert.id)]
    assert (await kinds(session, alert.id))[:2] == ["step_skipped", "escalated"]


async def test_across_a_dst_change_the_night_ends_on_the_new_clock(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    # London springs forward on 31 March 2030: the night of the 30th ends 06:00 UTC.
    people = await crew(session, runtime, tenant, date(2030, 3, 30))
    policy = await make_policy(session, tenant, step(on_shift(tenant.team.id)))
    sunday = date(2030, 3, 31)
    still_night = await firing_alert(session, tenant, policy, at(sunday, 5, 59))
    await engine.start(session, still_night, now=at(sunday, 5, 59), public_url=PUBLIC_URL)
    after_night = await firing_alert(session, tenant, policy, at(sunday, 6, 30))
    await engine.start(session, after_night, now=at(sunday, 6, 30), public_url=PUBLIC_URL)
    await session.commit()

    assert await feed(session, people.night_user.id) == [("alert.firing", still_night.id)]
    assert (await kinds(session, after_night.id))[0] == "step_skipped"


async def test_every_empty_step_is_recorded_until_someone_is_reached(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    switched_off = NotificationChannel(
        org_id=tenant.org.id,
        name="Off",
        type=ChannelType.EMAIL,
        config={"to": ["ops@example.com"]},
        enabled=False,
    )
    session.add(switched_off)
    await session.commit()
    gone = await make_user(session, runtime, tenant.org, Role.MANAGER, active=False)
    await session.commit()
    policy = await make_policy(
        session,
        tenant,
        step(on_shift(tenant.team.id, screeners_only=True)),
        step({"type": "channel", "channel_id": switched_off.id}, wait=5),
        step(user(gone.id), wait=5),
        step(on_shift(tenant.team.id), wait=5, via=["sms"]),
        step(user(people.night_user.id), wait=5),
    )
    alert = await firing_alert(session, tenant, policy, at(MONDAY, 9))
    await engine.start(session, alert, now=at(MONDAY, 9), public_url=PUBLIC_URL)
    await session.commit()

    events = await history(session, alert.id)
    assert [e.kind for e in events] == ["step_skipped"] * 4 + ["escalated", "escalation_exhausted"]
    reasons = [e.details["reason"] for e in events[:4]]
    assert "nobody is on shift" in reasons[0]
    assert "disabled" in reasons[1]
    assert "no such active user" in reasons[2]
    assert "sms" in reasons[3]  # the day analyst has no phone number
    assert all(e.at == at(MONDAY, 9) for e in events)
    assert await feed(session, people.night_user.id) == [("alert.escalated", alert.id)]


async def test_waits_are_respected_then_the_step_runs(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    people.day.phone = "+447700900123"
    policy = await make_policy(
        session,
        tenant,
        step(on_shift(tenant.team.id), wait=5, via=["in_app", "sms"]),
        step(role(Role.MANAGER), wait=10),
    )
    fired = at(MONDAY, 9)
    alert = await firing_alert(session, tenant, policy, fired)
    await engine.start(session, alert, now=fired, public_url=PUBLIC_URL)
    await session.commit()
    assert await engine.run_due(session, now=fired + minutes(4.9), public_url=PUBLIC_URL) == 0
    assert await feed(session, people.day_user.id) == []

    assert await engine.run_due(session, now=fired + minutes(5), public_url=PUBLIC_URL) == 1
    await session.commit()
    assert await feed(session, people.day_user.id) == [("alert.firing", alert.id)]
    sms = await session.scalars(
        select(NotificationDelivery.recipient).where(
            NotificationDelivery.alert_id == alert.id,
            NotificationDelivery.channel_type == ChannelType.SMS,
        )
    )
    assert list(sms) == ["+447700900123"]

    assert await engine.run_due(session, now=fired + minutes(14.9), public_url=PUBLIC_URL) == 0
    assert await feed(session, manager.id) == []
    assert await engine.run_due(session, now=fired + minutes(15), public_url=PUBLIC_URL) == 1
    await session.commit()
    assert await feed(session, manager.id) == [("alert.escalated", alert.id)]
    assert (await kinds(session, alert.id))[-1] == "escalation_exhausted"
    assert await engine.run_due(session, now=fired + minutes(60), public_url=PUBLIC_URL) == 0


async def test_the_policy_repeats_its_rounds_then_stops(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(session, tenant, step(user(manager.id), wait=0), repeat=2)
    fired = at(MONDAY, 9)
    alert = await firing_alert(session, tenant, policy, fired)
    await engine.start(session, alert, now=fired, public_url=PUBLIC_URL)
    await session.commit()
    # A first step without a wait repeats after the gap between rounds, not at once.
    assert (await reload(session, alert)).next_escalation_at == fired + engine.ROUND_GAP
    for round_ in (1, 2):
        now = fired + engine.ROUND_GAP * round_
        assert await engine.run_due(session, now=now, public_url=PUBLIC_URL) == 1
        await session.commit()
    assert await feed(session, manager.id) == [
        ("alert.firing", alert.id),
        ("alert.escalated", alert.id),
        ("alert.escalated", alert.id),
    ]
    assert await kinds(session, alert.id) == [
        "notified",
        "escalated",
        "escalated",
        "escalation_exhausted",
    ]
    assert await engine.run_due(session, now=fired + minutes(120), public_url=PUBLIC_URL) == 0


async def test_acknowledging_stops_escalation_silence_and_resolve_too(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(
        session, tenant, step(on_shift(tenant.team.id)), step(role(Role.MANAGER), wait=10)
    )
    fired = at(MONDAY, 9)
    acked, silenced, resolved = [
        await firing_alert(session, tenant, policy, fired) for _ in range(3)
    ]
    for alert in (acked, silenced, resolved):
        await engine.start(session, alert, now=fired, public_url=PUBLIC_URL)
    acked.acknowledged_at = fired + minutes(2)
    acked.acknowledged_by_user_id = people.day_user.id
    engine.acknowledged(acked, policy, now=fired + minutes(2))
    silenced.silenced_until = fired + minutes(60)
    resolved.status = AlertStatus.RESOLVED
    engine.stopped(resolved)
    await session.commit()

    assert await engine.run_due(session, now=fired + minutes(30), public_url=PUBLIC_URL) == 0
    assert await feed(session, manager.id) == []
    # When the silence ends, escalation goes on where it was.
    assert await engine.run_due(session, now=fired + minutes(60), public_url=PUBLIC_URL) == 1
    await session.commit()
    assert await feed(session, manager.id) == [("alert.escalated", silenced.id)]
    assert await kinds(session, acked.id) == ["notified"]


async def test_reminders_then_the_acknowledgement_lapses_and_escalation_restarts(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    people = await crew(session, runtime, tenant)
    manager = tenant.users[Role.MANAGER]
    policy = await make_policy(
        session,
        tenant,
        step(on_shift(tenant.team.id)),
        step(role(Role.MANAGER), wait=60),
        reminder_minutes=10,
        unacknowledge_after_minutes=25,
    )
    fired = at(MONDAY, 9)
    alert = await firing_alert(session, tenant, policy, fired)
    await engine.start(session, alert, now=fired, public_url=PUBLIC_URL)
    alert.acknowledged_at = fired + minutes(1)
    alert.acknowledged_by_user_id = manager.id
    engine.acknowledged(alert, policy, now=fired + minutes(1))
    await session.commit()

    for minute in (5, 11, 15, 21):
        await engine.run_due(session, now=fired + minutes(minute), public_url=PUBLIC_URL)
        await session.commit()
    assert await feed(session, manager.id) == [("alert.reminder", alert.id)] * 2

    assert await engine.run_due(session, now=fired + minutes(26), public_url=PUBLIC_URL) == 1
    await session.commit()
    alert = await reload(session, alert)
    assert (alert.acknowledged_at, alert.acknowledged_by_user_id) == (None, None)
    assert (alert.escalation_step, alert.next_reminder_at) == (1, None)
    assert alert.next_escalation_at == fired + minutes(26 + 60)
    # Escalation restarted at its first step: the analyst on shift is paged again.
    assert await feed(session, people.day_user.id) == [("alert.firing", alert.id)] * 2
    assert await kinds(session, alert.id) == [
        "notified",
        "reminded",
        "reminded",
        "unacknowledged",
        "notified",
    ]
