"""A webhook's deliveries as its admin sees them: listed newest first and filtered, each
with the body as sent and every attempt; a failed one retried by hand, a window of them
replayed, and per-endpoint statistics that agree with what happened. The clock is
driven with `now`: nothing sleeps."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.kit.time import utcnow
from shiftplanner.models import WebhookAttempt, WebhookDelivery
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.conftest import make_settings
from tests.factories import Tenant, unique
from tests.receivers import HttpReceiver
from tests.webhooks.support import attempts, dispatch, flush, subscribe

URL = "/monitoring/webhooks"


@pytest.fixture
def retry_schedule() -> list[float]:
    """One attempt and no retry: a failure is final (a test that needs retries
    parametrizes this)."""
    return [0.0]


@pytest.fixture
def settings(database_url: str, retry_schedule: list[float]) -> Settings:
    return make_settings(
        database_url, webhook_timeout_seconds=10.0, webhook_retry_schedule_seconds=retry_schedule
    )


async def new_team(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A team made through the API: one `team.created` event."""
    response = await client.post(
        "/api/teams",
        json={"name": unique("Team "), "code": unique("D"), "timezone": "UTC"},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    team: dict[str, Any] = response.json()
    return team


async def listing(
    client: httpx.AsyncClient, tenant: Tenant, endpoint_id: int, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{URL}/{endpoint_id}/deliveries", params=params, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def detail(
    client: httpx.AsyncClient, tenant: Tenant, endpoint_id: int, delivery_id: int
) -> dict[str, Any]:
    response = await client.get(
        f"{URL}/{endpoint_id}/deliveries/{delivery_id}", headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- the list -------------------------------------------------------------------------------


async def test_deliveries_are_listed_newest_first_and_filtered(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    receiver.statuses = [500]
    team = await new_team(client, tenant)
    assert await flush(runtime) == 1
    after_first = utcnow()
    renamed = await client.patch(
        f"/api/teams/{team['id']}", json={"name": "Singapore"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    assert await flush(runtime) == 1
    after_second = utcnow()
    await new_team(client, tenant)
    assert await flush(runtime) == 1

    every = await listing(client, tenant, hook["id"])
    assert ids(every) == sorted(ids(every), reverse=True)
    newest, middle, oldest = every
    assert [item["eventType"] for item in every] == ["team.created", "team.updated", "team.created"]
    assert [item["status"] for item in every] == ["succeeded", "succeeded", "failed"]
    assert oldest["lastStatusCode"] == 500
    assert all(item["webhookId"].startswith("msg_") for item in every)

    async def found(**params: Any) -> list[int]:
        return ids(await listing(client, tenant, hook["id"], **params))

    assert await found(status="failed") == [oldest["id"]]
    assert await found(status="succeeded") == [newest["id"], middle["id"]]
    assert await found(status="pending") == []
    assert await found(event_type="team.updated") == [middle["id"]]
    assert await found(event_type="team.created", status="succeeded") == [newest["id"]]
    assert await found(since=after_first.isoformat()) == [newest["id"], middle["id"]]
    assert await found(until=after_first.isoformat()) == [oldest["id"]]
    window = {"since": after_first.isoformat(), "until": after_second.isoformat()}
    assert await found(**window) == [middle["id"]]
    # Any offset names the same instant.
    eastern = after_first.astimezone(timezone(timedelta(hours=9)))
    assert await found(since=eastern.isoformat()) == [newest["id"], middle["id"]]

    path = f"{URL}/{hook['id']}/deliveries"
    naive = problem(
        await client.get(path, params={"since": "2026-12-03T10:00:00"}, headers=tenant.admin),
        422,
    )
    assert naive["errors"][0]["parameter"] == "since"
    problem(await client.get(path, params={"status": "lost"}, headers=tenant.admin), 422)
    problem(await client.get(path, params={"cursor": "not-one"}, headers=tenant.admin), 422)


async def test_the_list_pages_with_a_cursor(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    for _ in range(5):
        await new_team(client, tenant)
    assert await flush(runtime) == 5
    every = ids(await listing(client, tenant, hook["id"]))
    assert len(every) == 5

    walked: list[int] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get(
            f"{URL}/{hook['id']}/deliveries", params=params, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
        page = response.json()
        walked += ids(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (walked, pages) == (every, 3)


# --- one delivery ---------------------------------------------------------------------------


@pytest.mark.parametrize("retry_schedule", [[0.0, 60.0]])
async def test_a_delivery_shows_the_body_as_received_and_every_attempt(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    other = await subscribe(client, tenant, "https://93.184.216.34/hooks", ["schedule.*"])
    receiver.statuses = [500]
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    # The retry waits about a minute (with jitter): not before.
    assert await flush(runtime, now=utcnow() + timedelta(seconds=30)) == 0
    [pending] = await listing(client, tenant, hook["id"])
    assert (pending["status"], pending["attempts"], pending["lastStatusCode"]) == (
        "pending",
        1,
        500,
    )
    due = when(pending["nextAttemptAt"])
    assert when(pending["firstAttemptAt"]) + timedelta(seconds=50) < due
    assert await flush(runtime, now=due + timedelta(seconds=1)) == 1

    shown = await detail(client, tenant, hook["id"], pending["id"])
    first, second = receiver.requests
    assert first.body == second.body == shown["body"].encode()
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == shown["webhookId"]
    assert (shown["status"], shown["attempts"], shown["lastStatusCode"], shown["lastError"]) == (
        "succeeded",
        2,
        200,
        None,
    )
    assert shown["nextAttemptAt"] is None
    assert shown["finishedAt"] is not None
    failed, succeeded = shown["attemptLog"]
    assert (failed["attempt"], failed["trigger"], failed["succeeded"]) == (1, "scheduled", False)
    assert (failed["statusCode"], failed["responseExcerpt"]) == (500, "receiver is down")
    assert failed["error"].startswith("HTTP 500")
    assert (succeeded["attempt"], succeeded["trigger"], succeeded["succeeded"]) == (
        2,
        "scheduled",
        True,
    )
    assert (succeeded["statusCode"], succeeded["error"]) == (200, None)
    assert when(failed["startedAt"]) <= when(succeeded["startedAt"])
    assert failed["durationMs"] >= 0

    problem(await client.get(f"{URL}/{hook['id']}/deliveries/999999", headers=tenant.admin), 404)
    # A delivery is found only under its own endpoint.
    problem(
        await client.get(f"{URL}/{other['id']}/deliveries/{pending['id']}", headers=tenant.admin),
        404,
    )


# --- retry ----------------------------------------------------------------------------------


async def test_a_failed_delivery_is_retried_by_hand_with_the_same_webhook_id(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    receiver.statuses = [500]
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    [failed] = await listing(client, tenant, hook["id"])
    assert (failed["status"], failed["attempts"], failed["nextAttemptAt"]) == ("failed", 1, None)
    # The schedule is used up: later sends nothing.
    assert await flush(runtime, now=utcnow() + timedelta(days=1)) == 0

    retried = await client.post(
        f"{URL}/{hook['id']}/deliveries/{failed['id']}/retry", headers=tenant.admin
    )
    assert retried.status_code == 202, retried.text
    assert (retried.json()["status"], retried.json()["finishedAt"]) == ("pending", None)
    assert retried.json()["nextAttemptAt"] is not None
    assert await flush(runtime) == 1

    shown = await detail(client, tenant, hook["id"], failed["id"])
    assert (shown["status"], shown["attempts"]) == ("succeeded", 2)
    assert [attempt["trigger"] for attempt in shown["attemptLog"]] == ["scheduled", "manual"]
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == failed["webhookId"]
    assert first.body == second.body
    problem(
        await client.post(f"{URL}/{hook['id']}/deliveries/999999/retry", headers=tenant.admin),
        404,
    )


async def test_a_disabled_endpoint_refuses_retries_and_replays(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    receiver.statuses = [500]
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    [failed] = await listing(client, tenant, hook["id"])
    disabled = await client.patch(
        f"{URL}/{hook['id']}", json={"enabled": False}, headers=tenant.admin
    )
    assert disabled.status_code == 200, disabled.text

    body = problem(
        await client.post(
            f"{URL}/{hook['id']}/deliveries/{failed['id']}/retry", headers=tenant.admin
        ),
        409,
    )
    assert "disabled" in body["detail"]
    since = (utcnow() - timedelta(hours=1)).isoformat()
    problem(
        await client.post(
            f"{URL}/{hook['id']}/replay", params={"since": since}, headers=tenant.admin
        ),
        409,
    )
    [still] = await listing(client, tenant, hook["id"])
    assert (still["status"], still["attempts"]) == ("failed", 1)
    assert await flush(runtime) == 0


# --- replay ---------------------------------------------------------------------------------


async def test_a_replay_sends_the_windows_failed_deliveries_again(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    # Before the window: fails. In it: fails, fails, succeeds. After it: fails.
    receiver.statuses = [500, 500, 500, 200, 500]
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    since = utcnow()
    for _ in range(3):
        await new_team(client, tenant)
        assert await flush(runtime) == 1
    until = utcnow()
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    after, succeeded, failed_b, failed_a, before = await listing(client, tenant, hook["id"])
    assert [item["status"] for item in (after, succeeded, failed_b, failed_a, before)] == [
        "failed",
        "succeeded",
        "failed",
        "failed",
        "failed",
    ]
    replay = f"{URL}/{hook['id']}/replay"
    window = {"since": since.isoformat(), "until": until.isoformat()}

    replayed = await client.post(replay, params=window, headers=tenant.admin)
    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"queued": 2}
    assert await flush(runtime) == 2
    by_id = {item["id"]: item for item in await listing(client, tenant, hook["id"])}
    for delivery in (failed_a, failed_b):
        shown = await detail(client, tenant, hook["id"], delivery["id"])
        assert shown["status"] == "succeeded"
        assert [attempt["trigger"] for attempt in shown["attemptLog"]] == ["scheduled", "replay"]
    # Outside the window, and the succeeded one: untouched.
    for delivery in (before, after, succeeded):
        assert (by_id[delivery["id"]]["status"], by_id[delivery["id"]]["attempts"]) == (
            delivery["status"],
            1,
        )

    everything = await client.post(replay, params=window | {"all": "true"}, headers=tenant.admin)
    assert everything.status_code == 202, everything.text
    assert everything.json() == {"queued": 3}
    assert await flush(runtime) == 3
    resent = [request.headers["webhook-id"] for request in receiver.requests[-3:]]
    assert sorted(resent) == sorted(item["webhookId"] for item in (failed_a, failed_b, succeeded))
    assert (await detail(client, tenant, hook["id"], before["id"]))["attempts"] == 1
    assert (await detail(client, tenant, hook["id"], after["id"]))["attempts"] == 1

    inverted = {"since": until.isoformat(), "until": since.isoformat()}
    for empty in (inverted, window | {"until": since.isoformat()}):
        refused = problem(await client.post(replay, params=empty, headers=tenant.admin), 422)
        assert "until" in refused["detail"]
    naive = problem(
        await client.post(replay, params={"since": "2026-12-03T10:00:00"}, headers=tenant.admin),
        422,
    )
    assert naive["errors"][0]["parameter"] == "since"
    problem(await client.post(replay, headers=tenant.admin), 422)
    assert await flush(runtime) == 0


# --- statistics -----------------------------------------------------------------------------


async def test_stats_agree_with_what_happened_in_the_organization_only(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    down = HttpReceiver(statuses=[500] * 10)
    await down.start()
    try:
        good = await subscribe(client, tenant, f"{receiver.url}/good", ["team.*"])
        bad = await subscribe(client, tenant, f"{down.url}/bad", ["team.*"])
        theirs = await subscribe(client, other_tenant, f"{receiver.url}/theirs", ["team.*"])
        for _ in range(2):
            await new_team(client, tenant)
            assert await flush(runtime) == 2
        await new_team(client, other_tenant)
        assert await flush(runtime) == 1
        # One more change, queued and not yet sent.
        await new_team(client, tenant)
        await dispatch(runtime)
    finally:
        await down.close()

    response = await client.get(f"{URL}/stats", headers=tenant.admin)
    assert response.status_code == 200, response.text
    rows = {row["endpointId"]: row for row in response.json()["endpoints"]}
    assert set(rows) == {good["id"], bad["id"]}
    made = await attempts(session)
    good_ids, bad_ids = (
        await delivery_ids(session, good["id"]),
        await delivery_ids(session, bad["id"]),
    )
    of_good = [attempt for attempt in made if attempt.delivery_id in good_ids]
    of_bad = [attempt for attempt in made if attempt.delivery_id in bad_ids]

    ok = rows[good["id"]]
    assert (ok["name"], ok["enabled"]) == (good["name"], True)
    assert (ok["sent"], ok["succeeded"], ok["failed"], ok["pending"]) == (3, 2, 0, 1)
    assert (ok["attempts"], ok["successRate"]) == (2, 1.0)
    durations = [a.duration_ms for a in of_good]
    assert ok["p50LatencyMs"] == pytest.approx(statistics.median(durations), abs=0.001)
    assert min(durations) - 0.001 <= ok["p95LatencyMs"] <= max(durations) + 0.001
    assert ok["p50LatencyMs"] <= ok["p95LatencyMs"]
    assert when(ok["lastSuccessAt"]) == max(a.started_at for a in of_good)
    assert ok["lastFailureAt"] is None

    failing = rows[bad["id"]]
    assert (failing["sent"], failing["succeeded"], failing["failed"], failing["pending"]) == (
        3,
        0,
        2,
        1,
    )
    assert (failing["attempts"], failing["successRate"]) == (2, 0.0)
    assert failing["lastSuccessAt"] is None
    assert when(failing["lastFailureAt"]) == max(a.started_at for a in of_bad)

    # Only the window counts; the last success and failure are of all time.
    earlier = utcnow() - timedelta(days=2)
    oldest = min(of_good, key=lambda attempt: attempt.id)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == oldest.delivery_id)
        .values(created_at=earlier)
    )
    await session.execute(
        update(WebhookAttempt).where(WebhookAttempt.id == oldest.id).values(started_at=earlier)
    )
    await session.commit()
    day = (await client.get(f"{URL}/stats", headers=tenant.admin)).json()
    ok = {row["endpointId"]: row for row in day["endpoints"]}[good["id"]]
    assert (ok["sent"], ok["succeeded"], ok["attempts"]) == (2, 1, 1)
    assert ok["lastSuccessAt"] is not None
    week = await client.get(f"{URL}/stats", params={"hours": 72}, headers=tenant.admin)
    ok = {row["endpointId"]: row for row in week.json()["endpoints"]}[good["id"]]
    assert (ok["sent"], ok["succeeded"], ok["attempts"]) == (3, 2, 2)

    theirs_only = (await client.get(f"{URL}/stats", headers=other_tenant.admin)).json()
    [row] = theirs_only["endpoints"]
    assert row["endpointId"] == theirs["id"]
    assert (row["sent"], row["succeeded"], row["attempts"]) == (1, 1, 1)
    problem(await client.get(f"{URL}/stats", params={"hours": 0}, headers=tenant.admin), 422)


async def delivery_ids(session: AsyncSession, endpoint_id: int) -> set[int]:
    rows = await session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    )
    return set(rows)
