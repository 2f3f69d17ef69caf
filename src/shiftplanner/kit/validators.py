"""Annotated types for request fields that several domains share."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from shiftplanner.kit.time import timezone_problem


def _check_timezone(name: str) -> str:
    problem = timezone_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


TimezoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_timezone)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", max_length=64)
]


MAX_ID = 2**63 - 1
# Every id in a path: bounded, so an absurd number is a 422 and never reaches the database.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The resource id.")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _check_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


# Every date a client sends: bounded, so date arithmetic near the calendar's ends cannot fail.
Day = Annotated[date, AfterValidator(_check_day)]


def _lower(value: str) -> str:
    return value.lower()


# Email addresses are compared case-insensitively everywhere, so they are stored lower-cased.
Email = Annotated[EmailStr, StringConstraints(max_length=320), AfterValidator(_lower)]


_DECIMAL = re.compile(r"[0-9]{1,18}")


def parse_id(text: str) -> int | None:
    """The id a string spells in ASCII digits (at most 18 of them), else None. Not
    `str.isdigit()`: it accepts characters such as "²" that `int()` refuses."""
    return int(text) if _DECIMAL.fullmatch(text) else None
