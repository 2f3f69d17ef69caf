"""The messages of a live stream. An event's is the webhook body of that event (the same
code builds both) as `data`, its outbox id as `id` and its type as `event`, less what the
reader may not see. `ping` (also the stream's first message) and `resync` carry the id of
the stream's position, so a client that reconnects with it as `Last-Event-ID` is sent
exactly what it has not had."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.sse import ServerSentEvent

from shiftplanner.events.outbox import dispatched
from shiftplanner.kit.time import utcnow
from shiftplanner.live.access import Reader, visible_data
from shiftplanner.models import OutboxEvent
from shiftplanner.webhooks.messages import body_of, encoded

PING = "ping"
RESYNC = "resync"
# Why a stream tells its page to reload: more was missed than a reconnection replays
# (too many events, or older than the replay window) ...
MISSED = "missed"
# ... or an event was committed after later ones had been sent (PostgreSQL hands out ids
# at insert, not at commit; see LiveHub).
LATE = "late"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """A committed event of an organization, with its message built once for every
    reader who may see all of it."""

    id: int
    org_id: int
    type: str
    body: Mapping[str, Any]
    message: ServerSentEvent

    @classmethod
    def of(cls, row: OutboxEvent) -> LiveEvent | None:
        """None for an event of no organization (nobody's stream shows it)."""
        if row.org_id is None:
            return None
        body = body_of(dispatched(row))
        return cls(
            id=row.id,
            org_id=row.org_id,
            type=row.event_type,
            body=body,
            message=_message(row.id, row.event_type, body),
        )


def _message(event_id: int, event_type: str, body: Mapping[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(id=str(event_id), event=event_type, raw_data=encoded(body))


def message_for(reader: Reader, event: LiveEvent) -> ServerSentEvent | None:
    """The event's message as `reader` may receive it, or None."""
    if event.org_id != reader.org_id:
        return None
    data = event.body.get("data", {})
    shown = visible_data(reader, event.type, data)
    if shown is None:
        return None
    if shown is data:
        return event.message
    return _message(event.id, event.type, {**event.body, "data": shown})


def ping(position: int) -> ServerSentEvent:
    """Keeps the connection open and tells the client how far it has been sent."""
    body = {"type": PING, "timestamp": utcnow().isoformat()}
    return ServerSentEvent(id=str(position), event=PING, raw_data=encoded(body))


def resync(position: int, reason: str) -> ServerSentEvent:
    """Tells the page to read its data again: the stream cannot say what it missed."""
    body = {"type": RESYNC, "timestamp": utcnow().isoformat(), "data": {"reason": reason}}
    return ServerSentEvent(id=str(position), event=RESYNC, raw_data=encoded(body))
