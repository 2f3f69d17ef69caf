"""Bounded date-range query parameters, so that no client can ask for everything."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query

from shiftplanner.errors import InvalidInput
from shiftplanner.kit.validators import Day


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def date_range(max_days: int) -> Callable[[date, date], Awaitable[DateRange]]:
    """A dependency reading `start` and `end` (inclusive, both required) and refusing a
    range that is inverted or longer than `max_days`."""

    async def dependency(
        start: Annotated[Day, Query(description="First day, inclusive (YYYY-MM-DD).")],
        end: Annotated[
            Day, Query(description=f"Last day, inclusive; at most {max_days} days after start.")
        ],
    ) -> DateRange:
        if end < start:
            raise InvalidInput(
                "`end` is before `start`.",
                errors=[{"parameter": "end", "in": "query", "detail": "must not be before start"}],
            )
        selected = DateRange(start, end)
        if selected.days > max_days:
            raise InvalidInput(
                f"The range spans {selected.days} days; at most {max_days} can be asked for at once.",
                errors=[
                    {
                        "parameter": "end",
                        "in": "query",
                        "detail": f"at most {max_days} days after start",
                    }
                ],
            )
        return selected

    return dependency
