"""Webhook deliveries and their attempts as the monitoring API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import Schema
from shiftplanner.models import (
    AttemptTrigger,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookMessage,
)

CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Attempt(Schema):
    model_config = CAMEL

    attempt: int = Field(description="1 for the first attempt.")
    trigger: AttemptTrigger = Field(
        description="Why it was made: the schedule, a retry someone asked for, a replay, a test."
    )
    started_at: datetime
    duration_ms: float
    succeeded: bool
    status_code: int | None = Field(description="The endpoint's status code, if it answered.")
    response_excerpt: str | None = Field(description="The start of the endpoint's answer.")
    error: str | None = Field(description="Why it failed (a timeout, a refused address ...).")


class Delivery(Schema):
    model_config = CAMEL

    id: int
    endpoint_id: int
    webhook_id: str = Field(description="The `webhook-id` header: the same at every attempt.")
    event_type: str
    event_id: int | None = Field(description="The event it carries (the first of a batch).")
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending one is tried next.")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    first_attempt_at: datetime | None
    finished_at: datetime | None = Field(description="When it succeeded or failed for good.")


class DeliveryDetail(Delivery):
    body: str = Field(description="The JSON body exactly as it is signed and sent.")
    attempt_log: list[Attempt] = Field(description="Every attempt, first to last.")


class EndpointStats(Schema):
    model_config = CAMEL

    endpoint_id: int
    name: str
    enabled: bool
    sent: int = Field(description="Deliveries made in the window.")
    succeeded: int
    failed: int = Field(description="Deliveries that gave up.")
    pending: int = Field(description="Deliveries still to be sent or retried.")
    attempts: int = Field(description="Attempts made in the window, retries included.")
    success_rate: float | None = Field(
        description="Succeeded among the finished deliveries (0 to 1); none with none finished."
    )
    p50_latency_ms: float | None = Field(description="Median attempt time in the window.")
    p95_latency_ms: float | None
    last_success_at: datetime | None
    last_failure_at: datetime | None


class Stats(Schema):
    model_config = CAMEL

    since: datetime = Field(description="The window's start; it ends now.")
    endpoints: list[EndpointStats]


class Replay(Schema):
    model_config = CAMEL

    queued: int = Field(description="Deliveries due again now.")


class TestResult(Schema):
    model_config = CAMEL

    ok: bool = Field(description="The endpoint answered 2xx.")
    delivery: DeliveryDetail


def detail(
    delivery: WebhookDelivery, message: WebhookMessage, attempts: list[WebhookAttempt]
) -> DeliveryDetail:
    return DeliveryDetail.model_validate(
        {
            **Delivery.model_validate(delivery).model_dump(),
            "body": message.body,
            "attempt_log": [Attempt.model_validate(attempt) for attempt in attempts],
        }
    )
