from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from shiftplanner.conflicts.facts import ConflictType, Severity
from shiftplanner.kit.schemas import Schema


class Conflict(Schema):
    type: ConflictType
    severity: Severity = Field(
        description="`error` conflicts are refused on write; `warning` ones are allowed and reported."
    )
    date: date
    message: str
    analyst_id: int | None
    shift_type_id: int | None
    assignment_ids: list[int] = Field(description="Saved assignments involved.")
    absence_id: int | None
    details: dict[str, Any]
    item_indexes: list[int] = Field(
        default_factory=list, description="In a refused bulk write: the `items` entries involved."
    )


class ConflictReport(Schema):
    start: date
    end: date
    errors: int
    warnings: int
    by_type: dict[ConflictType, int]
    conflicts: list[Conflict]


class ConflictsDetected(Schema):
    """The data of a `conflict.detected` event: the conflicts one committed change
    created."""

    conflicts: list[Conflict]


class SkillCoverage(Schema):
    skill: str
    minimum: int = Field(description="A floor a generated roster meets.")
    optimal: int = Field(description="How many are wanted; each short costs in generation.")
    effective: int = Field(description="Effective analysts covering it (their `skill`).")


class ShiftDayCoverage(Schema):
    date: date
    shift_type_id: int
    required: int = Field(description="Analysts the shift needs that day.")
    screeners_required: int
    booked: int = Field(description="Analysts booked on it.")
    effective: int = Field(description="Booked analysts who count: present and active.")
    screeners: int = Field(description="Effective analysts on screener duty who have the skill.")
    skills: list[SkillCoverage] = Field(description="Each skill the need names.")


class CoverageReport(Schema):
    """Each active shift on each day it runs: what it needs (the date's override, else the
    weekday's template, else the shift type's own headcount; nothing on a holiday the team
    takes off) against who is booked, by the rule conflict detection judges coverage by."""

    start: date
    end: date
    days: list[ShiftDayCoverage]
