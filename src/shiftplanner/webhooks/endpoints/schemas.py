"""Webhook endpoints as the monitoring API shows them (camelCase, like the product
documents). The URL is shown whole to admins (it is theirs and they need to tell
endpoints apart); the secret only when it is made."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import InputSchema, Schema, UpdateSchema
from shiftplanner.kit.validators import Name

CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True)
MAX_PATTERNS = 100

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Pattern = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]

EVENTS_DESCRIPTION = (
    "Event types to send (see GET /monitoring/webhooks/event-types): exact names "
    "(`schedule.created`), a resource's every event (`schedule.*`) or everything (`*`)."
)
ORDERED_DESCRIPTION = (
    "Send messages one at a time in the order they were made (a failing one holds back "
    "the later ones until it succeeds or gives up). False sends several at once."
)
BATCH_DESCRIPTION = (
    "One `batch` message for all the events of one change (a bulk write, a roster "
    "applied) instead of one message per event."
)


class EndpointInput(InputSchema):
    model_config = CAMEL


class EndpointCreate(EndpointInput):
    name: Name
    url: Url = Field(
        description="https (plain http only to this machine in development); no credentials."
    )
    events: list[Pattern] = Field(
        min_length=1, max_length=MAX_PATTERNS, description=EVENTS_DESCRIPTION
    )
    secret: Secret | None = Field(
        default=None,
        description="A Standard Webhooks secret (`whsec_` + base64 of 24 to 64 bytes); "
        "one is generated when left out.",
    )
    enabled: bool = True
    description: Description | None = None
    ordered: bool = Field(default=True, description=ORDERED_DESCRIPTION)
    batch: bool = Field(default=False, description=BATCH_DESCRIPTION)


class EndpointUpdate(UpdateSchema):
    model_config = CAMEL
    nullable_fields = frozenset({"description"})

    name: Name | None = None
    url: Url | None = None
    events: list[Pattern] | None = Field(
        default=None, min_length=1, max_length=MAX_PATTERNS, description=EVENTS_DESCRIPTION
    )
    enabled: bool | None = Field(
        default=None, description="True re-enables an endpoint the service disabled."
    )
    description: Description | None = None
    ordered: bool | None = Field(default=None, description=ORDERED_DESCRIPTION)
    batch: bool | None = Field(default=None, description=BATCH_DESCRIPTION)
    version: int | None = Field(
        default=None, ge=1, description="The version you read: a stale one is refused (409)."
    )


class Endpoint(Schema):
    model_config = CAMEL

    id: int
    name: str
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why the service disabled it (410 Gone, failing for days), if it did."
    )
    disabled_at: datetime | None
    ordered: bool
    batch: bool
    failing_since: datetime | None = Field(
        description="Since when every attempt has failed; none after a success."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until then the secret before the last rotation still signs too."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(Endpoint):
    secret: str = Field(
        description="The signing secret (`whsec_...`): shown at creation and rotation only."
    )


class SecretRotation(EndpointInput):
    grace_hours: float | None = Field(
        default=None,
        ge=0,
        le=24 * 7,
        description="How long the old secret still signs too (default: the server's "
        "SHIFTPLANNER_WEBHOOK_SECRET_GRACE_HOURS; 0 ends it now).",
    )
