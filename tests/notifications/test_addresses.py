"""Notification HTTP reaches only public addresses, and others only inside the operator's
networks (development: loopback too): checked when a URL is saved and again when it is
used, connecting to the checked address. Only `localhost` and literal addresses are
resolved here: no DNS server is asked."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest

from shiftplanner.config import Environment, Settings
from shiftplanner.models import ChannelType, DeliveryStatus
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.deliveries.worker import DeliveryWorker
from shiftplanner.notifications.messages import Message
from shiftplanner.notifications.senders import Outgoing, Senders
from shiftplanner.notifications.senders.addresses import AddressPolicy, IPAddress
from shiftplanner.notifications.senders.http import pinned
from shiftplanner.runtime import Runtime
from shiftplanner.security.context import parse_networks
from tests.conftest import make_settings, running
from tests.factories import Tenant
from tests.notifications.helpers import deliveries, make_channel
from tests.receivers import HttpReceiver

URL = "/monitoring/notification-channels"
MESSAGE = Message(kind="alert.firing", subject="[HIGH] FIRING: p95", text="p95 812 > 500")
# The secret part of the URLs: never in an error.
TOKEN = "T0K3N"

NOT_PUBLIC = [
    "127.0.0.1",
    "::1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 (an address under test, not bound)
    "::",
    "224.0.0.1",
    "255.255.255.255",
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
    "2002:7f00:1::",  # 6to4 of loopback
]
PUBLIC = ["93.184.216.34", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"]

REFUSED_URLS = [
    f"https://127.0.0.1/hook/{TOKEN}",
    f"https://[::1]/hook/{TOKEN}",
    f"https://10.0.0.1/hook/{TOKEN}",
    f"https://169.254.169.254/latest/meta-data/{TOKEN}",
    f"https://[::ffff:127.0.0.1]/hook/{TOKEN}",
    f"https://100.64.0.1/hook/{TOKEN}",
    f"https://localhost/hook/{TOKEN}",
]


def production(settings: Settings, **overrides: Any) -> Settings:
    return settings.model_copy(update={"env": Environment.PRODUCTION, **overrides})


async def create(client: httpx.AsyncClient, tenant: Tenant, url: str) -> httpx.Response:
    return await client.post(
        URL,
        json={"name": url, "type": "webhook", "config": {"url": url}},
        headers=tenant.admin,
    )


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["pointer"] == "#/config/url"
    assert TOKEN not in response.text
    detail: str = error["detail"]
    return detail


def test_only_public_addresses_pass_unless_their_network_is_allowed() -> None:
    policy = AddressPolicy()
    assert [a for a in NOT_PUBLIC if policy.permits(ip_address(a))] == []
    assert [a for a in PUBLIC if not policy.permits(ip_address(a))] == []
    allowed = AddressPolicy(networks=parse_networks(["127.0.0.0/8", "fd00::/8"]))
    permitted = [a for a in NOT_PUBLIC if allowed.permits(ip_address(a))]
    # An IPv6 form of an address is judged by the IPv4 address it carries.
    assert permitted == ["127.0.0.1", "fd00::1", "::ffff:127.0.0.1", "2002:7f00:1::"]
    development = AddressPolicy(loopback=True)
    permitted = [a for a in NOT_PUBLIC if development.permits(ip_address(a))]
    assert permitted == ["127.0.0.1", "::1", "::ffff:127.0.0.1", "2002:7f00:1::"]


def test_a_pinned_request_keeps_the_name_for_host_and_tls() -> None:
    url = httpx.URL(f"https://hooks.example:8443/{TOKEN}?x=1")
    assert pinned(url, ip_address("2001:db8::1")) == (
        httpx.URL(f"https://[2001:db8::1]:8443/{TOKEN}?x=1"),
        {"host": "hooks.example:8443"},
        {"sni_hostname": "hooks.example"},
    )
    plain = httpx.URL("http://127.0.0.1:8080/hook")
    assert pinned(plain, ip_address("127.0.0.1")) == (plain, {}, {})


async def test_production_refuses_to_save_urls_outside_the_public_internet(
    settings: Settings, tenant: Tenant
) -> None:
    async with running(production(settings)) as (_, client):
        for url in REFUSED_URLS:
            assert "outside the public internet" in refusal(await create(client, tenant, url))
        # A name no resolver takes (a label over 63 characters), refused without a lookup.
        unknown = refusal(await create(client, tenant, f"https://{'a' * 64}.example/{TOKEN}"))
        assert "does not resolve" in unknown
        assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []


async def test_an_address_refused_since_saving_fails_the_delivery(
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    runtime: Runtime,
    receiver: HttpReceiver,
) -> None:
    # Saved in development (loopback allowed), sent by production: as if the name had
    # come to resolve to loopback since.
    channel = await make_channel(client, tenant, "webhook", {"url": f"{receiver.url}/{TOKEN}"})
    async with runtime.session_factory() as session:
        recipients = await channel_service.recipients_of(session, tenant.org.id, [channel["id"]])
        await delivery_service.enqueue(
            session, org_id=tenant.org.id, message=MESSAGE, recipients=recipients
        )
        await session.commit()
    worker = DeliveryWorker(production(settings), runtime.session_factory)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    async with runtime.session_factory() as session:
        (delivery,) = await deliveries(session)
    # An ordinary failure: retried with backoff, then failed over like any other.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at is not None
    error = delivery.last_error or ""
    assert error.startswith(f"{receiver.url}/… points at 127.0.0.1, an address outside")
    assert TOKEN not in error
    async with running(production(settings)) as (_, http):
        tested = await http.post(f"{URL}/{channel['id']}/test", headers=tenant.admin)
    (result,) = tested.json()["results"]
    assert (result["ok"], result["status"]) == (False, None)
    assert "outside the public internet" in result["error"]
    assert receiver.requests == []


async def test_allowed_networks_let_production_reach_a_local_receiver(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, receiver: HttpReceiver
) -> None:
    webhook = await make_channel(client, tenant, "webhook", {"url": f"{receiver.url}/hook"})
    async with running(production(settings, webhook_allowed_networks=["127.0.0.0/8"])) as (
        _,
        http,
    ):
        assert (await create(http, tenant, "https://127.0.0.1/hook")).status_code == 201
        assert "outside the public internet" in refusal(
            await create(http, tenant, f"https://[::1]/hook/{TOKEN}")
        )
        # The SMS provider's URL is the operator's (tests/notifications/conftest.py).
        sms = await make_channel(http, tenant, "sms", {"to": ["+447700900123"]})
        for channel in (webhook, sms):
            tested = await http.post(f"{URL}/{channel['id']}/test", headers=tenant.admin)
            assert tested.json()["ok"] is True, tested.text
    assert [request.path for request in receiver.requests] == ["/hook", "/sms"]


async def test_development_reaches_loopback_by_name_with_the_name_as_host(
    client: httpx.AsyncClient, tenant: Tenant, receiver: HttpReceiver
) -> None:
    channel = await make_channel(
        client, tenant, "webhook", {"url": f"http://localhost:{receiver.port}/hook"}
    )
    tested = await client.post(f"{URL}/{channel['id']}/test", headers=tenant.admin)
    assert tested.json()["ok"] is True, tested.text
    (request,) = receiver.requests
    # Sent to the address checked, for the name in the URL.
    assert (request.path, request.headers["host"]) == ("/hook", f"localhost:{receiver.port}")
    # Only loopback is development's own: other private ranges are refused as in production.
    assert "outside the public internet" in refusal(
        await create(client, tenant, f"https://10.0.0.1/hook/{TOKEN}")
    )


async def test_the_client_connects_to_the_checked_address_without_a_lookup_of_its_own(
    receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The policy's lookup says 127.0.0.1; a `.invalid` name resolves nowhere else, so the
    # post arrives only if the client used the checked address (a rebinding name could
    # answer the client's own lookup differently).
    async def lookup(self: AddressPolicy, host: str, port: int) -> list[IPAddress]:
        return [ip_address("127.0.0.1")]

    monkeypatch.setattr(AddressPolicy, "_lookup", lookup)
    senders = Senders(make_settings("sqlite+aiosqlite://"))
    try:
        outgoing = Outgoing(
            address=f"http://receiver.invalid:{receiver.port}/hook",
            message=MESSAGE,
            message_id="msg_1",
        )
        outcome = await senders.send(ChannelType.SLACK, outgoing)
    finally:
        await senders.aclose()
    assert outcome.ok, outcome.error
    (request,) = receiver.requests
    assert request.headers["host"] == f"receiver.invalid:{receiver.port}"


@pytest.fixture(scope="module")
def localhost_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for the name `localhost` alone (no address in it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for the TLS test")
    folder = tmp_path_factory.mktemp("tls")
    certificate, key = folder / "localhost.pem", folder / "localhost.key"
    request = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    name = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    files = ["-keyout", str(key), "-out", str(certificate)]
    subprocess.run(  # noqa: S603 (a fixed command)
        [openssl, *request.split(), *name, *files], check=True, capture_output=True
    )
    return certificate, key


async def test_https_is_pinned_to_the_address_yet_verified_against_the_name(
    localhost_certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate, key = localhost_certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate, key)
    receiver = HttpReceiver(tls=tls)
    await receiver.start()
    # The senders trust this certificate and no other.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    senders = Senders(make_settings("sqlite+aiosqlite://", notification_timeout_seconds=2.0))
    try:
        by_name, by_address = [
            await senders.send(
                ChannelType.SLACK,
                Outgoing(
                    address=f"https://{host}:{receiver.port}/{TOKEN}",
                    message=MESSAGE,
                    message_id="msg_1",
                ),
            )
            for host in ("localhost", "127.0.0.1")
        ]
    finally:
        await senders.aclose()
        await receiver.close()
    assert by_name.ok, by_name.error
    (request,) = receiver.requests
    assert request.headers["host"] == f"localhost:{receiver.port}"
    # The certificate names no address: the name is what TLS verified above.
    assert not by_address.ok
    assert "CERTIFICATE_VERIFY_FAILED" in (by_address.error or "")
    assert TOKEN not in (by_address.error or "")
