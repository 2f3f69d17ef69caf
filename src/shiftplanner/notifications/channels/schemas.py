"""Notification channels as the monitoring API shows them (camelCase, like the product
documents). Slack and webhook URLs are secrets in practice: shown masked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import InputSchema, Schema, UpdateSchema
from shiftplanner.kit.validators import Email, Id, Name
from shiftplanner.models import ChannelType
from shiftplanner.notifications.senders.http import masked

CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True)
MAX_ADDRESSES = 50

PhoneNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+[1-9][0-9]{6,14}$")
]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ChannelInput(InputSchema):
    model_config = CAMEL


class EmailConfig(ChannelInput):
    to: list[Email] = Field(min_length=1, max_length=MAX_ADDRESSES)


class UrlConfig(ChannelInput):
    url: Url


class SmsConfig(ChannelInput):
    to: list[PhoneNumber] = Field(
        min_length=1, max_length=MAX_ADDRESSES, description="E.164 numbers (+441632960961)."
    )


class InAppConfig(ChannelInput):
    user_ids: list[Id] = Field(min_length=1, max_length=MAX_ADDRESSES)


CONFIGS: dict[ChannelType, type[ChannelInput]] = {
    ChannelType.EMAIL: EmailConfig,
    ChannelType.SLACK: UrlConfig,
    ChannelType.WEBHOOK: UrlConfig,
    ChannelType.SMS: SmsConfig,
    ChannelType.IN_APP: InAppConfig,
}

CONFIG_DESCRIPTION = (
    "By type: email `{to: [addresses]}`; slack `{url}` (an incoming webhook); webhook "
    "`{url}`; sms `{to: [E.164 numbers]}`; in_app `{userIds: [...]}` (users of your "
    "organization). URLs are https (plain http only to this machine in development) and "
    "carry no credentials."
)


class NotificationChannelCreate(ChannelInput):
    name: Name
    type: ChannelType
    config: dict[str, Any] = Field(description=CONFIG_DESCRIPTION)
    enabled: bool = True


class NotificationChannelUpdate(UpdateSchema):
    """A changed type needs its config too."""

    model_config = CAMEL

    name: Name | None = None
    type: ChannelType | None = None
    config: dict[str, Any] | None = Field(default=None, description=CONFIG_DESCRIPTION)
    enabled: bool | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version you read: a stale one is refused (409)."
    )


def public_config(channel_type: ChannelType, config: dict[str, Any]) -> dict[str, Any]:
    """The stored config as it may be shown."""
    if channel_type in (ChannelType.SLACK, ChannelType.WEBHOOK):
        return {"url": masked(str(config.get("url", "")))}
    if channel_type is ChannelType.IN_APP:
        return {"userIds": list(config.get("user_ids", config.get("userIds", [])))}
    return {"to": list(config.get("to", []))}


class NotificationChannel(Schema):
    model_config = CAMEL

    id: int
    name: str
    type: ChannelType
    config: dict[str, Any] = Field(
        description="The addresses; Slack and webhook URLs masked (scheme and host)."
    )
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _shown(self) -> NotificationChannel:
        self.config = public_config(self.type, self.config)
        return self


class NotificationChannelCreated(NotificationChannel):
    secret: str | None = Field(
        default=None,
        description="A webhook channel's signing secret (`whsec_...`): shown this once; "
        "verify deliveries with it the Standard Webhooks way.",
    )


class RecipientOutcome(Schema):
    model_config = CAMEL

    recipient: str = Field(description="The address (a URL masked).")
    ok: bool
    status: int | None = Field(description="The receiver's status code, if it answered.")
    error: str | None


class ChannelTestResult(Schema):
    model_config = CAMEL

    ok: bool = Field(description="Every recipient got the test message.")
    results: list[RecipientOutcome]
