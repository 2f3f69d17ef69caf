"""SMS through a Twilio-compatible HTTP API: a form POST of `To`, `From` and `Body`
with the account's basic credentials."""

from __future__ import annotations

import httpx

from shiftplanner.config import Settings
from shiftplanner.notifications.messages import Message
from shiftplanner.notifications.senders.base import Outcome, Outgoing
from shiftplanner.notifications.senders.http import OutboundHttp

# Two SMS segments: what a pager needs (what and where to look), not the whole story.
BODY_LIMIT = 320


def text(message: Message) -> str:
    tail = f" {message.link}" if message.link else ""
    room = BODY_LIMIT - len(tail)
    subject = message.subject if len(message.subject) <= room else message.subject[: room - 1] + "…"
    return (subject + tail)[:BODY_LIMIT]


async def send(settings: Settings, http: OutboundHttp, outgoing: Outgoing) -> Outcome:
    if not (settings.sms_api_url and settings.sms_from):
        return Outcome.failed(
            "SMS is not configured: set SHIFTPLANNER_SMS_API_URL and SHIFTPLANNER_SMS_FROM."
        )
    auth = None
    if settings.sms_account_sid and settings.sms_auth_token:
        auth = httpx.BasicAuth(settings.sms_account_sid, settings.sms_auth_token.get_secret_value())
    form = {"To": outgoing.address, "From": settings.sms_from, "Body": text(outgoing.message)}
    return await http.post(settings.sms_api_url, data=form, auth=auth)
