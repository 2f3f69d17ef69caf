"""Windows of stored measurements as users write them: `15m`, `24h`, `30d`."""

from __future__ import annotations

import re
from datetime import timedelta

from shiftplanner.errors import InvalidInput

WINDOW_PATTERN = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def parse_window(value: str, *, max_days: int, parameter: str = "window") -> timedelta:
    """A whole number of minutes, hours or days, at most `max_days` (the hour rows'
    retention: older measurements are gone)."""
    match = WINDOW_PATTERN.match(value.strip())
    if match is None:
        raise _bad_window(
            f"{parameter} {value!r} is not a number of minutes, hours or days such as "
            "'15m', '24h' or '30d'",
            parameter,
        )
    window = int(match.group(1)) * UNITS[match.group(2)]
    if window > timedelta(days=max_days):
        raise _bad_window(
            f"{parameter} {value!r} is longer than the {max_days} days measurements are kept "
            "(SHIFTPLANNER_ROLLUP_HOUR_RETENTION_DAYS)",
            parameter,
        )
    return window


def _bad_window(detail: str, parameter: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"parameter": parameter, "in": "query", "detail": detail}])
