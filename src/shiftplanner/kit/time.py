"""Time helpers. Storage is UTC; shift times are local to a team's time zone and become
UTC intervals here, at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def timezone_problem(name: str) -> str | None:
    """Why `name` is not a time zone a team or organization may use, or None. Only the
    IANA database's canonical zones (the ones it lists by country, and UTC) are accepted:
    not the aliases it keeps for compatibility ('US/Eastern'), the POSIX-style rules
    ('EST5EDT'), the placeholder 'Factory' or the server's own 'localtime'."""
    if name in _canonical_timezones():
        try:
            zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            return f"{name!r} is missing from the time zone database"
        return None
    canonical = _timezone_aliases().get(name, name)
    if canonical in ("Etc/GMT", "Etc/UTC"):
        canonical = "UTC"
    if canonical != name and canonical in _canonical_timezones():
        return f"{name!r} is an old alias; use {canonical!r}"
    return f"{name!r} is not an IANA time zone name such as 'Europe/London'"


def is_valid_timezone(name: str) -> bool:
    return timezone_problem(name) is None


@lru_cache(maxsize=1)
def _canonical_timezones() -> frozenset[str]:
    """The zones of tzdata's zone1970.tab and zone.tab, and UTC."""
    names = {"UTC", "Etc/UTC"}
    for table in ("zone1970.tab", "zone.tab"):
        for line in _tzdata_file(table).splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return frozenset(names)


@lru_cache(maxsize=1)
def _timezone_aliases() -> dict[str, str]:
    """Link name → the zone it stands for, from tzdata.zi (`L target link` lines)."""
    aliases = {}
    for line in _tzdata_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, link = line.split()
            aliases[link] = target
    return aliases


def _tzdata_file(name: str) -> str:
    return files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


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
