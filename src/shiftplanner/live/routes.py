from __future__ import annotations

from collections.abc import AsyncIterable

from fastapi import APIRouter
from fastapi.sse import EventSourceResponse, ServerSentEvent

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.kit.openapi import problems
from shiftplanner.live import service as live_service
from shiftplanner.live.dependencies import LiveConnection

router = APIRouter(prefix="/api/events", tags=["live"])


@router.get(
    "",
    response_class=EventSourceResponse,
    responses=problems(
        {
            403: "An API key (machine clients subscribe to webhooks)",
            422: "A `Last-Event-ID` or `after` that is no event id",
            429: "You have as many streams open as you may",
            503: "This server holds as many streams as it may, or live updates are off",
        }
    ),
)
async def stream_events(
    connection: LiveConnection, runtime: RuntimeDep
) -> AsyncIterable[ServerSentEvent]:
    """Your organization's changes as they happen, as server-sent events
    (`text/event-stream`), each only to those who may read it through the API.

    Each message has the event's outbox `id`, its type as `event` (`schedule.updated`,
    ...) and as `data` the JSON body a webhook of that event carries (`{type, timestamp,
    data, changes?}`). A user who sees only their own absences and shift requests gets
    only theirs. `ping` (first, then whenever nothing else was sent for 15 s) and
    `resync` (reload your data: more changed than a reconnection can replay) carry the
    stream's position as `id`. Reconnect with the last `id` as `Last-Event-ID` (or
    `?after=`) to be sent what you missed, at most the last hour's and
    `LIVE_REPLAY_LIMIT` events, and not from an event `outbox purge` deleted (a `resync`
    instead). The stream ends when the access token expires or the sign-in ends;
    reconnect with a fresh token."""
    messages = live_service.stream(
        connection,
        hub=runtime.live,
        factory=runtime.read_session_factory,
        principals=runtime.principals,
    )
    async for message in messages:
        yield message
