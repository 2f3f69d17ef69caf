from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Name, TimezoneName
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, Weights

TeamCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9_-]{1,16}$"),
]


class TeamCreate(InputSchema):
    name: Name
    code: TeamCode
    timezone: TimezoneName


class TeamUpdate(UpdateSchema):
    name: Name | None = None
    code: TeamCode | None = None
    timezone: TimezoneName | None = None


class Team(TimestampedSchema):
    id: int
    org_id: int
    name: str
    code: str
    timezone: str


class ScheduleSettingsInput(InputSchema):
    """The whole of a team's schedule generation settings: a field left out takes its
    default."""

    weights: Weights = Field(
        default_factory=Weights,
        description="What each soft rule costs, by name; 0 switches a rule off, a name "
        "left out takes the solver's default. The limits' weights (`consecutive_days`, "
        "`consecutive_days_off`, `consecutive_shift_type`, `assignments`, `weekends`, "
        "`complete_weekends`) are null by default: the limit is hard; a number makes it "
        "soft, costing that much per unit beyond it.",
    )
    max_consecutive_screener_days: int = Field(default=2, ge=1, le=MAX_HORIZON_DAYS)
    screeners_on_weekends: bool = Field(
        default=False, description="Whether weekend shifts need screeners too."
    )
    holidays_off: bool = Field(
        default=True,
        description="Holidays are days off for the team's analysts and need no coverage.",
    )
    fairness_window_days: int = Field(
        default=56,
        ge=0,
        le=366,
        description="How far back weekends, nights and screener days count for fairness.",
    )


class ScheduleSettings(Schema):
    team_id: int
    org_id: int
    weights: Weights = Field(description="Every weight, the solver's default where none is set.")
    max_consecutive_screener_days: int
    screeners_on_weekends: bool
    holidays_off: bool
    fairness_window_days: int
