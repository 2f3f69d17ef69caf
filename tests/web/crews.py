"""A team of one's own for the browser tests of My shifts, Approvals and notifications:
the server is shared by every test of a backend, so each test works on a new team (its
own shift type, analysts and days) that nothing else touches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.web.conftest import Site

TIMEZONE = "Europe/Berlin"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass
class Crew:
    team: dict[str, Any]
    shift_type: dict[str, Any]
    # The analyst who signs in (`email`), and a colleague who could cover for them.
    analyst: dict[str, Any]
    colleague: dict[str, Any]
    email: str
    assignments: list[dict[str, Any]]


def team_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def day(offset: int) -> date:
    """A day `offset` days after today where the crew's team is."""
    return team_today() + timedelta(days=offset)


def new_crew(site: Site, *, shift_days: Sequence[date] = ()) -> Crew:
    """A new team with an EARLY shift type, two analysts and the first one's sign-in
    (linked before any shift is booked), booked on `shift_days`: the first as screener,
    the last locked."""
    team = site.new_team("Crew", timezone=TIMEZONE)
    shift_type = site.create(
        "/api/shift-types",
        {
            "team_id": team["id"],
            "name": "EARLY",
            "start_time": "06:00",
            "end_time": "14:00",
            "days_of_week": EVERY_DAY,
            "required_headcount": 1,
        },
    )
    analysts = [site.new_analyst(team, name, skills=["screener"]) for name in ("Robin", "Sam")]
    email = site.new_user("analyst", analyst_id=analysts[0]["id"])
    assignments = []
    with site.api() as api:
        for index, shift_day in enumerate(shift_days):
            booked = api.post(
                "/api/schedules",
                json={
                    "analyst_id": analysts[0]["id"],
                    "shift_type_id": shift_type["id"],
                    "date": shift_day.isoformat(),
                    "is_screener": index == 0,
                    "is_locked": index == len(shift_days) - 1,
                },
            )
            booked.raise_for_status()
            assignments.append(booked.json())
    return Crew(
        team=team,
        shift_type=shift_type,
        analyst=analysts[0],
        colleague=analysts[1],
        email=email,
        assignments=assignments,
    )


def request_absence(site: Site, crew: Crew, first: date, last: date) -> dict[str, Any]:
    """The crew's analyst asks for a vacation from `first` to `last` (through the API)."""
    with site.api(crew.email) as api:
        answer = api.post(
            "/api/absences",
            json={
                "start_date": first.isoformat(),
                "end_date": last.isoformat(),
                "kind": "vacation",
                "note": "Family visit",
            },
        )
        answer.raise_for_status()
        absence: dict[str, Any] = answer.json()
        return absence
