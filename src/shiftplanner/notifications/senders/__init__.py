"""One sender per channel: email (SMTP), Slack, webhook, SMS. In-app messages need no
sender: they are written to the feed when queued."""

from __future__ import annotations

import httpx

from shiftplanner.config import Settings
from shiftplanner.models import ChannelType
from shiftplanner.notifications.senders import email, slack, sms, webhook
from shiftplanner.notifications.senders.base import Outcome, Outgoing

__all__ = ["Outcome", "Outgoing", "Senders"]


class Senders:
    """The senders with what they share: the settings and one pooled HTTP client (no
    redirects followed, every request bounded by the notification timeout)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(
            timeout=settings.notification_timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": "ShiftPlanner-Notifications"},
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
        await self.http.aclose()
