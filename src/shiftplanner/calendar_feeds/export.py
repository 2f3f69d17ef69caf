"""The schedule as a CSV file (RFC 4180), one row per assignment, for spreadsheets and
payroll."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.calendar_feeds import entries
from shiftplanner.security.actor import Actor

MEDIA_TYPE = "text/csv; charset=utf-8"
HEADER = (
    "date",
    "team",
    "analyst",
    "analyst email",
    "shift type",
    "starts at",
    "ends at",
    "screener",
    "locked",
)
# A cell a spreadsheet would take for a formula (OWASP "CSV injection"): names and
# notes are typed by people, so such a cell is kept as text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def render_csv(shifts: Sequence[entries.ShiftEntry]) -> str:
    """Times are ISO 8601 in the team's zone, with its offset: unambiguous, and what the
    people on the shift read on their clocks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for shift in shifts:
        writer.writerow(
            (
                shift.date.isoformat(),
                _cell(shift.team_name),
                _cell(shift.analyst_name),
                _cell(shift.analyst_email),
                _cell(shift.shift_type_name),
                shift.starts_at.isoformat(),
                shift.ends_at.isoformat(),
                "yes" if shift.is_screener else "no",
                "yes" if shift.is_locked else "no",
            )
        )
    return out.getvalue()


def filename(start: date, end: date) -> str:
    return f"schedule_{start.isoformat()}_{end.isoformat()}.csv"


async def export_schedule(
    session: AsyncSession,
    actor: Actor,
    *,
    start: date,
    end: date,
    analyst_id: int | None = None,
    team_id: int | None = None,
) -> str:
    """The assignments dated `start`..`end` as CSV, ordered by start time."""
    shifts = await entries.shifts(
        session, actor, start=start, end=end, analyst_id=analyst_id, team_id=team_id
    )
    return render_csv(shifts)
