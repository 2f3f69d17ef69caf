from __future__ import annotations

from fastapi import APIRouter, Depends

from shiftplanner.security.dependencies import get_actor
from shiftplanner.webhooks.event_types import schemas
from shiftplanner.webhooks.event_types import service as event_type_service

router = APIRouter(prefix="/monitoring/webhooks", tags=["webhooks"])


@router.get("/event-types", dependencies=[Depends(get_actor)])
async def list_event_types() -> list[schemas.EventTypeInfo]:
    """Every event type a webhook can carry, sorted by name, each with what it means and
    the JSON Schema of its whole body (`type`, `timestamp`, `data`, and `changes` on
    updates), generated from the code that emits it. Subscribe to exact types
    (`schedule.created`), to all of a resource's (`schedule.*`) or to everything (`*`).
    `webhook.test` and `batch` are the webhooks' own: a test message, and the events of
    one change in one message for an endpoint that asked for batching. Any signed-in
    user of an organization."""
    return [
        schemas.EventTypeInfo(
            name=entry.name,
            description=entry.description,
            payload_schema=event_type_service.payload_schema(entry.name),
        )
        for entry in event_type_service.event_types()
    ]
