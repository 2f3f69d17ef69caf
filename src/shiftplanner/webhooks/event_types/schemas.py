"""The webhook body and the data of the events that have no resource schema of their own.

A resource's events carry it as the API answers it (by alias: camelCase where the API
is, see events.resources.public)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, ConfigDict, Field
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import Schema

DataT = TypeVar("DataT")


class FieldChange(Schema):
    old: Any = Field(description="The value before the change.")
    new: Any = Field(description="The value after it.")


class HiddenChange(Schema):
    """A secret field (a password) that changed: only that it did, never a value."""

    changed: Literal[True]


class EventBody(Schema, Generic[DataT]):
    """What a webhook POSTs: one event."""

    type: str = Field(description="The event type (see GET /monitoring/webhooks/event-types).")
    timestamp: AwareDatetime = Field(description="When the event happened (ISO 8601, UTC).")
    data: DataT = Field(
        description="What happened to what: for a resource's events, the resource as the API "
        "shows it after the change (before it, for a deletion)."
    )
    changes: dict[str, FieldChange | HiddenChange] = Field(
        default_factory=dict,
        description="On updates only: each changed field's old and new value (of a secret, "
        "only that it changed).",
    )


class WebhookTestData(Schema):
    """The data of `webhook.test`, sent by POST /monitoring/webhooks/{id}/test (made by
    webhooks.messages.test_body): camelCase, like the webhook API."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    endpoint_id: int = Field(description="The endpoint being tested.")
    message: str


class BatchData(Schema):
    """The data of `batch`: every event of one change that the endpoint subscribes to, in
    the order they happened, for an endpoint that asked for batching."""

    events: list[EventBody[dict[str, Any]]]


class EventTypeInfo(Schema):
    """One event type of the catalogue."""

    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(description="The event type, e.g. `schedule.created`.")
    description: str
    payload_schema: dict[str, Any] = Field(
        alias="schema",
        description="JSON Schema (2020-12) of the whole body: type, timestamp, data, changes.",
    )
