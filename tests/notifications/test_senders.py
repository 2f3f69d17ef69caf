"""Each channel's message arrives at a real receiver: SMTP (aiosmtpd) and HTTP servers on
127.0.0.1, through the channel test route and through the delivery queue."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from urllib.parse import parse_qs

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from shiftplanner.config import Settings
from shiftplanner.kit.time import utcnow
from shiftplanner.models import ChannelType, DeliveryStatus, Role
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.deliveries.worker import DeliveryWorker
from shiftplanner.notifications.messages import Message, Recipient
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.notifications.conftest import SMS_FROM, SMS_SID, SMS_TOKEN
from tests.notifications.helpers import deliveries, make_channel
from tests.receivers import HttpReceiver, SmtpServer

MESSAGE = Message(
    kind="alert.firing",
    subject="[CRITICAL] FIRING: p95 too slow",
    text="FIRING: p95 too slow (CRITICAL)\nCondition: p95ResponseTime 812 > 500",
    link="https://shiftplanner.example.com/operations#ops-alerts",
    severity="CRITICAL",
    data={"alert_id": 7, "value": 812},
)


async def test_email_goes_through_smtp_with_subject_body_and_recipient(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, mailbox: SmtpServer
) -> None:
    channel = await make_channel(client, tenant, "email", {"to": ["oncall@example.com"]})
    async with runtime.session_factory() as session:
        recipients = await channel_service.recipients_of(session, tenant.org.id, [channel["id"]])
        await delivery_service.enqueue(
            session, org_id=tenant.org.id, message=MESSAGE, recipients=recipients
        )
        await session.commit()
    assert await runtime.delivery_worker.run_once() == 1
    envelope, email = (await mailbox.wait())[0]
    assert envelope.rcpt_tos == ["oncall@example.com"]
    assert email["Subject"] == MESSAGE.subject
    assert email["To"] == "oncall@example.com"
    assert email["From"] == "ShiftPlanner <alerts@example.com>"
    body = email.get_payload(decode=True).decode()
    assert "p95ResponseTime 812 > 500" in body
    assert MESSAGE.link in body
    async with runtime.session_factory() as session:
        (delivery,) = await deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SENT,
        1,
        250,
    )


async def test_slack_gets_text_and_blocks_with_a_button(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver
) -> None:
    channel = await make_channel(client, tenant, "slack", {"url": f"{receiver.url}/slack/T0/B0/X"})
    # The URL is a secret: shown as scheme and host only.
    assert channel["config"] == {"url": f"{receiver.url}/…"}
    response = await client.post(
        f"/monitoring/notification-channels/{channel['id']}/test", headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "results": [{"recipient": f"{receiver.url}/…", "ok": True, "status": 200, "error": None}],
    }
    (request,) = receiver.requests
    assert (request.method, request.path) == ("POST", "/slack/T0/B0/X")
    posted = json.loads(request.body)
    assert "test notification" in posted["text"]
    kinds = [block["type"] for block in posted["blocks"]]
    assert kinds[0] == "header"
    assert "actions" in kinds
    button = posted["blocks"][-1]["elements"][0]
    assert button["url"].endswith("/operations#ops-alerts")


async def test_a_webhook_is_signed_the_standard_webhooks_way(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver, runtime: Runtime
) -> None:
    channel = await make_channel(client, tenant, "webhook", {"url": f"{receiver.url}/hook"})
    secret = channel["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 24
    shown = await client.get(
        f"/monitoring/notification-channels/{channel['id']}", headers=tenant.admin
    )
    assert "secret" not in shown.json()
    async with runtime.session_factory() as session:
        recipients = await channel_service.recipients_of(session, tenant.org.id, [channel["id"]])
        (delivery,) = await delivery_service.enqueue(
            session, org_id=tenant.org.id, message=MESSAGE, recipients=recipients, alert_id=None
        )
        await session.commit()
    await runtime.delivery_worker.run_once()
    (request,) = receiver.requests
    verified = Webhook(secret).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == f"msg_{delivery.id}"
    assert verified["type"] == "alert.firing"
    assert verified["data"]["alert_id"] == 7
    assert verified["data"]["subject"] == MESSAGE.subject
    assert verified["data"]["severity"] == "CRITICAL"
    assert verified["data"]["link"] == MESSAGE.link
    # A rotated secret signs from now on; the old one no longer verifies.
    rotated = await client.post(
        f"/monitoring/notification-channels/{channel['id']}/rotate-secret", headers=tenant.admin
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    await client.post(
        f"/monitoring/notification-channels/{channel['id']}/test", headers=tenant.admin
    )
    test_request = receiver.requests[1]
    assert Webhook(new_secret).verify(test_request.body, test_request.headers)
    assert test_request.headers["webhook-id"].startswith("msg_test_")


async def test_sms_is_a_twilio_style_form_post(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver
) -> None:
    channel = await make_channel(client, tenant, "sms", {"to": ["+447700900123"]})
    response = await client.post(
        f"/monitoring/notification-channels/{channel['id']}/test", headers=tenant.admin
    )
    assert response.json()["ok"] is True, response.text
    (request,) = receiver.requests
    assert request.path == "/sms"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(f"{SMS_SID}:{SMS_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
    assert (form["To"], form["From"]) == ("+447700900123", SMS_FROM)
    assert form["Body"].startswith("ShiftPlanner test notification")
    assert form["Body"].endswith("/operations#ops-alerts")
    assert len(form["Body"]) <= 320


async def test_email_without_an_smtp_host_fails_with_the_reason(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, runtime: Runtime
) -> None:
    worker = DeliveryWorker(
        settings.model_copy(update={"smtp_host": None}), runtime.session_factory
    )
    async with runtime.session_factory() as session:
        await delivery_service.enqueue(
            session,
            org_id=tenant.org.id,
            message=MESSAGE,
            recipients=[Recipient(ChannelType.EMAIL, "oncall@example.com")],
        )
        await session.commit()
    try:
        await worker.run_once()
    finally:
        await worker.close()
    async with runtime.session_factory() as session:
        (delivery,) = await deliveries(session)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "SHIFTPLANNER_SMTP_HOST" in (delivery.last_error or "")


async def test_a_failing_receiver_is_retried_with_backoff_then_sent(
    tenant: Tenant, runtime: Runtime, receiver: HttpReceiver, session: AsyncSession
) -> None:
    receiver.statuses = [500]
    now = utcnow()
    await delivery_service.enqueue(
        session,
        org_id=tenant.org.id,
        message=MESSAGE,
        recipients=[Recipient(ChannelType.SLACK, f"{receiver.url}/slack")],
        now=now,
    )
    await session.commit()
    worker = runtime.delivery_worker
    assert await worker.run_once(now) == 1
    (delivery,) = await deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    assert "HTTP 500" in (delivery.last_error or "")
    assert delivery.next_attempt_at is not None
    # The base is 10 s, with up to 10 % jitter.
    delay = (delivery.next_attempt_at - now).total_seconds()
    assert 10 <= delay <= 11
    assert await worker.run_once(now + (delivery.next_attempt_at - now) / 2) == 0
    assert await worker.run_once(delivery.next_attempt_at) == 1
    (delivery,) = await deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SENT,
        2,
        200,
    )
    assert delivery.last_error is None
    assert receiver.requests[0].body == receiver.requests[1].body


async def test_a_channel_that_keeps_failing_gives_up_and_falls_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    receiver: HttpReceiver,
    session: AsyncSession,
) -> None:
    receiver.statuses = [503, 503, 503]
    manager = tenant.users[Role.MANAGER]
    fallback = await make_channel(client, tenant, "in_app", {"userIds": [manager.id]})
    now = utcnow()
    (first,) = await delivery_service.enqueue(
        session,
        org_id=tenant.org.id,
        message=MESSAGE,
        recipients=[Recipient(ChannelType.SLACK, f"{receiver.url}/down")],
        fallback_channel_id=fallback["id"],
        now=now,
    )
    await session.commit()
    clock = now
    for _ in range(3):
        assert await runtime.delivery_worker.run_once(clock) == 1
        session.expire_all()
        await session.refresh(first)
        clock = first.next_attempt_at or clock
    assert len(receiver.requests) == 3
    rows = await deliveries(session)
    assert rows[0].status is DeliveryStatus.FAILED
    assert rows[0].attempts == 3
    assert len(rows) == 2
    assert (rows[1].channel_type, rows[1].fallback_for_id, rows[1].status) == (
        ChannelType.IN_APP,
        rows[0].id,
        DeliveryStatus.SENT,
    )
    feed = await client.get("/api/notifications", headers=tenant.manager)
    assert [n["title"] for n in feed.json()["items"]] == [MESSAGE.subject]
    listed = await client.get(
        "/monitoring/notification-deliveries", params={"status": "failed"}, headers=tenant.manager
    )
    (shown,) = listed.json()["items"]
    assert (shown["attempts"], shown["status"], shown["recipient"]) == (
        3,
        "failed",
        f"{receiver.url}/…",
    )
    assert shown["lastError"].startswith("HTTP 503")
    assert shown["responseStatus"] == 503


async def test_the_running_worker_sends_well_under_a_second_after_commit(
    tenant: Tenant, runtime: Runtime, receiver: HttpReceiver, session: AsyncSession
) -> None:
    # The worker polls every 30 s here: only the wake-up after the commit makes it quick.
    worker = runtime.delivery_worker
    worker.start()
    await asyncio.sleep(0.05)  # its first round, with nothing to send
    try:
        await delivery_service.enqueue(
            session,
            org_id=tenant.org.id,
            message=MESSAGE,
            recipients=[Recipient(ChannelType.SLACK, f"{receiver.url}/fast")],
        )
        committed = time.monotonic()
        await session.commit()
        (request,) = await receiver.wait(1, seconds=1.0)
        assert request.at - committed < 0.5
    finally:
        await worker.close()
