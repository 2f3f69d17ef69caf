from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from shiftplanner.kit.schemas import Schema
from shiftplanner.models import ChannelType, DeliveryStatus
from shiftplanner.notifications.channels.schemas import CAMEL
from shiftplanner.notifications.senders.http import masked


class NotificationDelivery(Schema):
    """One message to one recipient over one channel, and how it went."""

    model_config = CAMEL

    id: int
    alert_id: int | None
    channel_id: int | None = Field(description="Null once the channel was deleted.")
    channel_type: ChannelType
    recipient: str = Field(description="The address; a Slack or webhook URL masked.")
    user_id: int | None
    kind: str
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending one is tried next.")
    sent_at: datetime | None
    response_status: int | None = Field(description="The receiver's last status code.")
    last_error: str | None
    fallback_for_id: int | None = Field(
        description="The delivery that failed and handed this one to the fallback channel."
    )
    fallback_channel_id: int | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _shown(self) -> NotificationDelivery:
        if self.channel_type in (ChannelType.SLACK, ChannelType.WEBHOOK):
            self.recipient = masked(self.recipient)
        return self
