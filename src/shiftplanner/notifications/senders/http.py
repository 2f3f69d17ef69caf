"""The HTTP channels' one request: a POST that succeeded if and only if it was answered
2xx (no redirect is followed: a receiver that moved must be reconfigured, not guessed),
sent only to an address the policy permits (`addresses`)."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from shiftplanner.logging import get_logger
from shiftplanner.notifications.senders.addresses import AddressPolicy, IPAddress, Refused
from shiftplanner.notifications.senders.base import Outcome, excerpt

log = get_logger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost"})


def masked(url: str) -> str:
    """What may be shown of a URL that is a secret in itself (a Slack or webhook URL):
    its scheme and host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}/…" if parts.scheme and host else "…"


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (a number of seconds or an HTTP
    date), or None when there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def destination(url: str) -> tuple[str, int]:
    """The host (in ASCII, as it is looked up) and the port that a request to `url`
    connects to; ValueError for a URL the client would not take."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ValueError(str(error)) from None
    return parsed.raw_host.decode("ascii"), parsed.port or DEFAULT_PORTS.get(parsed.scheme, 443)


def pinned(url: httpx.URL, address: IPAddress) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The URL, headers and extensions of a request to `url` that connects to `address`
    and nowhere else: a name is looked up once, by the policy, never again by the
    client. The receiver still sees the name in `Host`, and TLS sends it as SNI and
    verifies the certificate against it (httpcore hands `sni_hostname` to the handshake
    as `server_hostname`)."""
    host = url.raw_host.decode("ascii")
    if host == str(address):
        return url, {}, {}
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    return url.copy_with(host=str(address)), {"host": url.netloc.decode("ascii")}, extensions


@dataclass(frozen=True, slots=True)
class OutboundHttp:
    """The HTTP client of the notification senders together with where it may go, so
    that nothing posts without the check."""

    client: httpx.AsyncClient
    policy: AddressPolicy

    async def post(self, url: str, **request: Any) -> Outcome:
        try:
            host, port = destination(url)
        except ValueError:
            return Outcome.failed(f"{masked(url)} is not a valid URL.")
        try:
            addresses = await self.policy.addresses(host, port)
        except Refused as refusal:
            log.warning(
                "notification_address_refused",
                url=masked(url),
                address=str(refusal.address) if refusal.address else None,
                reason=str(refusal),
            )
            return Outcome.failed(f"{masked(url)} {refusal}.")
        target = httpx.URL(url)
        try:
            response = await self._first_answer(target, addresses, request)
        except httpx.HTTPError as error:
            # httpx's messages name no URL, but say it plainly: the URL is a secret (and
            # so is the path the pinned URL shares with it).
            reason = str(error) or type(error).__name__
            text = f"{type(error).__name__}: {reason}".replace(url, masked(url))
            if target.raw_path not in (b"", b"/"):
                text = text.replace(target.raw_path.decode("ascii"), "/…")
            return Outcome.failed(text)
        body = excerpt(response.text) if response.content else ""
        if response.is_success:
            return Outcome(ok=True, status=response.status_code, answer=body or None)
        return Outcome.failed(
            f"HTTP {response.status_code}" + (f": {body}" if body else ""),
            status=response.status_code,
            answer=body or None,
            retry_after=retry_after(response.headers.get("retry-after")),
        )

    async def _first_answer(
        self, url: httpx.URL, addresses: list[IPAddress], request: dict[str, Any]
    ) -> httpx.Response:
        *others, last = addresses
        for address in others:
            # A refused connection sent nothing, so the next address may be tried (an
            # IPv6 address first, on a host without an IPv6 route).
            with contextlib.suppress(httpx.ConnectError):
                return await self._post_to(url, address, request)
        return await self._post_to(url, last, request)

    async def _post_to(
        self, url: httpx.URL, address: IPAddress, request: dict[str, Any]
    ) -> httpx.Response:
        pinned_url, headers, extensions = pinned(url, address)
        headers = {**request.get("headers", {}), **headers}
        return await self.client.post(
            pinned_url, **{**request, "headers": headers, "extensions": extensions}
        )


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def url_problem(url: str, *, policy: AddressPolicy) -> str | None:
    """Why `url` cannot be a Slack or webhook URL, or None. Its host must resolve, and
    only to addresses the senders may reach (they check again at each send: a name may
    resolve elsewhere by then)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
        host, port = destination(url)
    except ValueError as error:
        return f"is not a valid URL ({error})"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials (user:password@); a webhook is signed instead"
    if not parts.hostname:
        return "must be an absolute URL with a host"
    if url == masked(url):
        return "is the masked URL shown in responses; send the whole URL"
    loopback_http = parts.scheme == "http" and policy.loopback and _is_loopback(parts.hostname)
    if parts.scheme != "https" and not loopback_http:
        return "must be https (plain http only to this machine, in development)"
    try:
        await policy.addresses(host, port)
    except Refused as refusal:
        return str(refusal)
    return None
