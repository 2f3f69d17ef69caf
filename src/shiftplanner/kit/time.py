"""Time helpers. Storage is UTC; shift times are local to a team's time zone and become
UTC intervals here, at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def of(cls, day: date) -> Weekday:
        return WEEKDAYS[day.weekday()]


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    if name not in _known_timezones():
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@lru_cache(maxsize=65_536)
def shift_interval(day: date, start: time, end: time, tz_name: str) -> Interval:
    """The UTC interval of a shift that starts on local `day` at `start` and ends at `end`,
    on the next day when `end` is not after `start` (a night shift crossing midnight).
    Wall-clock times are resolved in the zone, so a shift across a DST change is an hour
    shorter or longer, as it is for the people working it."""
    tz = zone(tz_name)
    end_day = day if end > start else day + timedelta(days=1)
    local_start = datetime.combine(day, start, tzinfo=tz)
    local_end = datetime.combine(end_day, end, tzinfo=tz)
    return Interval(local_start.astimezone(UTC), local_end.astimezone(UTC))


@lru_cache(maxsize=4096)
def local_days_interval(first: date, last: date, tz_name: str) -> Interval:
    """The UTC interval covering whole local days `first`..`last` (inclusive) in a zone."""
    tz = zone(tz_name)
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return Interval(start.astimezone(UTC), end.astimezone(UTC))


def days(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, inclusive."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
