"""Webhook subscriptions as their admin sees them: made with a secret shown once, URLs,
patterns and secrets checked with a clear 422, edited with a version, disabled and
enabled again, secrets rotated with a grace period, tested, deleted, audited, and out of
reach of other organizations."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook, WebhookVerificationError

from shiftplanner.config import Environment
from shiftplanner.kit.signing import secret_problem
from shiftplanner.kit.time import utcnow
from shiftplanner.models import OutboxEvent, Role, WebhookMessage
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.conftest import make_settings, running
from tests.factories import Tenant, unique
from tests.receivers import HttpReceiver, Received
from tests.webhooks.support import attempts, deliveries, dispatch, endpoint_of, flush, subscribe

URL = "/monitoring/webhooks"


def whsec(size: int) -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(size)).decode()


async def create(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    body = {"name": unique("hook "), "url": "https://93.184.216.34/hooks", "events": ["team.*"]}
    return await client.post(URL, json=body | fields, headers=tenant.admin)


async def listed(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get(URL, headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def new_team(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A team made through the API: one `team.created` event."""
    response = await client.post(
        "/api/teams",
        json={"name": unique("Team "), "code": unique("W"), "timezone": "UTC"},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    team: dict[str, Any] = response.json()
    return team


def signatures(request: Received) -> list[str]:
    return request.headers["webhook-signature"].split(" ")


def verifies(secret: str, request: Received) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- creation ---------------------------------------------------------------------------


async def test_a_generated_secret_is_shown_at_creation_and_never_again(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await create(client, tenant)
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert secret_problem(secret) is None
    assert created["enabled"] is True
    assert (created["ordered"], created["batch"], created["version"]) == (True, False, 1)
    assert created["disabledReason"] is None
    assert created["previousSecretExpiresAt"] is None

    shown = await client.get(f"{URL}/{created['id']}", headers=tenant.admin)
    assert shown.status_code == 200, shown.text
    assert "secret" not in shown.json()
    assert secret not in shown.text
    assert shown.json() == {key: value for key, value in created.items() if key != "secret"}
    page = await client.get(URL, headers=tenant.admin)
    assert [item["id"] for item in page.json()["items"]] == [created["id"]]
    assert "secret" not in page.json()["items"][0]
    assert secret not in page.text


async def test_a_given_secret_is_kept_and_signs_the_messages(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    mine = whsec(32)
    hook = await subscribe(
        client, tenant, f"{receiver.url}/hooks", ["team.*"], name="Mine", secret=mine
    )
    assert hook["secret"] == mine
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    [request] = receiver.requests
    assert Webhook(mine).verify(request.body, request.headers)["type"] == "team.created"


REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    ({"secret": "not-a-standard-secret-at-all-0123456789"}, "#/secret", "must start with whsec_"),
    ({"secret": "whsec_this is not base64!"}, "#/secret", "followed by base64"),
    ({"secret": whsec(16)}, "#/secret", "24 to 64 bytes"),
    ({"secret": whsec(65)}, "#/secret", "24 to 64 bytes"),
    ({"events": ["team.*", "schedule.create"]}, "#/events/1", "did you mean `schedule.created`"),
    ({"events": ["scheduel.*"]}, "#/events/0", "did you mean `schedule`"),
    ({"events": []}, "#/events", "at least 1"),
    ({"url": "https://user:pw@93.184.216.34/hooks"}, "#/url", "must not carry credentials"),
    ({"url": "http://93.184.216.34/hooks"}, "#/url", "must be https"),
    ({"url": "https://10.0.0.1/hooks"}, "#/url", "outside the public internet"),
    ({"url": "https://[::ffff:10.0.0.1]/hooks"}, "#/url", "outside the public internet"),
    ({"url": "https://169.254.169.254/latest/meta-data"}, "#/url", "outside the public internet"),
]


async def test_a_field_that_cannot_be_used_is_refused_by_name_and_nothing_is_made(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for fields, pointer, said in REFUSALS:
        body = problem(await create(client, tenant, **fields), 422)
        [error] = body["errors"]
        assert error["pointer"] == pointer, fields
        assert said in error["detail"], (fields, error)
        if "secret" in fields:
            # A refused secret is not echoed back (it may be a real one, mistyped).
            assert fields["secret"] not in json.dumps(body)
    assert await listed(client, tenant) == []


async def test_every_unusable_field_is_named_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await create(
        client,
        tenant,
        url="https://10.0.0.1/hooks",
        events=["team.*", "rota.created"],
        secret="hunter2",
    )
    body = problem(response, 422)
    assert body["type"].endswith("invalid-input")
    assert [error["pointer"] for error in body["errors"]] == ["#/url", "#/events/1", "#/secret"]
    assert await listed(client, tenant) == []


async def test_production_reaches_loopback_only_over_https_inside_an_allowed_network(
    database_url: str, tenant: Tenant, client: httpx.AsyncClient, receiver: HttpReceiver
) -> None:
    production = make_settings(database_url, env=Environment.PRODUCTION)
    async with running(production) as (_, http):
        plain = problem(await create(http, tenant, url=f"{receiver.url}/hooks"), 422)
        assert plain["errors"][0]["pointer"] == "#/url"
        assert "must be https" in plain["errors"][0]["detail"]
        secure = problem(await create(http, tenant, url=f"https://127.0.0.1:{receiver.port}"), 422)
        assert "outside the public internet" in secure["errors"][0]["detail"]
        assert await listed(http, tenant) == []
    allowed = production.model_copy(update={"webhook_allowed_networks": ["127.0.0.0/8"]})
    async with running(allowed) as (_, http):
        made = await create(http, tenant, url=f"https://127.0.0.1:{receiver.port}/hooks")
        assert made.status_code == 201, made.text
        # Allowed networks do not make plain http acceptable outside development.
        still = problem(await create(http, tenant, url=f"{receiver.url}/hooks"), 422)
        assert "must be https" in still["errors"][0]["detail"]
    assert [item["id"] for item in await listed(client, tenant)] == [made.json()["id"]]


async def test_a_name_taken_in_the_organization_is_a_conflict(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await create(client, tenant, name="Ops")
    assert first.status_code == 201, first.text
    body = problem(await create(client, tenant, name="Ops", events=["schedule.*"]), 409)
    assert "Ops" in body["detail"]
    assert [item["id"] for item in await listed(client, tenant)] == [first.json()["id"]]
    other = await create(client, tenant, name="Audit")
    renamed = await client.patch(
        f"{URL}/{other.json()['id']}", json={"name": "Ops"}, headers=tenant.admin
    )
    problem(renamed, 409)
    assert (await endpoint_of(client, tenant, other.json()["id"]))["name"] == "Audit"
    # Names are the organization's own.
    assert (await create(client, other_tenant, name="Ops")).status_code == 201


# --- edits --------------------------------------------------------------------------------


async def test_an_edit_renames_and_resubscribes_and_a_stale_version_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.created"])
    path = f"{URL}/{hook['id']}"
    edited = await client.patch(
        path,
        json={"name": "Renamed", "events": ["team.updated", "team.updated"], "version": 1},
        headers=tenant.admin,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["events"]) == ("Renamed", ["team.updated"])
    assert edited.json()["version"] == 2

    stale = problem(
        await client.patch(path, json={"name": "Lost", "version": 1}, headers=tenant.admin), 409
    )
    assert stale["type"].endswith("stale-version")
    assert (await endpoint_of(client, tenant, hook["id"]))["name"] == "Renamed"
    bad = problem(
        await client.patch(path, json={"events": ["team.renamed"]}, headers=tenant.admin), 422
    )
    assert bad["errors"][0]["pointer"] == "#/events/0"

    # The new subscription is the one that counts.
    team = await new_team(client, tenant)
    assert await flush(runtime) == 0
    renamed = await client.patch(
        f"/api/teams/{team['id']}", json={"name": "Singapore"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    assert await flush(runtime) == 1
    [request] = receiver.requests
    assert Webhook(hook["secret"]).verify(request.body, request.headers)["type"] == "team.updated"


async def test_disabling_fails_what_was_pending_and_queues_nothing_more(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    receiver: HttpReceiver,
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    await new_team(client, tenant)
    await dispatch(runtime)
    listing = f"{URL}/{hook['id']}/deliveries"
    [pending] = (await client.get(listing, headers=tenant.admin)).json()["items"]
    assert pending["status"] == "pending"

    disabled = await client.patch(
        f"{URL}/{hook['id']}", json={"enabled": False}, headers=tenant.admin
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["enabled"] is False
    # Disabled by a person, not by the service.
    assert disabled.json()["disabledReason"] is None

    [failed] = (await client.get(listing, headers=tenant.admin)).json()["items"]
    assert failed["id"] == pending["id"]
    assert (failed["status"], failed["attempts"], failed["nextAttemptAt"]) == ("failed", 0, None)
    assert "disabled" in failed["lastError"]
    assert failed["finishedAt"] is not None

    await new_team(client, tenant)
    assert await flush(runtime, now=utcnow() + timedelta(days=1)) == 0
    assert receiver.requests == []
    assert len((await client.get(listing, headers=tenant.admin)).json()["items"]) == 1


async def test_enabling_an_endpoint_the_service_disabled_clears_why(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    receiver.statuses = [410]
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    await new_team(client, tenant)
    assert await flush(runtime) == 1

    gone = await endpoint_of(client, tenant, hook["id"])
    assert gone["enabled"] is False
    assert "410" in gone["disabledReason"]
    assert gone["disabledAt"] is not None
    assert gone["failingSince"] is not None
    # The service's bookkeeping does not make the admin's copy stale.
    assert gone["version"] == hook["version"]

    enabled = await client.patch(
        f"{URL}/{hook['id']}",
        json={"enabled": True, "version": hook["version"]},
        headers=tenant.admin,
    )
    assert enabled.status_code == 200, enabled.text
    shown = enabled.json()
    assert shown["enabled"] is True
    assert (shown["disabledReason"], shown["disabledAt"], shown["failingSince"]) == (
        None,
        None,
        None,
    )
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    assert len(receiver.requests) == 2


# --- secret rotation ------------------------------------------------------------------------


async def test_during_the_grace_period_the_old_and_the_new_secret_both_verify(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    old = hook["secret"]
    before = utcnow()
    rotated = await client.post(f"{URL}/{hook['id']}/rotate-secret", headers=tenant.admin)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old
    assert secret_problem(new) is None
    # The server's default grace: 24 hours.
    expires = when(rotated.json()["previousSecretExpiresAt"])
    assert before + timedelta(hours=24) <= expires <= utcnow() + timedelta(hours=24)
    shown = await client.get(f"{URL}/{hook['id']}", headers=tenant.admin)
    assert new not in shown.text
    assert old not in shown.text

    await new_team(client, tenant)
    assert await flush(runtime) == 1
    [request] = receiver.requests
    assert len(signatures(request)) == 2
    assert verifies(old, request)
    assert verifies(new, request)


async def test_a_rotation_without_grace_ends_the_old_secret_at_once(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    rotated = await client.post(
        f"{URL}/{hook['id']}/rotate-secret", json={"graceHours": 0}, headers=tenant.admin
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["previousSecretExpiresAt"] is None
    await new_team(client, tenant)
    assert await flush(runtime) == 1
    [request] = receiver.requests
    assert len(signatures(request)) == 1
    assert verifies(rotated.json()["secret"], request)
    assert not verifies(hook["secret"], request)
    negative = problem(
        await client.post(
            f"{URL}/{hook['id']}/rotate-secret", json={"graceHours": -1}, headers=tenant.admin
        ),
        422,
    )
    assert negative["errors"][0]["pointer"] == "#/graceHours"


async def test_the_old_secret_stops_signing_when_its_grace_ends(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    rotated = await client.post(
        f"{URL}/{hook['id']}/rotate-secret", json={"graceHours": 1}, headers=tenant.admin
    )
    assert rotated.status_code == 200, rotated.text
    expires = when(rotated.json()["previousSecretExpiresAt"])
    # One message just before the grace ends, the next just after.
    await new_team(client, tenant)
    assert await flush(runtime, now=expires - timedelta(seconds=1)) == 1
    await new_team(client, tenant)
    assert await flush(runtime, now=expires + timedelta(seconds=1)) == 1
    before, after = receiver.requests
    assert len(signatures(before)) == 2
    assert verifies(hook["secret"], before)
    assert verifies(rotated.json()["secret"], before)
    assert len(signatures(after)) == 1
    assert verifies(rotated.json()["secret"], after)
    assert not verifies(hook["secret"], after)


# --- test messages --------------------------------------------------------------------------


async def test_a_test_message_reaches_the_endpoint_signed_and_is_kept(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    tested = await client.post(f"{URL}/{hook['id']}/test", headers=tenant.admin)
    assert tested.status_code == 200, tested.text
    result = tested.json()
    assert result["ok"] is True
    delivery = result["delivery"]
    assert (delivery["eventType"], delivery["status"], delivery["attempts"]) == (
        "webhook.test",
        "succeeded",
        1,
    )
    [attempt] = delivery["attemptLog"]
    assert (attempt["trigger"], attempt["statusCode"], attempt["succeeded"]) == ("test", 200, True)
    assert attempt["error"] is None

    [request] = receiver.requests
    body = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert body["type"] == "webhook.test"
    assert body["data"]["endpointId"] == hook["id"]
    assert request.headers["webhook-id"] == delivery["webhookId"]
    assert request.body == delivery["body"].encode()
    listing = await client.get(f"{URL}/{hook['id']}/deliveries", headers=tenant.admin)
    assert [item["id"] for item in listing.json()["items"]] == [delivery["id"]]


async def test_a_failed_test_says_why_and_is_not_retried(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, receiver: HttpReceiver
) -> None:
    receiver.statuses = [500]
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    tested = await client.post(f"{URL}/{hook['id']}/test", headers=tenant.admin)
    assert tested.status_code == 200, tested.text
    result = tested.json()
    assert result["ok"] is False
    assert result["delivery"]["status"] == "failed"
    assert "HTTP 500" in result["delivery"]["lastError"]
    [attempt] = result["delivery"]["attemptLog"]
    assert (attempt["statusCode"], attempt["succeeded"]) == (500, False)
    assert "HTTP 500" in attempt["error"]

    assert await flush(runtime, now=utcnow() + timedelta(days=2)) == 0
    assert len(receiver.requests) == 1
    # A test says nothing of the endpoint's health.
    shown = await endpoint_of(client, tenant, hook["id"])
    assert (shown["enabled"], shown["failingSince"]) == (True, None)


async def test_a_disabled_endpoint_can_be_tested(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"], enabled=False)
    tested = await client.post(f"{URL}/{hook['id']}/test", headers=tenant.admin)
    assert tested.status_code == 200, tested.text
    assert tested.json()["ok"] is True
    [request] = receiver.requests
    assert Webhook(hook["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"
    assert (await endpoint_of(client, tenant, hook["id"]))["enabled"] is False


# --- deletion -------------------------------------------------------------------------------


async def test_deleting_an_endpoint_removes_its_deliveries_and_ends_its_messages(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    kept = await subscribe(client, tenant, f"{receiver.url}/kept", ["team.*"])
    await new_team(client, tenant)
    assert await flush(runtime) == 2

    deleted = await client.delete(f"{URL}/{hook['id']}", headers=tenant.admin)
    assert deleted.status_code == 204, deleted.text
    problem(await client.get(f"{URL}/{hook['id']}", headers=tenant.admin), 404)
    problem(await client.get(f"{URL}/{hook['id']}/deliveries", headers=tenant.admin), 404)
    assert [item["id"] for item in await listed(client, tenant)] == [kept["id"]]
    assert {delivery.endpoint_id for delivery in await deliveries(session)} == {kept["id"]}
    assert len(await attempts(session)) == 1

    await new_team(client, tenant)
    assert await flush(runtime) == 1
    assert sorted(request.path for request in receiver.requests) == ["/hooks", "/kept", "/kept"]
    problem(await client.delete(f"{URL}/{hook['id']}", headers=tenant.admin), 404)


# --- audit and events -------------------------------------------------------------------------


async def test_changes_are_audited_and_told_without_the_secret(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    watcher = await subscribe(client, tenant, f"{receiver.url}/watch", ["webhook.*"])
    given = whsec(24)
    # Named here: the support's default name shows the extra fields, the secret among them.
    hook = await subscribe(
        client, tenant, "https://93.184.216.34/hooks", ["team.*"], name="Audited", secret=given
    )
    renamed = await client.patch(
        f"{URL}/{hook['id']}", json={"name": "Renamed"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    rotated = await client.post(f"{URL}/{hook['id']}/rotate-secret", headers=tenant.admin)
    assert rotated.status_code == 200, rotated.text
    assert (await client.delete(f"{URL}/{hook['id']}", headers=tenant.admin)).status_code == 204
    hidden = [given, rotated.json()["secret"], watcher["secret"]]

    audit = await client.get(
        "/monitoring/security/audit-logs",
        params={"resource_type": "webhook", "limit": 100},
        headers=tenant.admin,
    )
    assert audit.status_code == 200, audit.text
    entries = [entry for entry in audit.json()["items"] if entry["resource_id"] == hook["id"]]
    assert sorted(entry["action"] for entry in entries) == [
        "webhook.created",
        "webhook.deleted",
        "webhook.secret_rotated",
        "webhook.updated",
    ]
    admin = tenant.users[Role.ADMIN].id
    assert {entry["actor_user_id"] for entry in entries} == {admin}
    [update] = [entry for entry in entries if entry["action"] == "webhook.updated"]
    assert update["changes"]["name"]["new"] == "Renamed"

    # Told to subscribers of webhook.*, as the API shows an endpoint: no secret.
    await flush(runtime)
    told = [json.loads(request.body) for request in receiver.requests]
    about = [body for body in told if body["data"]["id"] == hook["id"]]
    assert [body["type"] for body in about] == [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]
    assert all("secret" not in body["data"] for body in told)

    stored = [event.payload for event in await session.scalars(select(OutboxEvent))]
    messages = [message.body for message in await session.scalars(select(WebhookMessage))]
    for secret in hidden:
        assert secret not in audit.text
        assert all(secret.encode() not in request.body for request in receiver.requests)
        assert secret not in json.dumps(stored)
        assert all(secret not in body for body in messages)


# --- organizations ----------------------------------------------------------------------------


async def test_another_organizations_admin_finds_no_such_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, receiver: HttpReceiver
) -> None:
    hook = await subscribe(client, tenant, f"{receiver.url}/hooks", ["team.*"])
    path = f"{URL}/{hook['id']}"
    since = (utcnow() - timedelta(hours=1)).isoformat()
    stranger = other_tenant.admin
    attempts_made = [
        await client.get(path, headers=stranger),
        await client.patch(path, json={"name": "Mine now"}, headers=stranger),
        await client.post(f"{path}/rotate-secret", headers=stranger),
        await client.post(f"{path}/test", headers=stranger),
        await client.get(f"{path}/deliveries", headers=stranger),
        await client.post(f"{path}/replay", params={"since": since}, headers=stranger),
        await client.delete(path, headers=stranger),
    ]
    for response in attempts_made:
        problem(response, 404)
    assert await listed(client, other_tenant) == []
    stats = await client.get(f"{URL}/stats", headers=stranger)
    assert stats.json()["endpoints"] == []
    assert receiver.requests == []
    shown = await endpoint_of(client, tenant, hook["id"])
    assert (shown["name"], shown["version"]) == (hook["name"], hook["version"])
    assert shown["previousSecretExpiresAt"] is None
