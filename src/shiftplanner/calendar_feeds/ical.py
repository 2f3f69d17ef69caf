"""A feed as an iCalendar document (RFC 5545, with the calendar properties of RFC 7986),
built with the `icalendar` library.

What calendar apps rely on: every event keeps its UID for as long as it exists
(`assignment-<id>@<host>`, whatever token the feed has), SEQUENCE grows with each change
(the assignment's version), DTSTAMP and LAST-MODIFIED say when it last changed (there is
no METHOD, so RFC 5545 reads DTSTAMP that way), and times are in the team's zone with
its VTIMEZONE. The output depends only on the data: the same schedule gives the same
bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from icalendar import Calendar, Event, Timezone, vDuration

from shiftplanner.calendar_feeds.entries import AbsenceEntry, ShiftEntry

PRODID = "-//ShiftPlanner//Calendar feeds//EN"
# How often calendar apps should fetch the feed again (Google and Outlook set their own
# pace; Apple Calendar and Thunderbird follow this).
REFRESH = timedelta(hours=1)
MEDIA_TYPE = "text/calendar; charset=utf-8"
UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """Everything a feed shows. `team_feed`: the events name their analyst."""

    feed_id: int
    name: str
    timezone: str
    host: str
    first: date
    last: date
    team_feed: bool
    shifts: Sequence[ShiftEntry]
    absences: Sequence[AbsenceEntry]


def render(document: FeedDocument) -> bytes:
    calendar = Calendar.new(
        prodid=PRODID,
        name=document.name,
        description=f"Shifts from {document.first} to {document.last}, from ShiftPlanner.",
        uid=f"calendar-feed-{document.feed_id}@{document.host}",
        calscale="GREGORIAN",
    )
    # RFC 7986 requires VALUE=DURATION, which the library leaves out; Outlook's older
    # clients read X-PUBLISHED-TTL instead.
    calendar.pop("REFRESH-INTERVAL", None)
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    calendar.add("X-WR-TIMEZONE", document.timezone)
    # A VTIMEZONE for each zone the events use, in a fixed order (the library's own
    # `add_missing_timezones` goes by set order, which differs from process to process),
    # with the rules of the feed's whole window.
    zones = sorted({shift.timezone for shift in document.shifts} - UTC_NAMES)
    for name in zones:
        calendar.add_component(
            Timezone.from_tzid(
                name,
                first_date=document.first - timedelta(days=1),
                last_date=document.last + timedelta(days=2),
            )
        )
    for shift in document.shifts:
        calendar.add_component(_shift_event(shift, document))
    for absence in document.absences:
        calendar.add_component(_absence_event(absence, document))
    # Nothing should be missing; a zone the library does not know would stay missing.
    calendar.add_missing_timezones()
    text: bytes = calendar.to_ical()
    return text


def shift_summary(shift: ShiftEntry, *, team_feed: bool) -> str:
    summary = (
        f"{shift.analyst_name} — {shift.shift_type_name}" if team_feed else shift.shift_type_name
    )
    return f"{summary} (screener)" if shift.is_screener else summary


def _shift_event(shift: ShiftEntry, document: FeedDocument) -> Event:
    times = f"{shift.start_time:%H:%M}–{shift.end_time:%H:%M}"
    if shift.ends_next_day:
        times += " (ends the next day)"
    lines = [
        f"Analyst: {shift.analyst_name}",
        f"Shift: {shift.shift_type_name}, {times}, {shift.timezone}",
        f"Team: {shift.team_name} ({shift.team_code})",
        f"Screener duty: {'yes' if shift.is_screener else 'no'}",
    ]
    if shift.note:
        lines.append(f"Note: {shift.note}")
    event = Event.new(
        uid=f"assignment-{shift.assignment_id}@{document.host}",
        stamp=shift.updated_at,
        created=shift.created_at,
        last_modified=shift.updated_at,
        sequence=shift.version,
        start=shift.starts_at,
        end=shift.ends_at,
        summary=shift_summary(shift, team_feed=document.team_feed),
        description="\n".join(lines),
        categories=["Screener duty"] if shift.is_screener else (),
    )
    event.add("STATUS", "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    return event


def _absence_event(absence: AbsenceEntry, document: FeedDocument) -> Event:
    kind = absence.kind.value
    summary = f"{absence.analyst_name} — away ({kind})" if document.team_feed else f"Away ({kind})"
    event = Event.new(
        uid=f"absence-{absence.absence_id}@{document.host}",
        stamp=absence.updated_at,
        created=absence.created_at,
        last_modified=absence.updated_at,
        sequence=absence.version,
        # Whole days, as the absence is: DTEND is the day after the last (exclusive).
        start=absence.first,
        end=absence.last + timedelta(days=1),
        summary=summary,
        description=f"{absence.analyst_name}: {kind}, {absence.first} to {absence.last} (approved)",
    )
    event.add("STATUS", "CONFIRMED")
    # All day, as holidays are: it does not make the subscriber busy.
    event.add("TRANSP", "TRANSPARENT")
    return event
