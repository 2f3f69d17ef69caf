from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import WebhookDeliveryStatus
from shiftplanner.security.dependencies import AdminActor
from shiftplanner.webhooks.deliveries import schemas
from shiftplanner.webhooks.deliveries import service as delivery_service
from shiftplanner.webhooks.dependencies import EndpointFromPath

router = APIRouter(prefix="/monitoring/webhooks/{endpoint_id}", tags=["webhooks"])
# Before the endpoints' router: `/stats` is no endpoint id.
stats_router = APIRouter(prefix="/monitoring/webhooks", tags=["webhooks"])
STATS_WINDOW_HOURS_MAX = 24 * 90

NOT_FOUND = {404: "No such webhook (or delivery) in your organization"}
DISABLED = {409: "The webhook is disabled"}


@stats_router.get("/stats", responses=problems({422: "A window out of range"}))
async def webhook_stats(
    session: SessionDep,
    actor: AdminActor,
    hours: Annotated[float, Query(gt=0, le=STATS_WINDOW_HOURS_MAX)] = 24,
) -> schemas.Stats:
    """Per webhook endpoint over the last `hours` (24 by default; admin): deliveries
    made, succeeded, failed and pending, the success rate, the attempts' median and 95th
    percentile time, and the last success and failure."""
    return await delivery_service.stats(session, actor, since=utcnow() - timedelta(hours=hours))


@router.get("/deliveries", responses=problems({**NOT_FOUND, 422: "A bad filter or cursor"}))
async def list_deliveries(
    endpoint: EndpointFromPath,
    session: SessionDep,
    actor: AdminActor,
    page: PageParamsDep,
    status: WebhookDeliveryStatus | None = None,
    event_type: Annotated[str | None, Query(max_length=64)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> Page[schemas.Delivery]:
    """The webhook's deliveries, newest first (admin): one per message, with its status,
    attempts and next attempt. Filter by `status`, `event_type` and a window of creation
    times [`since`, `until`)."""
    return Page[schemas.Delivery].build(
        *await delivery_service.list_deliveries(
            session,
            actor,
            endpoint,
            page,
            status=status,
            event_type=event_type,
            since=since,
            until=until,
        )
    )


@router.get("/deliveries/{delivery_id}", responses=problems(NOT_FOUND))
async def get_delivery(
    endpoint: EndpointFromPath, delivery_id: IdPath, session: SessionDep, actor: AdminActor
) -> schemas.DeliveryDetail:
    """One delivery with the body as sent and every attempt (admin)."""
    return schemas.detail(
        *await delivery_service.get_delivery(session, actor, endpoint, delivery_id)
    )


@router.post(
    "/deliveries/{delivery_id}/retry",
    status_code=202,
    responses=problems({**NOT_FOUND, **DISABLED}),
)
async def retry_delivery(
    endpoint: EndpointFromPath, delivery_id: IdPath, session: SessionDep, actor: AdminActor
) -> schemas.Delivery:
    """Send a delivery again now (admin), whatever became of it; the sender makes the
    attempt within moments. Its `webhook-id` stays the same."""
    return schemas.Delivery.model_validate(
        await delivery_service.retry(session, actor, endpoint, delivery_id)
    )


@router.post(
    "/replay",
    status_code=202,
    responses=problems({**NOT_FOUND, **DISABLED, 422: "An empty window"}),
)
async def replay(
    endpoint: EndpointFromPath,
    session: SessionDep,
    actor: AdminActor,
    since: AwareDatetime,
    until: AwareDatetime | None = None,
    include_succeeded: Annotated[bool, Query(alias="all")] = False,
) -> schemas.Replay:
    """Send again the webhook's deliveries made in [`since`, `until`) (admin): the
    failed ones, or with `all=true` every one (receivers drop the duplicates by their
    `webhook-id`). For an endpoint that was down or disabled: enable it, then replay."""
    return schemas.Replay(
        queued=await delivery_service.replay(
            session, actor, endpoint, since=since, until=until, include_succeeded=include_succeeded
        )
    )
