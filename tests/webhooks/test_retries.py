"""Retries: the schedule (with jitter), a timeout, `Retry-After` on 429 and 503, 410 Gone
and failing for days disabling the endpoint, and the metrics that show it. The clock is
driven through `run_once(now=...)`: nothing waits for real but the timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import AttemptTrigger, WebhookDeliveryStatus
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.receivers import HttpReceiver, Reply
from tests.webhooks.support import (
    attempts,
    deliveries,
    dispatch,
    endpoint_of,
    flush,
    metric,
    new_team,
    outbox_events,
    send,
    sender_with,
    subscribe,
)

PENDING = WebhookDeliveryStatus.PENDING
SUCCEEDED = WebhookDeliveryStatus.SUCCEEDED
FAILED = WebhookDeliveryStatus.FAILED
# The documented default: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
SCHEDULE = [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
DELIVERIES = "shiftplanner_webhook_deliveries_total"


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


async def test_a_failing_receiver_is_retried_on_the_schedule_then_given_up(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    assert runtime.settings.webhook_retry_schedule_seconds == SCHEDULE
    receiver.statuses = [500] * len(SCHEDULE)
    await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    failed, gave_up = metric(DELIVERIES, outcome="failed"), metric(DELIVERIES, outcome="gave_up")
    at = utcnow()
    assert await flush(runtime, at) == 1
    for made, wait in enumerate(SCHEDULE[1:], start=1):
        [delivery] = await deliveries(session)
        assert (delivery.status, delivery.attempts) == (PENDING, made)
        due = delivery.next_attempt_at
        assert due is not None
        # The schedule's wait, give or take the 10 % jitter.
        assert at + seconds(wait * 0.9) <= due <= at + seconds(wait * 1.1), (made, due - at)
        # Nothing goes before it is due, however often the sender runs.
        assert await flush(runtime, due - seconds(0.2)) == 0
        assert len(receiver.requests) == made
        assert await flush(runtime, due) == 1
        at = due

    [delivery] = await deliveries(session)
    assert delivery.status is FAILED
    assert (delivery.attempts, delivery.next_attempt_at, delivery.finished_at) == (8, None, at)
    assert delivery.last_status_code == 500
    assert await flush(runtime, at + timedelta(days=2)) == 0
    assert len(receiver.requests) == 8
    # One message, sent again and again under the same webhook-id.
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.webhook_id}
    delivery_id = delivery.id
    log = await attempts(session)
    assert [a.attempt for a in log] == list(range(1, 9))
    for attempt in log:
        assert attempt.delivery_id == delivery_id
        assert attempt.trigger is AttemptTrigger.SCHEDULED
        assert (attempt.succeeded, attempt.status_code) == (False, 500)
        assert attempt.response_excerpt == "receiver is down"
        assert attempt.error == "HTTP 500: receiver is down"
        assert attempt.duration_ms > 0
    assert metric(DELIVERIES, outcome="failed") == failed + 7
    assert metric(DELIVERIES, outcome="gave_up") == gave_up + 1


async def test_a_receiver_slower_than_the_timeout_fails_the_attempt_and_is_retried(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [Reply(200, delay=1.0)]
    await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    async with sender_with(runtime, webhook_timeout_seconds=0.3) as sender:
        at = utcnow()
        assert await send(sender, at) == 1
        [delivery] = await deliveries(session)
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (PENDING, 1, None)
        due = delivery.next_attempt_at
        assert due is not None
        assert due <= at + seconds(5.5)
        [attempt] = await attempts(session)
        assert attempt.succeeded is False
        assert attempt.status_code is None
        assert "timeout" in (attempt.error or "").lower(), attempt.error
        assert 250 <= attempt.duration_ms < 1000
        # The retry is answered in time.
        assert await send(sender, due) == 1
    [delivery] = await deliveries(session)
    assert (delivery.status, delivery.attempts) == (SUCCEEDED, 2)
    assert len(receiver.requests) == 2


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [
        pytest.param(429, "120", 120.0, id="429-seconds"),
        pytest.param(503, "60", 60.0, id="503-seconds"),
        # Beyond webhook_retry_after_max_seconds (10 h by default): clamped to it.
        pytest.param(429, "999999999", 36000.0, id="429-absurd"),
        # A retry storm helps nobody: at least a second.
        pytest.param(503, "0", 1.0, id="503-zero"),
    ],
)
async def test_retry_after_on_429_and_503_replaces_the_schedule_within_bounds(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
    status: int,
    retry_after: str,
    wait: float,
) -> None:
    assert runtime.settings.webhook_retry_after_max_seconds == 36000.0
    receiver.statuses = [Reply(status, headers={"Retry-After": retry_after})]
    await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    at = utcnow()
    assert await flush(runtime, at) == 1
    [delivery] = await deliveries(session)
    assert delivery.next_attempt_at == at + seconds(wait)
    assert await flush(runtime, at + seconds(wait - 0.5)) == 0
    assert await flush(runtime, at + seconds(wait)) == 1
    [delivery] = await deliveries(session)
    assert (delivery.status, delivery.attempts) == (SUCCEEDED, 2)


async def test_retry_after_as_an_http_date(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    when = datetime.now(UTC).replace(microsecond=0) + seconds(600)
    receiver.statuses = [Reply(503, headers={"Retry-After": format_datetime(when, usegmt=True)})]
    await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    at = utcnow()
    assert await flush(runtime, at) == 1
    [delivery] = await deliveries(session)
    assert delivery.next_attempt_at is not None
    # Counted from when the answer came, a moment after `at`.
    assert when - seconds(2) <= delivery.next_attempt_at <= when


async def test_retry_after_on_a_500_is_not_honoured(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [Reply(500, headers={"Retry-After": "120"})]
    await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    at = utcnow()
    assert await flush(runtime, at) == 1
    [delivery] = await deliveries(session)
    assert delivery.next_attempt_at is not None
    assert at + seconds(4.5) <= delivery.next_attempt_at <= at + seconds(5.5)


async def test_410_gone_disables_the_endpoint_at_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [410]
    org_id = tenant.org.id
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await new_team(client, tenant, "T2")
    await dispatch(runtime)
    assert await flush(runtime) == 1

    shown = await endpoint_of(client, tenant, hook["id"])
    assert shown["enabled"] is False
    assert "410" in shown["disabledReason"]
    assert shown["disabledAt"] is not None
    gone, held_back = await deliveries(session)
    assert (gone.status, gone.attempts, gone.last_status_code) == (FAILED, 1, 410)
    # The one waiting behind it fails with the endpoint, never attempted.
    assert (held_back.status, held_back.attempts) == (FAILED, 0)
    assert "410" in (held_back.last_error or "")
    [disabled] = await outbox_events(session, "endpoint.disabled")
    assert (disabled.org_id, disabled.resource_id) == (org_id, hook["id"])
    assert disabled.payload["data"]["enabled"] is False
    assert "secret" not in disabled.payload["data"]

    await new_team(client, tenant, "T3")
    assert await flush(runtime) == 0
    assert len(receiver.requests) == 1
    assert len(await deliveries(session)) == 2


async def test_an_endpoint_failing_every_attempt_for_long_enough_is_disabled(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [500] * 3
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    # 0.001 days is 86.4 s: past it at the third attempt (5 s, then 5 min after).
    async with sender_with(runtime, webhook_disable_after_days=0.001) as sender:
        start = utcnow()
        assert await send(sender, start) == 1
        assert (await endpoint_of(client, tenant, hook["id"]))["failingSince"] is not None
        [delivery] = await deliveries(session)
        assert delivery.next_attempt_at is not None
        assert await send(sender, delivery.next_attempt_at) == 1
        assert (await endpoint_of(client, tenant, hook["id"]))["enabled"] is True
        [delivery] = await deliveries(session)
        assert delivery.next_attempt_at is not None
        assert await send(sender, delivery.next_attempt_at) == 1

    shown = await endpoint_of(client, tenant, hook["id"])
    assert shown["enabled"] is False
    assert shown["disabledReason"] == "Every attempt failed for 0.001 days."
    [delivery] = await deliveries(session)
    assert (delivery.status, delivery.attempts) == (FAILED, 3)
    [disabled] = await outbox_events(session, "endpoint.disabled")
    assert disabled.resource_id == hook["id"]


async def test_a_success_in_between_restarts_the_count_towards_disabling(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    # The first message fails twice then goes through; the second fails from then on.
    receiver.statuses = [500, 500, 200, 500, 500, 500, 500]
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await new_team(client, tenant, "T2")
    await dispatch(runtime)
    ten_hours = [0.0] + [36000.0] * 6
    async with sender_with(
        runtime, webhook_disable_after_days=1, webhook_retry_schedule_seconds=ten_hours
    ) as sender:

        async def round_at_next_retry() -> datetime:
            pending = [d for d in await deliveries(session) if d.status is PENDING]
            due = pending[0].next_attempt_at
            assert due is not None
            assert await send(sender, due) > 0
            return due

        start = utcnow()
        assert await send(sender, start) == 1  # the first fails; the second waits behind it
        await round_at_next_retry()  # ~10 h: fails again
        recovered = await round_at_next_retry()  # ~20 h: the first goes through, the second fails
        first, second = await deliveries(session)
        assert (first.status, first.attempts) == (SUCCEEDED, 3)
        assert (second.status, second.attempts) == (PENDING, 1)
        shown = await endpoint_of(client, tenant, hook["id"])
        assert datetime.fromisoformat(shown["failingSince"]) == recovered

        # A day and more after the first failure, but not a day of failing only.
        later = await round_at_next_retry()
        assert later - start > timedelta(days=1)
        assert (await endpoint_of(client, tenant, hook["id"]))["enabled"] is True
        await round_at_next_retry()  # ~20 h of failing
        assert (await endpoint_of(client, tenant, hook["id"]))["enabled"] is True
        await round_at_next_retry()  # ~30 h of failing: disabled

    shown = await endpoint_of(client, tenant, hook["id"])
    assert shown["enabled"] is False
    assert shown["disabledReason"] == "Every attempt failed for 1 days."
    _, second = await deliveries(session)
    assert (second.status, second.attempts) == (FAILED, 4)
    assert len(await outbox_events(session, "endpoint.disabled")) == 1


async def test_a_success_after_failures_clears_failing_since_and_moves_the_metrics(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [500]
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    succeeded = metric(DELIVERIES, outcome="succeeded")
    failed = metric(DELIVERIES, outcome="failed")
    at = utcnow()
    assert await flush(runtime, at) == 1
    shown = await endpoint_of(client, tenant, hook["id"])
    assert datetime.fromisoformat(shown["failingSince"]) == at
    assert metric(DELIVERIES, outcome="failed") == failed + 1
    assert metric(DELIVERIES, outcome="succeeded") == succeeded
    assert metric("shiftplanner_webhook_queue_depth") == 1
    assert metric("shiftplanner_webhook_oldest_pending_age_seconds") >= 0

    [delivery] = await deliveries(session)
    assert delivery.next_attempt_at is not None
    assert await flush(runtime, delivery.next_attempt_at) == 1
    shown = await endpoint_of(client, tenant, hook["id"])
    assert shown["failingSince"] is None
    assert shown["enabled"] is True
    assert metric(DELIVERIES, outcome="succeeded") == succeeded + 1
    assert metric(DELIVERIES, outcome="failed") == failed + 1
    assert metric("shiftplanner_webhook_queue_depth") == 0
    assert metric("shiftplanner_webhook_oldest_pending_age_seconds") == 0


async def test_the_failing_clock_is_not_reset_by_a_user_edit(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    """The sender's bookkeeping neither bumps the endpoint's version nor is undone by
    an edit the admin makes meanwhile."""
    receiver.statuses = [500]
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    at = utcnow()
    assert await flush(runtime, at) == 1
    shown = await endpoint_of(client, tenant, hook["id"])
    assert shown["version"] == hook["version"]
    edited = await client.patch(
        f"/monitoring/webhooks/{hook['id']}",
        json={"description": "our CRM", "version": hook["version"]},
        headers=tenant.admin,
    )
    assert edited.status_code == 200, edited.text
    assert datetime.fromisoformat(edited.json()["failingSince"]) == at
    assert edited.json()["version"] == hook["version"] + 1
