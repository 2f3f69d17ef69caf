from __future__ import annotations

from datetime import timedelta

import pytest

from shiftplanner.errors import InvalidInput
from shiftplanner.monitoring.rollups.windows import parse_window


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        (" 24h ", timedelta(days=1)),
        ("30d", timedelta(days=30)),
    ],
)
def test_windows_in_minutes_hours_and_days(value: str, expected: timedelta) -> None:
    assert parse_window(value, max_days=90) == expected


@pytest.mark.parametrize("value", ["30", "0d", "1w", "-1d", "d", "91d", "2161h", "1.5h"])
def test_windows_that_cannot_be_read_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_window(value, max_days=90)
