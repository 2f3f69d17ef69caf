"""Escalation policies as the API shows them: camelCase, like the product documents'
alerting resources. A step's target is a tagged union on `type`. Steps are stored as
their snake_case dump (`Step.model_dump(mode="json")`), and read back through `Step`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import InputSchema, Schema, UpdateSchema
from shiftplanner.kit.validators import Id, Name
from shiftplanner.kit.versions import Version
from shiftplanner.models import AlertSeverity, Role

MAX_STEPS = 20
MAX_REPEAT = 10
# A week: longer waits, reminders or lapses are mistakes rather than plans.
MAX_MINUTES = 7 * 24 * 60

# Pydantic merges a subclass's config into its base's: these add camelCase to the bases.
CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class CamelInput(InputSchema):
    model_config = CAMEL


class CamelSchema(Schema):
    model_config = CAMEL


class Via(StrEnum):
    """How a person is reached."""

    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"


DEFAULT_VIA = (Via.IN_APP, Via.EMAIL)


class UserTarget(CamelInput):
    """One user of the organization."""

    type: Literal["user"]
    user_id: Id


class ChannelTarget(CamelInput):
    """A configured notification channel (its own type decides how it is reached)."""

    type: Literal["channel"]
    channel_id: Id


class RoleTarget(CamelInput):
    """Every active user of the organization with the role."""

    type: Literal["role"]
    role: Role


class OnShiftTarget(CamelInput):
    """The analysts of a team on shift when the step runs, from the live schedule less
    approved absences; optionally of one shift type, or only its screeners."""

    type: Literal["on_shift"]
    team_id: Id
    shift_type_id: Id | None = None
    screeners_only: bool = False


Target = Annotated[
    UserTarget | ChannelTarget | RoleTarget | OnShiftTarget, Field(discriminator="type")
]


def _unique(values: list[Via] | None) -> list[Via] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("each way appears at most once")
    return values


class Step(CamelInput):
    wait_minutes: int = Field(
        ge=0,
        le=MAX_MINUTES,
        description="Minutes after the previous step (the first: after the alert fired). "
        "A step after one that had nobody to notify runs at once.",
    )
    target: Target
    via: Annotated[list[Via] | None, AfterValidator(_unique)] = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="How people are reached: `in_app` and `email` unless given; `sms` "
        "(analysts' phone numbers) only when asked for. Not for a channel target.",
    )

    @model_validator(mode="after")
    def _via_needs_people(self) -> Step:
        if self.via is not None and isinstance(self.target, ChannelTarget):
            raise ValueError("`via` does not apply to a channel target: the channel's type decides")
        return self

    @property
    def ways(self) -> tuple[Via, ...]:
        return tuple(self.via) if self.via is not None else DEFAULT_VIA


Description = Annotated[str, StringConstraints(max_length=2000)]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]
Steps = Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)]
Repeat = Annotated[int, Field(ge=0, le=MAX_REPEAT, description="Further rounds through the steps.")]


class EscalationPolicyCreate(CamelInput):
    name: Name
    description: Description = ""
    steps: Steps
    repeat: Repeat = 0
    reminder_minutes: Minutes | None = Field(
        default=None,
        description="While an acknowledged alert still fires, remind whoever acknowledged it "
        "this often.",
    )
    unacknowledge_after_minutes: Minutes | None = Field(
        default=None,
        description="An acknowledgement of a still-firing alert lapses after this long, and "
        "escalation starts again from the first step.",
    )
    fallback_channel_id: Id | None = Field(
        default=None, description="Where a notification goes when its own channel keeps failing."
    )


class EscalationPolicyUpdate(UpdateSchema):
    model_config = CAMEL
    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {"reminder_minutes", "unacknowledge_after_minutes", "fallback_channel_id"}
    )

    name: Name | None = None
    description: Description | None = None
    steps: Steps | None = None
    repeat: Repeat | None = None
    reminder_minutes: Minutes | None = None
    unacknowledge_after_minutes: Minutes | None = None
    fallback_channel_id: Id | None = None
    version: Version | None = Field(
        default=None, description="The version you read; a stale one is refused (409)."
    )


class EscalationPolicy(CamelSchema):
    id: int
    org_id: int
    name: str
    description: str
    steps: list[Step]
    repeat: int
    reminder_minutes: int | None
    unacknowledge_after_minutes: int | None
    fallback_channel_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class EscalationResult(CamelSchema):
    """What a manual escalation did: the step it ran (0-based) in which round, whether it
    reached anyone, and what comes next."""

    alert_id: int
    step: int
    round: int
    notified: int = Field(description="How many addresses the step notified (0: skipped).")
    message: str
    next_step: int | None
    next_escalation_at: datetime | None


class AlertEscalated(Schema):
    """The data of an `alert.escalated` event, as the escalation engine writes it
    (snake_case): the step that ran (0-based) in which round, and how many it reached."""

    alert_id: int
    rule_id: int | None = Field(description="Null once the rule was deleted.")
    rule: str = Field(description="The rule's name.")
    severity: AlertSeverity
    step: int
    round: int
    notified: int = Field(description="How many addresses the step notified (0: skipped).")
    message: str
