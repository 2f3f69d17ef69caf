from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.time import Weekday
from shiftplanner.kit.validators import Email, Id, Name
from shiftplanner.scheduling.problem import Contract

MAX_CONTRACT_SHIFT_TYPES = 100

# E.164: a plus, the country code, and at most 15 digits in all; no spaces or dashes, so
# an SMS provider takes it as it is.
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+[1-9]\d{6,14}$"),
    Field(
        description="Mobile number in E.164 form (`+4915112345678`): where an on-shift page "
        "goes by SMS.",
        examples=["+4915112345678"],
    ),
]


def _unique_sorted(values: list[str]) -> list[str]:
    return sorted(set(values))


def _normalise_skill(value: object) -> object:
    # Before the pattern check: pydantic checks a pattern before it lower-cases.
    return value.strip().lower() if isinstance(value, str) else value


SKILL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _check_skill(value: str) -> str:
    # Said in words: the pattern itself means little to someone filling in a form.
    if not SKILL_PATTERN.fullmatch(value):
        raise ValueError(
            "a skill is 1 to 32 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return value


Skill = Annotated[
    str,
    BeforeValidator(_normalise_skill),
    AfterValidator(_check_skill),
    WithJsonSchema({"type": "string", "pattern": SKILL_PATTERN.pattern}),
]
Skills = Annotated[
    list[Skill],
    Field(
        max_length=32,
        description="Skill names, lower case; `screener` qualifies for screener duty.",
    ),
    AfterValidator(_unique_sorted),
]


def _few_shift_types(contract: Contract) -> Contract:
    if len(contract.max_shifts_per_type) > MAX_CONTRACT_SHIFT_TYPES:
        raise ValueError(
            f"max_shifts_per_type names at most {MAX_CONTRACT_SHIFT_TYPES} shift types"
        )
    return contract


ContractInput = Annotated[
    Contract,
    AfterValidator(_few_shift_types),
    Field(
        description="What schedule generation holds the analyst to; `max_shifts_per_type` maps "
        "shift type ids to the most shifts of that type in a generated period. Each least "
        "must not exceed its most (`min_minutes`, `min_consecutive_days`, "
        "`min_consecutive_days_off`, `min_assignments`)."
    ),
]


class PreferencesInput(InputSchema):
    preferred_shift_type_ids: list[Id] = Field(default_factory=list, max_length=50)
    preferred_days_off: list[Weekday] = Field(default_factory=list, max_length=7)


class Preferences(Schema):
    preferred_shift_type_ids: list[int] = Field(default_factory=list)
    preferred_days_off: list[Weekday] = Field(default_factory=list)


class AnalystCreate(InputSchema):
    name: Name
    email: Email
    team_id: Id
    phone: Phone | None = None
    skills: Skills = Field(default_factory=list)
    is_active: bool = True
    user_id: Id | None = Field(
        default=None, description="The user account the analyst signs in with."
    )
    preferences: PreferencesInput = Field(default_factory=PreferencesInput)
    contract: ContractInput = Field(default_factory=Contract)


class AnalystUpdate(UpdateSchema):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"user_id", "phone"})

    name: Name | None = None
    email: Email | None = None
    team_id: Id | None = None
    phone: Phone | None = None
    skills: Skills | None = None
    is_active: bool | None = None
    user_id: Id | None = None
    preferences: PreferencesInput | None = None
    contract: ContractInput | None = None


class Analyst(TimestampedSchema):
    id: int
    org_id: int
    team_id: int
    user_id: int | None
    name: str
    email: str
    phone: str | None
    skills: list[str]
    is_active: bool
    preferences: Preferences
    contract: Contract
