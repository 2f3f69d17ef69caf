"""Every domain event reaches the endpoints that subscribed to it: an outbox consumer
that queues one delivery per event and endpoint (or, for an endpoint that asks for
batching, one per change: the events one transaction wrote, together). Idempotent: the
dispatcher may hand an event over twice, and an (endpoint, event) pair is queued once."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events import Consumer, DispatchedEvent, EventType
from shiftplanner.events.outbox import change_batch
from shiftplanner.models import WebhookEndpoint
from shiftplanner.webhooks.deliveries import service as delivery_service
from shiftplanner.webhooks.deliveries.repository import DeliveryRepository
from shiftplanner.webhooks.endpoints import service as endpoint_service
from shiftplanner.webhooks.event_types.service import matches
from shiftplanner.webhooks.messages import BATCH, batch_of, body_of, encoded

NAME = "webhooks"


def consumer() -> Consumer:
    async def handle(session: AsyncSession, event: DispatchedEvent) -> None:
        await queue_deliveries(session, event)

    return Consumer(NAME, handle)


async def queue_deliveries(session: AsyncSession, event: DispatchedEvent) -> int:
    """Queue `event` to its organization's subscribers; returns how many deliveries."""
    if event.org_id is None:
        return 0
    endpoints = await endpoint_service.subscribers(session, event.org_id, event.type)
    done = await DeliveryRepository(session).delivered_events(
        [endpoint.id for endpoint in endpoints], [event.id]
    )
    endpoints = [endpoint for endpoint in endpoints if (endpoint.id, event.id) not in done]
    if not endpoints:
        return 0
    queued = 0
    one_by_one = [endpoint for endpoint in endpoints if not endpoint.batch]
    by_filter: dict[tuple[str, ...], list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in endpoints:
        if endpoint.batch:
            by_filter[tuple(sorted(endpoint.events))].append(endpoint)
    for patterns, batching in by_filter.items():
        types = [kind.value for kind in EventType if matches(patterns, kind.value)]
        batch = await change_batch(session, event, types)
        if batch is None:
            continue  # the change's first matching event carried the batch
        if len(batch) == 1:
            one_by_one.extend(batching)
            continue
        queued += len(
            await delivery_service.queue(
                session,
                org_id=event.org_id,
                event_type=BATCH,
                body=encoded(batch_of(batch)),
                endpoints=batching,
                event_id=event.id,
            )
        )
    if one_by_one:
        queued += len(
            await delivery_service.queue(
                session,
                org_id=event.org_id,
                event_type=event.type,
                body=encoded(body_of(event)),
                endpoints=one_by_one,
                event_id=event.id,
            )
        )
    return queued
