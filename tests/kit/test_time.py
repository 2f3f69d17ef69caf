from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from shiftplanner.kit.time import (
    Weekday,
    is_valid_timezone,
    local_days_interval,
    shift_interval,
    timezone_problem,
)


def test_a_night_shift_ends_the_next_morning() -> None:
    span = shift_interval(date(2026, 1, 31), time(23), time(7), "UTC")
    assert span.start == datetime(2026, 1, 31, 23, tzinfo=UTC)
    assert span.end == datetime(2026, 2, 1, 7, tzinfo=UTC)


def test_wall_clock_hours_follow_daylight_saving() -> None:
    spring = shift_interval(date(2026, 3, 28), time(23), time(7), "Europe/London")
    autumn = shift_interval(date(2026, 10, 24), time(23), time(7), "Europe/London")
    assert spring.duration == timedelta(hours=7)
    assert autumn.duration == timedelta(hours=9)


def test_local_days_are_converted_in_their_zone() -> None:
    span = local_days_interval(date(2026, 6, 1), date(2026, 6, 2), "Asia/Singapore")
    assert span.start == datetime(2026, 5, 31, 16, tzinfo=UTC)
    assert span.end == datetime(2026, 6, 2, 16, tzinfo=UTC)


def test_time_zone_names_are_checked() -> None:
    assert is_valid_timezone("America/New_York")
    assert not is_valid_timezone("Mars/Olympus_Mons")
    assert not is_valid_timezone("../../etc/passwd")


def test_weekday_of_a_date() -> None:
    assert Weekday.of(date(2026, 11, 23)) is Weekday.MON
    assert Weekday.of(date(2026, 11, 29)) is Weekday.SUN


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("localtime", "not an IANA time zone name"),
        ("Factory", "not an IANA time zone name"),
        ("EST5EDT", "not an IANA time zone name"),
        ("posixrules", "not an IANA time zone name"),
        ("Etc/GMT+5", "not an IANA time zone name"),
        ("US/Eastern", "use 'America/New_York'"),
        ("Europe/Kiev", "use 'Europe/Kyiv'"),
        ("GMT", "use 'UTC'"),
        ("Mars/Olympus_Mons", "not an IANA time zone name"),
    ],
)
def test_only_canonical_time_zones_are_accepted(name: str, why: str) -> None:
    problem = timezone_problem(name)
    assert problem is not None
    assert why in problem


@pytest.mark.parametrize(
    "name", ["UTC", "Etc/UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Asia/Kolkata"]
)
def test_canonical_time_zones_are_accepted(name: str) -> None:
    assert timezone_problem(name) is None
