from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, model_validator

from shiftplanner.analysts.schemas import Skill
from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.time import Weekday
from shiftplanner.kit.validators import Day, Id
from shiftplanner.scheduling.problem import SkillCover, Weight

# As many as an analyst can have skills.
MAX_SKILL_NEEDS = 32

Headcount = Annotated[int, Field(ge=0, le=500)]
UnderWeight = Annotated[
    Weight,
    Field(
        description="Cost per analyst short of `required`; null: the team's `under_cover` weight."
    ),
]
OverWeight = Annotated[
    Weight,
    Field(description="Cost per analyst beyond `required`; null: the team's `over_cover` weight."),
]


class SkillNeed(SkillCover):
    """How many of the shift's analysts must cover one skill: `minimum` is a floor a
    generated roster meets, each analyst short of `optimal` costs `under_weight`. The
    skill is named as analysts' skills are (lower case)."""

    skill: Skill


def _one_need_per_skill(needs: list[SkillNeed]) -> list[SkillNeed]:
    named = [need.skill for need in needs]
    if len(named) != len(set(named)):
        raise ValueError("names a skill more than once")
    return sorted(needs, key=lambda need: need.skill)


SkillNeeds = Annotated[
    list[SkillNeed],
    Field(
        max_length=MAX_SKILL_NEEDS,
        description="Needs of single skills among the analysts, one per skill; an assignment "
        "covers the skill it names (`skill`).",
    ),
    AfterValidator(_one_need_per_skill),
]


def number_problem(
    required: int, screeners_required: int, hard_min: int | None
) -> tuple[str, str] | None:
    """The field that breaks the rules a requirement keeps, and why; None if none does."""
    if screeners_required > required:
        return "screeners_required", "screeners_required cannot exceed required"
    if hard_min is not None and hard_min > required:
        return "hard_min", "hard_min cannot exceed required"
    return None


def check_day(weekday: Weekday | None, day: date | None) -> None:
    if (weekday is None) == (day is None):
        raise ValueError("give exactly one of weekday (a template) and date (an override)")


class CoverageRequirementCreate(InputSchema):
    """For one shift type: either every `weekday` (a template) or one `date` (an override
    that replaces the template on that day)."""

    shift_type_id: Id
    weekday: Weekday | None = None
    date: Day | None = None
    required: Headcount = Field(description="Analysts the shift needs.")
    screeners_required: Headcount = Field(default=0, description="Of them, screeners.")
    hard_min: Headcount | None = Field(
        default=None, description="A floor a generated roster must meet; null: none."
    )
    under_weight: UnderWeight | None = None
    over_weight: OverWeight | None = None
    skills: SkillNeeds = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> CoverageRequirementCreate:
        check_day(self.weekday, self.date)
        broken = number_problem(self.required, self.screeners_required, self.hard_min)
        if broken is not None:
            raise ValueError(broken[1])
        return self


class CoverageRequirementUpdate(UpdateSchema):
    """Send `weekday` with `date: null` (or the reverse) to turn an override into a
    template (or the reverse)."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {"weekday", "date", "hard_min", "under_weight", "over_weight"}
    )

    weekday: Weekday | None = None
    date: Day | None = None
    required: Headcount | None = None
    screeners_required: Headcount | None = None
    hard_min: Headcount | None = None
    under_weight: UnderWeight | None = None
    over_weight: OverWeight | None = None
    skills: SkillNeeds | None = None


class CoverageRequirement(TimestampedSchema):
    id: int
    org_id: int
    shift_type_id: int
    weekday: Weekday | None
    date: date | None
    required: int
    screeners_required: int
    hard_min: int | None
    under_weight: int | None
    over_weight: int | None
    skills: list[SkillCover]
