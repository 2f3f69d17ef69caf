"""What a notification says and to whom: the two values every sender of notifications
(the alert evaluator, escalation, the schedule-event consumer) hands to the delivery queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shiftplanner.models import ChannelType


@dataclass(frozen=True, slots=True)
class Recipient:
    """One address on one channel: an email address, a Slack or webhook URL, an E.164
    phone number, or (in-app) a user id as text. `user_id` names the person behind an
    address where there is one; `channel_id` the configured channel it came from."""

    channel_type: ChannelType
    address: str
    user_id: int | None = None
    channel_id: int | None = None

    @property
    def key(self) -> str:
        """The same address on the same channel, for de-duplicating recipients."""
        return f"{self.channel_type.value}:{self.address}"


@dataclass(frozen=True, slots=True)
class Message:
    """`kind` is what happened (alert.firing, alert.resolved, alert.reminder,
    alert.reopened, schedule.changed, absence.decided, ...); `subject` one line; `text`
    the plain-text body; `link` the page of the web app a person opens for it (the API
    needs a token a browser does not send); `data` the structured facts, ids included,
    that webhooks and Slack are built from."""

    kind: str
    subject: str
    text: str
    link: str | None = None
    severity: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
