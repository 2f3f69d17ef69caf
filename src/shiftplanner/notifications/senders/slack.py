"""Slack incoming webhooks: the message as text (for notifications and clients without
blocks) and as blocks (severity and subject, the text, a button to the link)."""

from __future__ import annotations

from typing import Any

from shiftplanner.notifications.messages import Message
from shiftplanner.notifications.senders.base import Outcome, Outgoing
from shiftplanner.notifications.senders.http import OutboundHttp

SEVERITY_EMOJI = {
    "CRITICAL": ":rotating_light:",
    "HIGH": ":red_circle:",
    "MEDIUM": ":large_orange_circle:",
    "LOW": ":large_blue_circle:",
}
# Slack refuses a section text over 3000 characters and a header over 150.
SECTION_LIMIT = 3000
HEADER_LIMIT = 150


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload(message: Message) -> dict[str, Any]:
    emoji = SEVERITY_EMOJI.get(message.severity or "", "")
    headline = f"{emoji} {message.subject}".strip()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(headline, HEADER_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(message.text, SECTION_LIMIT)}},
    ]
    if message.severity:
        blocks.insert(
            1,
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Severity: *{message.severity}*"}],
            },
        )
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in ShiftPlanner"},
                        "url": message.link,
                    }
                ],
            }
        )
    text = f"{headline}\n{message.text}"
    return {"text": _cut(text, SECTION_LIMIT), "blocks": blocks}


async def send(http: OutboundHttp, outgoing: Outgoing) -> Outcome:
    return await http.post(outgoing.address, json=payload(outgoing.message))
