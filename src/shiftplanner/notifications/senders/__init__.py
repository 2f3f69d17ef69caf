"""One sender per channel: email (SMTP), Slack, webhook, SMS. In-app messages need no
sender: they are written to the feed when queued."""

from __future__ import annotations

import httpx

from shiftplanner.config import Settings
from shiftplanner.models import ChannelType
from shiftplanner.notifications.senders import email, slack, sms, webhook
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.notifications.senders.base import Outcome, Outgoing
from shiftplanner.notifications.senders.http import OutboundHttp

__all__ = ["Outcome", "Outgoing", "Senders", "outbound_http"]

# httpx's default bound on connections open at once.
MAX_CONNECTIONS = 100


def outbound_http(policy: AddressPolicy, timeout_seconds: float, user_agent: str) -> OutboundHttp:
    """An HTTP client (no redirects followed, every request bounded by the timeout) that
    reaches only the addresses `policy` permits.

    Its transport is its own, for two reasons. No proxy from the environment: the request
    must leave for the address the policy checked, and httpcore's proxy tunnel ignores
    `sni_hostname` (TLS would verify the certificate against the address). No connection
    kept open: the pool keys connections by the pinned address, so one verified for one
    name would carry the next request for another name at that address without its
    certificate being checked. (SSL_CERT_FILE and SSL_CERT_DIR are still read.)"""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=0)
    )
    return OutboundHttp(
        client=httpx.AsyncClient(
            transport=transport,
            timeout=timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": user_agent},
        ),
        policy=policy,
    )


class Senders:
    """The senders with what they share: the settings and one HTTP client (no redirects
    followed, every request bounded by the notification timeout) that reaches only the
    addresses `policy` permits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = AddressPolicy.from_settings(settings)
        self.http = outbound_http(
            self.policy, settings.notification_timeout_seconds, "ShiftPlanner-Notifications"
        )

    async def send(self, channel_type: ChannelType, outgoing: Outgoing) -> Outcome:
        match channel_type:
            case ChannelType.EMAIL:
                return await email.send(self.settings, outgoing)
            case ChannelType.SLACK:
                return await slack.send(self.http, outgoing)
            case ChannelType.WEBHOOK:
                return await webhook.send(self.http, outgoing)
            case ChannelType.SMS:
                return await sms.send(self.settings, self.http, outgoing)
            case ChannelType.IN_APP:
                return Outcome.failed("In-app messages are written to the feed, not sent.")

    async def aclose(self) -> None:
        await self.http.client.aclose()
