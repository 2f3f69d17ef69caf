"""The alert lifecycle over synthetic rollups under a clock the test moves: pending for
durationMinutes, then firing with one notice; keepFiringMinutes riding out a dip; resolved
with one resolved notice; a pending alert that clears never fires; a restart in the
middle of pending goes on where it was; a metric without data says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.evaluator import next_status
from shiftplanner.config import Settings
from shiftplanner.models import AlertStatus, Role
from shiftplanner.runtime import Runtime
from tests.alerting.support import (
    T0,
    alerts_of,
    cpu,
    evaluate,
    events,
    history,
    in_app_channel,
    make_rule,
    minutes,
    notices,
    rule_row,
)
from tests.conftest import running
from tests.factories import Tenant


def count(severity: str, status: str) -> float | None:
    return REGISTRY.get_sample_value(
        "shiftplanner_alert_count", {"severity": severity, "status": status}
    )


P, F, R, N = AlertStatus.PENDING, AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.INACTIVE


@pytest.mark.parametrize(
    ("status", "holds", "since", "last_true", "expected"),
    [
        (None, False, None, None, None),
        (None, True, None, None, P),
        (P, True, 0, 0, P),
        (P, True, 3, 1, F),  # held for the 3 minutes
        (P, False, 2, 1, N),  # cleared before firing: inactive
        (F, True, 9, 0, F),
        (F, False, 9, 1, F),  # within keepFiringMinutes
        (F, False, 9, 2, R),
    ],
)
def test_the_state_machine(
    status: AlertStatus | None,
    holds: bool,
    since: int | None,
    last_true: int | None,
    expected: AlertStatus | None,
) -> None:
    assert (
        next_status(
            status,
            holds=holds,
            now=T0,
            active_since=T0 - minutes(since) if since is not None else None,
            last_true_at=T0 - minutes(last_true) if last_true is not None else None,
            duration=timedelta(minutes=3),
            keep_firing=timedelta(minutes=2),
        )
        is expected
    )
    # Without a duration the condition fires at once.
    assert next_status(
        None, holds=True, now=T0, active_since=None, last_true_at=None,
        duration=timedelta(0), keep_firing=timedelta(0),
    ) is F  # fmt: skip


async def test_pending_then_firing_then_resolved_with_one_notice_each(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    channel = await in_app_channel(session, tenant.org, user)
    rule = await make_rule(
        session, tenant.org, duration_minutes=3, keep_firing_minutes=2, channel_ids=[channel.id]
    )
    timeline = [(0, 90, P), (1, 95, P), (3, 91, F), (4, 50, F), (5, 97, F), (6, 40, F), (7, 40, R)]
    for minute, percent, expected in timeline:
        now = T0 + minutes(minute)
        await cpu(runtime, now, percent)
        await evaluate(runtime, now)
        [alert] = await alerts_of(session, rule.id)
        assert (minute, alert.status) == (minute, expected)
        assert alert.value == percent
    assert alert.active_since == T0
    assert alert.fired_at == T0 + minutes(3)
    assert alert.resolved_at == T0 + minutes(7)
    assert alert.resolution == "condition_cleared"
    # A later round changes nothing and sends nothing more.
    await cpu(runtime, T0 + minutes(8), 30)
    await evaluate(runtime, T0 + minutes(8))
    assert await history(session, alert.id) == [
        "pending",
        "firing",
        "notified",
        "resolved",
        "notified",
    ]
    assert await notices(session, alert.id) == [
        ("alert.firing", str(user.id)),
        ("alert.resolved", str(user.id)),
    ]
    assert await events(session, tenant.org.id) == ["alert.triggered", "alert.resolved"]
    stored = await rule_row(session, rule.id)
    assert (stored.last_state, stored.last_value, stored.version) == ("ok", 30.0, 1)
    # The gauge counts what the last round saw: one resolved in the last day, none firing.
    assert count("HIGH", "resolved") == 1
    assert count("HIGH", "firing") == 0


async def test_a_pending_alert_that_clears_never_fires(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    channel = await in_app_channel(session, tenant.org, tenant.users[Role.ADMIN])
    rule = await make_rule(session, tenant.org, duration_minutes=5, channel_ids=[channel.id])
    await cpu(runtime, T0, 99)
    await evaluate(runtime, T0)
    await cpu(runtime, T0 + minutes(1), 10)
    await evaluate(runtime, T0 + minutes(1))
    [alert] = await alerts_of(session, rule.id)
    assert (alert.status, alert.fired_at) == (AlertStatus.INACTIVE, None)
    assert await notices(session, alert.id) == []
    # The condition holding again opens a new alert, pending from now.
    await cpu(runtime, T0 + minutes(2), 99)
    await evaluate(runtime, T0 + minutes(2))
    first, second = await alerts_of(session, rule.id)
    assert (first.status, second.status) == (AlertStatus.INACTIVE, AlertStatus.PENDING)
    assert second.active_since == T0 + minutes(2)
    assert (await rule_row(session, rule.id)).last_state == "pending"


async def test_the_minute_just_ended_counts_once_every_process_has_written_it(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rule = await make_rule(session, tenant.org, duration_minutes=5)
    await cpu(runtime, T0, 99)
    await evaluate(runtime, T0)
    # A second after the next minute ended its rows are not stored yet (the writers run
    # a few seconds after the minute): the minute before is read again, not a quiet one.
    just_after = T0.replace(second=0) + minutes(1) + timedelta(seconds=1)
    await evaluate(runtime, just_after)
    [alert] = await alerts_of(session, rule.id)
    assert alert.status is AlertStatus.PENDING
    await cpu(runtime, T0 + minutes(1), 10)
    await evaluate(runtime, T0 + minutes(1))
    [alert] = await alerts_of(session, rule.id)
    assert alert.status is AlertStatus.INACTIVE


async def test_a_restart_in_the_middle_of_pending_goes_on(
    settings: Settings, session: AsyncSession, tenant: Tenant, runtime: Runtime
) -> None:
    rule = await make_rule(session, tenant.org, duration_minutes=4)
    async with running(settings) as (first_app, _):
        first: Runtime = first_app.state.runtime
        for minute in (0, 1, 2):
            await cpu(first, T0 + minutes(minute), 90)
            await evaluate(first, T0 + minutes(minute))
    [alert] = await alerts_of(session, rule.id)
    assert alert.status is AlertStatus.PENDING
    async with running(settings) as (second_app, _):
        second: Runtime = second_app.state.runtime
        await cpu(second, T0 + minutes(3), 90)
        await evaluate(second, T0 + minutes(3))
        [still] = await alerts_of(session, rule.id)
        assert still.status is AlertStatus.PENDING
        await cpu(second, T0 + minutes(4), 90)
        await evaluate(second, T0 + minutes(4))
    [fired] = await alerts_of(session, rule.id)
    assert (fired.id, fired.status, fired.fired_at) == (
        alert.id,
        AlertStatus.FIRING,
        T0 + minutes(4),
    )


async def test_a_metric_without_data_gives_no_alert_and_the_rule_says_so(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rule = await make_rule(session, tenant.org, operator="lt", threshold=99.9)
    result = await evaluate(runtime, T0)
    assert await alerts_of(session, rule.id) == []
    stored = await rule_row(session, rule.id)
    assert (stored.last_state, stored.last_value, stored.last_evaluated_at) == ("no_data", None, T0)
    assert result.outcomes["no_data"] >= 1


async def test_data_that_stops_resolves_a_firing_alert_as_no_data(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rule = await make_rule(session, tenant.org)
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    await evaluate(runtime, T0 + minutes(1))
    [alert] = await alerts_of(session, rule.id)
    assert (alert.status, alert.resolution) == (AlertStatus.RESOLVED, "no_data")
    assert (await rule_row(session, rule.id)).last_state == "no_data"


async def test_a_failing_rule_does_not_stop_the_others(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    broken = await make_rule(session, tenant.org, name="broken", metric="noSuchMetric")
    working = await make_rule(session, tenant.org, name="working")
    await cpu(runtime, T0, 90)
    result = await evaluate(runtime, T0)
    assert result.outcomes["error"] == 1
    stored = await rule_row(session, broken.id)
    assert stored.last_state == "error"
    assert "noSuchMetric" in (stored.last_error or "")
    [alert] = await alerts_of(session, working.id)
    assert alert.status is AlertStatus.FIRING
