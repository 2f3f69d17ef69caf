"""Webhook bodies: `{type, timestamp, data}` as the Standard Webhooks specification
suggests, `data` being the resource as the API returns it, and `changes` (each changed
field's old and new value) on updates. A batch carries the bodies of one change's events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shiftplanner.events import DispatchedEvent
from shiftplanner.webhooks.event_types.schemas import WebhookTestData

BATCH = "batch"
TEST = "webhook.test"


def body_of(event: DispatchedEvent) -> dict[str, Any]:
    payload = event.payload
    body: dict[str, Any] = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": payload.get("data", {}),
    }
    if payload.get("changes") is not None:
        body["changes"] = payload["changes"]
    return body


def batch_of(events: Sequence[DispatchedEvent]) -> dict[str, Any]:
    return {
        "type": BATCH,
        "timestamp": events[0].occurred_at.isoformat(),
        "data": {"events": [body_of(event) for event in events]},
    }


def test_body(endpoint_id: int, at: datetime) -> dict[str, Any]:
    data = WebhookTestData(
        endpoint_id=endpoint_id,
        message="A test from ShiftPlanner: this endpoint receives and verifies webhooks.",
    )
    return {"type": TEST, "timestamp": at.isoformat(), "data": data.model_dump(by_alias=True)}


def encoded(body: Mapping[str, Any]) -> str:
    """The JSON text that is signed and sent, byte for byte the same at every attempt."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
