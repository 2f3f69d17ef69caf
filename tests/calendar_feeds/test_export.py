"""The schedule as CSV: a header row, one row per assignment in start order with times
in the team's zone, the filters and range rules of `GET /api/schedules`, and nothing of
another organization's."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role
from tests.assertions import problem
from tests.factories import (
    Tenant,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)

URL = "/api/schedules/export.csv"
D = date(2030, 1, 7)  # a Monday in winter: London is on UTC
HEADER = [
    "date",
    "team",
    "analyst",
    "analyst email",
    "shift type",
    "starts at",
    "ends at",
    "screener",
    "locked",
]


def rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.text)))


async def test_every_assignment_of_the_range_is_a_row_in_start_order(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    morning, night = tenant.shift_types
    first, second, _ = tenant.analysts
    nyc = await make_team(session, tenant.org, code="NYC", timezone="America/New_York")
    yankee = await make_analyst(session, nyc, name="Yankee Doodle")
    late = await make_shift_type(session, nyc, name="LATE", start=time(16), end=time(0))
    await make_assignment(session, second, night, D)
    await make_assignment(session, first, morning, D, screener=True)
    locked = await make_assignment(session, yankee, late, D)
    locked.is_locked = True
    await make_assignment(session, first, morning, date(2030, 1, 8))
    # Outside the range, and another organization's.
    await make_assignment(session, first, morning, date(2030, 1, 9))
    await make_assignment(session, other_tenant.analysts[0], other_tenant.shift_types[0], D)
    await session.commit()

    response = await client.get(
        URL, params={"start": "2030-01-07", "end": "2030-01-08"}, headers=tenant.viewer
    )
    table = rows(response)
    assert response.headers["content-disposition"] == (
        'attachment; filename="schedule_2030-01-07_2030-01-08.csv"'
    )
    assert table[0] == HEADER
    team = tenant.team.name
    assert table[1:] == [
        [
            "2030-01-07",
            team,
            first.name,
            first.email,
            "MORNING",
            "2030-01-07T07:00:00+00:00",
            "2030-01-07T15:00:00+00:00",
            "yes",
            "no",
        ],
        [
            "2030-01-07",
            "Team NYC",
            "Yankee Doodle",
            "yankee.doodle@example.com",
            "LATE",
            "2030-01-07T16:00:00-05:00",
            "2030-01-08T00:00:00-05:00",
            "no",
            "yes",
        ],
        [
            "2030-01-07",
            team,
            second.name,
            second.email,
            "NIGHT",
            "2030-01-07T23:00:00+00:00",
            "2030-01-08T07:00:00+00:00",
            "no",
            "no",
        ],
        [
            "2030-01-08",
            team,
            first.name,
            first.email,
            "MORNING",
            "2030-01-08T07:00:00+00:00",
            "2030-01-08T15:00:00+00:00",
            "no",
            "no",
        ],
    ]
    assert other_tenant.analysts[0].name not in response.text


async def test_filters_by_team_and_by_analyst(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    morning = tenant.shift_types[0]
    first, second, _ = tenant.analysts
    elsewhere = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    stranger = await make_analyst(session, elsewhere, name="Somebody Else")
    await make_assignment(session, first, morning, D)
    await make_assignment(session, second, morning, D)
    await make_assignment(session, stranger, await make_shift_type(session, elsewhere), D)
    await session.commit()
    period = {"start": "2030-01-01", "end": "2030-01-31"}

    by_team = rows(
        await client.get(URL, params={**period, "team_id": tenant.team.id}, headers=tenant.analyst)
    )
    assert sorted(row[2] for row in by_team[1:]) == sorted([first.name, second.name])
    by_analyst = rows(
        await client.get(URL, params={**period, "analyst_id": second.id}, headers=tenant.manager)
    )
    assert [row[2] for row in by_analyst[1:]] == [second.name]
    everyone = rows(await client.get(URL, params=period, headers=tenant.admin))
    assert len(everyone) == 1 + 3


async def test_an_empty_range_is_the_header_alone(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    table = rows(
        await client.get(
            URL, params={"start": "2030-01-01", "end": "2030-01-01"}, headers=tenant.viewer
        )
    )
    assert table == [HEADER]


async def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    sly = await make_analyst(session, tenant.team, name='=HYPERLINK("http://evil.example")')
    await make_assignment(session, sly, tenant.shift_types[0], D)
    await session.commit()
    table = rows(
        await client.get(
            URL, params={"start": "2030-01-07", "end": "2030-01-07"}, headers=tenant.admin
        )
    )
    assert table[1][2] == '\'=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"end": "2030-01-31"}, "start"),
        ({"start": "2030-01-31"}, "end"),
        ({"start": "2030-01-31", "end": "2030-01-01"}, "end"),
        ({"start": "2030-01-01", "end": "2031-01-02"}, "end"),
        ({"start": "2030-13-01", "end": "2030-01-31"}, "start"),
        ({"start": "2030-01-01", "end": "2030-01-31", "team": "1"}, "team"),
    ],
    ids=["no start", "no end", "inverted", "367 days", "no date", "unknown parameter"],
)
async def test_a_bad_range_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str], where: str
) -> None:
    body = problem(await client.get(URL, params=params, headers=tenant.viewer), 422)
    assert where in str(body["errors"]), body


async def test_a_year_of_366_days_may_be_asked_for(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        URL, params={"start": "2028-01-01", "end": "2028-12-31"}, headers=tenant.viewer
    )
    assert rows(response) == [HEADER]


async def test_filters_must_name_the_organizations_own(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    period = {"start": "2030-01-01", "end": "2030-01-31"}
    for name, value in (
        ("team_id", other_tenant.team.id),
        ("analyst_id", other_tenant.analysts[0].id),
    ):
        body = problem(
            await client.get(URL, params={**period, name: value}, headers=tenant.admin), 422
        )
        assert body["errors"][0]["parameter"] == name


async def test_every_role_may_export_and_nobody_unsigned(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    period = {"start": "2030-01-01", "end": "2030-01-31"}
    for role in Role:
        assert (
            await client.get(URL, params=period, headers=tenant.headers[role])
        ).status_code == 200
    problem(await client.get(URL, params=period), 401)
