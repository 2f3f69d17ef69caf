"""Generic webhooks: the message as JSON, signed the Standard Webhooks way
(`webhook-id`, `webhook-timestamp`, `webhook-signature`), so that receivers verify it
with any of the specification's libraries."""

from __future__ import annotations

import json
from typing import Any

from shiftplanner.kit.signing import headers
from shiftplanner.kit.time import utcnow
from shiftplanner.notifications.senders.base import Outcome, Outgoing
from shiftplanner.notifications.senders.http import OutboundHttp


def body(outgoing: Outgoing) -> dict[str, Any]:
    message = outgoing.message
    return {
        "type": message.kind,
        "timestamp": utcnow().isoformat(),
        "data": {
            **message.data,
            "subject": message.subject,
            "text": message.text,
            "link": message.link,
            "severity": message.severity,
        },
    }


async def send(http: OutboundHttp, outgoing: Outgoing) -> Outcome:
    if not outgoing.secret:
        return Outcome.failed("The webhook channel has no signing secret (was it deleted?).")
    content = json.dumps(body(outgoing), separators=(",", ":"), default=str)
    # The time of this attempt, not of the delivery: receivers refuse old timestamps.
    sent_at = utcnow()
    signed = headers(outgoing.message_id, sent_at, content, [outgoing.secret])
    return await http.post(outgoing.address, content=content.encode(), headers=signed)
