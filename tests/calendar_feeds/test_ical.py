"""The feed a calendar app fetches, parsed with the icalendar library: one event per
assignment in the window, in the team's time zone with its VTIMEZONE, nights that end
the next day, approved absences as all-day events, UIDs that survive regeneration,
SEQUENCE that follows the assignment's version, conditional GETs, and nothing of
another organization's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.calendar_feeds.service import FUTURE_DAYS, PAST_DAYS
from shiftplanner.config import Settings
from shiftplanner.models import AbsenceKind, AbsenceStatus, CalendarFeed, DataVersion, Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.calendar_feeds.support import URL, calendar, create_feed, events, fetch, today
from tests.conftest import running
from tests.factories import (
    Tenant,
    bearer,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
    make_user,
)

NEW_YORK = ZoneInfo("America/New_York")


def at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


async def test_an_analysts_feed_holds_their_shifts_in_the_teams_zone(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    team = await make_team(session, tenant.org, code="NYC", timezone="America/New_York")
    alice = await make_analyst(session, team, name="Alice Liddell", skills=["screener"])
    bob = await make_analyst(session, team, name="Bob Dylan")
    day_shift = await make_shift_type(session, team, name="DAY", start=time(9), end=time(17))
    night = await make_shift_type(session, team, name="NIGHT", start=time(22), end=time(6))
    d = today() + timedelta(days=10)
    worked = await make_assignment(session, alice, day_shift, d, screener=True)
    nightly = await make_assignment(session, alice, night, d + timedelta(days=1))
    edges = [
        await make_assignment(session, alice, day_shift, today() - timedelta(days=PAST_DAYS)),
        await make_assignment(session, alice, day_shift, today() + timedelta(days=FUTURE_DAYS)),
    ]
    # Outside the window, and someone else's.
    await make_assignment(session, alice, day_shift, today() - timedelta(days=PAST_DAYS + 1))
    await make_assignment(session, alice, day_shift, today() + timedelta(days=FUTURE_DAYS + 1))
    await make_assignment(session, bob, day_shift, d)
    await session.commit()

    url, feed = await create_feed(client, tenant.manager, analyst_id=alice.id)
    parsed = await calendar(client, url)
    assert str(parsed["X-WR-CALNAME"]) == "Alice Liddell — shifts"
    assert str(parsed["X-WR-TIMEZONE"]) == "America/New_York"
    assert parsed.refresh_interval == timedelta(hours=1)
    lines = parsed.to_ical().splitlines()
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines  # as RFC 7986 requires
    assert b"X-PUBLISHED-TTL:PT1H" in lines
    assert "METHOD" not in parsed
    assert [tz.tz_name for tz in parsed.timezones] == ["America/New_York"]
    assert parsed.get_missing_tzids() == set()

    found = events(parsed)
    expected = {worked, nightly, *edges}
    assert set(found) == {f"assignment-{a.id}@testserver" for a in expected}
    day_event = found[f"assignment-{worked.id}@testserver"]
    assert day_event.start == at(d, time(9), NEW_YORK)
    assert day_event.end == at(d, time(17), NEW_YORK)
    assert isinstance(day_event.start, datetime)
    assert str(day_event.start.tzinfo) == "America/New_York"
    assert b"DTSTART;TZID=America/New_York:" in day_event.to_ical()
    assert str(day_event["SUMMARY"]) == "DAY (screener)"
    assert "Screener duty: yes" in str(day_event["DESCRIPTION"])
    assert day_event.sequence == worked.version == 1
    assert day_event.stamp == worked.updated_at.replace(microsecond=0)
    # The night starts on its day and ends on the next, at 06:00 local time.
    night_event = found[f"assignment-{nightly.id}@testserver"]
    assert night_event.start == at(d + timedelta(days=1), time(22), NEW_YORK)
    assert night_event.end == at(d + timedelta(days=2), time(6), NEW_YORK)
    assert str(night_event["SUMMARY"]) == "NIGHT"
    assert "ends the next day" in str(night_event["DESCRIPTION"])
    assert feed["analyst_id"] == alice.id


async def test_a_night_across_a_clock_change_lasts_what_it_really_lasts(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    team = await make_team(session, tenant.org, code="NYC", timezone="America/New_York")
    analyst = await make_analyst(session, team)
    night = await make_shift_type(session, team, name="NIGHT", start=time(22), end=time(6))
    # The next change of New York's clocks (there is one within any year).
    change = next(
        today() + timedelta(days=n)
        for n in range(1, FUTURE_DAYS)
        if at(today() + timedelta(days=n), time(12), NEW_YORK).utcoffset()
        != at(today() + timedelta(days=n - 1), time(12), NEW_YORK).utcoffset()
    )
    before = at(change - timedelta(days=1), time(12), NEW_YORK).utcoffset()
    after = at(change, time(12), NEW_YORK).utcoffset()
    assert before is not None
    assert after is not None
    assignment = await make_assignment(session, analyst, night, change - timedelta(days=1))
    await session.commit()
    url, _ = await create_feed(client, tenant.manager, analyst_id=analyst.id)
    event = events(await calendar(client, url))[f"assignment-{assignment.id}@testserver"]
    assert event.start == at(change - timedelta(days=1), time(22), NEW_YORK)
    assert event.end == at(change, time(6), NEW_YORK)
    assert isinstance(event.start, datetime)
    assert isinstance(event.end, datetime)
    lasted = event.end.astimezone(UTC) - event.start.astimezone(UTC)
    # Eight hours on the wall clock; one less in spring, one more in autumn.
    assert lasted == timedelta(hours=8) - (after - before)
    assert lasted != timedelta(hours=8)


async def test_a_team_feed_names_each_analyst_and_shows_approved_absences_all_day(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    morning, night = tenant.shift_types
    first, second, third = tenant.analysts
    d = today() + timedelta(days=3)
    shifts = [
        await make_assignment(session, first, morning, d, screener=True),
        await make_assignment(session, second, night, d),
    ]
    away = await make_absence(session, third, d + timedelta(days=2), d + timedelta(days=4))
    await make_absence(session, second, d, d, status=AbsenceStatus.REQUESTED)
    await make_absence(
        session, first, d + timedelta(days=7), d + timedelta(days=7), status=AbsenceStatus.REJECTED
    )
    # Another team of the organization, and another organization, on the same days.
    elsewhere = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    stranger = await make_analyst(session, elsewhere, name="Somebody Else")
    other_shift = await make_shift_type(session, elsewhere, name="SGP DAY")
    await make_assignment(session, stranger, other_shift, d)
    await make_absence(session, stranger, d, d + timedelta(days=1))
    foreign = await make_assignment(
        session, other_tenant.analysts[0], other_tenant.shift_types[0], d
    )
    await make_absence(session, other_tenant.analysts[1], d, d + timedelta(days=3))
    await session.commit()

    url, _ = await create_feed(client, tenant.manager, team_id=tenant.team.id)
    parsed = await calendar(client, url)
    assert str(parsed["X-WR-CALNAME"]) == f"{tenant.team.name} — shifts"
    found = events(parsed)
    assert set(found) == {f"assignment-{a.id}@testserver" for a in shifts} | {
        f"absence-{away.id}@testserver"
    }
    london = ZoneInfo("Europe/London")
    first_event = found[f"assignment-{shifts[0].id}@testserver"]
    assert str(first_event["SUMMARY"]) == f"{first.name} — MORNING (screener)"
    assert first_event.start == at(d, time(7), london)
    second_event = found[f"assignment-{shifts[1].id}@testserver"]
    assert str(second_event["SUMMARY"]) == f"{second.name} — NIGHT"
    assert second_event.end == at(d + timedelta(days=1), time(7), london)
    # All day: dates, not times; DTEND the day after the last (exclusive).
    absence_event = found[f"absence-{away.id}@testserver"]
    assert absence_event.start == d + timedelta(days=2)
    assert absence_event.end == d + timedelta(days=5)
    assert not isinstance(absence_event.start, datetime)
    assert b"DTSTART;VALUE=DATE:" in absence_event.to_ical()
    assert str(absence_event["SUMMARY"]) == f"{third.name} — away (vacation)"
    assert str(absence_event["TRANSP"]) == "TRANSPARENT"
    text = (await fetch(client, url)).text
    for leaked in (stranger.name, other_tenant.analysts[1].name, f"assignment-{foreign.id}@"):
        assert leaked not in text


async def test_a_feed_shows_only_the_absences_its_creator_may_see(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    d = today() + timedelta(days=5)
    own = tenant.analysts[2]  # the analyst user's
    mine = await make_absence(session, own, d, d, kind=AbsenceKind.SICK)
    theirs = await make_absence(session, tenant.analysts[0], d, d)
    viewer = await make_user(session, runtime, tenant.org, Role.VIEWER)
    linked = await make_analyst(session, tenant.team, user=viewer)
    viewers_own = await make_absence(session, linked, d, d + timedelta(days=1))
    await session.commit()

    async def absence_uids(headers: dict[str, str]) -> set[str]:
        url, _ = await create_feed(client, headers, team_id=tenant.team.id)
        found = events(await calendar(client, url))
        return {uid for uid in found if uid.startswith("absence-")}

    def uid(absence_id: int) -> str:
        return f"absence-{absence_id}@testserver"

    # A manager sees everyone's; a viewer (absences are personal records) only their own.
    assert await absence_uids(tenant.manager) == {uid(mine.id), uid(theirs.id), uid(viewers_own.id)}
    assert await absence_uids(await bearer(session, runtime, viewer)) == {uid(viewers_own.id)}
    assert await absence_uids(tenant.viewer) == set()
    # The analyst's own feed shows their own absence, kind and all.
    url, _ = await create_feed(client, tenant.analyst, analyst_id=own.id)
    [event] = events(await calendar(client, url)).values()
    assert str(event["SUMMARY"]) == "Away (sick)"


async def test_uids_survive_regeneration_and_sequence_follows_the_version(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[0]
    assignment = await make_assignment(
        session, analyst, tenant.shift_types[0], today() + timedelta(days=1)
    )
    await session.commit()
    url, feed = await create_feed(client, tenant.manager, analyst_id=analyst.id)
    uid = f"assignment-{assignment.id}@testserver"
    before = events(await calendar(client, url))[uid]
    assert before.sequence == 1

    changed = await client.patch(
        f"/api/schedules/{assignment.id}",
        json={"is_screener": True, "version": 1},
        headers=tenant.manager,
    )
    assert changed.status_code == 200, changed.text
    regenerated = await client.post(f"{URL}/{feed['id']}/regenerate", headers=tenant.manager)
    new_url = regenerated.json()["url"]
    after = events(await calendar(client, new_url))[uid]
    assert after.sequence == changed.json()["version"] == 2
    assert str(after["SUMMARY"]) == "MORNING (screener)"
    await session.refresh(assignment)
    # Whole seconds, as iCalendar writes them.
    assert after.stamp == assignment.updated_at.replace(microsecond=0)
    assert after.last_modified == after.stamp
    assert before.stamp is not None
    assert after.stamp >= before.stamp
    assert after.start == before.start
    problem(await fetch(client, url), 404)


async def test_an_unchanged_feed_is_answered_304(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[0]
    assignment = await make_assignment(
        session, analyst, tenant.shift_types[0], today() + timedelta(days=2)
    )
    await session.commit()
    url, _ = await create_feed(client, tenant.manager, analyst_id=analyst.id)
    first = await fetch(client, url)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = await fetch(client, url, **{"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    # The tag of the content (the 304 has none to compress).
    assert again.headers["etag"] == tag.removesuffix('-gzip"') + '"'
    assert (await fetch(client, url, **{"If-None-Match": f'"other", W/{tag}'})).status_code == 304
    # The tag of the compressed answer names the same content.
    assert tag.endswith('-gzip"')
    plain = tag.removesuffix('-gzip"') + '"'
    assert (await fetch(client, url, **{"If-None-Match": plain})).status_code == 304
    # A change of the schedule is a new tag and the new content.
    await client.patch(
        f"/api/schedules/{assignment.id}",
        json={"note": "bring keys", "version": 1},
        headers=tenant.manager,
    )
    changed = await fetch(client, url, **{"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert "bring keys" in changed.text
    # The same data renders the same bytes.
    assert (await fetch(client, url)).content == changed.content


async def test_without_a_data_version_the_tag_is_the_contents(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    url, _ = await create_feed(client, tenant.manager, team_id=tenant.team.id)
    await session.execute(delete(DataVersion).where(DataVersion.org_id == tenant.org.id))
    await session.commit()
    first = await fetch(client, url)
    assert first.status_code == 200
    again = await fetch(client, url, **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


async def test_fetches_are_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    url, feed = await create_feed(client, tenant.manager, team_id=tenant.team.id)
    await fetch(client, url)
    stored = await session.get(CalendarFeed, feed["id"], populate_existing=True)
    assert stored is not None
    assert stored.last_fetched_at is not None
    first_fetch = stored.last_fetched_at
    await fetch(client, url)
    await session.refresh(stored)
    assert stored.last_fetched_at == first_fetch
    # A minute later (as far as the record says), the next fetch is recorded.
    stored.last_fetched_at = first_fetch - timedelta(minutes=2)
    await session.commit()
    updated = stored.updated_at
    await fetch(client, url, **{"If-None-Match": '"whatever"'})
    await session.refresh(stored)
    assert stored.last_fetched_at > first_fetch
    assert stored.updated_at == updated  # a fetch is no edit of the feed
    listed = (await client.get(URL, headers=tenant.manager)).json()["items"][0]
    assert listed["last_fetched_at"] is not None


async def test_unknown_tokens_are_not_found(client: httpx.AsyncClient) -> None:
    for token in ("x" * 43, "short", "not a token!", "A" * 200):
        body = problem(await client.get(f"/ical/{token}.ics"), 404)
        assert body["instance"].startswith("/ical/")
    # The token alone: the feed is not under /api, and a bearer token opens nothing.
    assert (await client.get("/ical/.ics")).status_code == 404


async def test_an_empty_schedule_is_a_valid_empty_calendar(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    url, _ = await create_feed(client, tenant.viewer, team_id=tenant.team.id)
    response = await fetch(client, url)
    parsed = Calendar.from_ical(response.content)
    assert parsed.walk("VEVENT") == []
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]).startswith("-//ShiftPlanner//")
    assert response.headers["x-robots-tag"] == "noindex"


async def test_feed_fetches_are_rate_limited_by_address(
    client: httpx.AsyncClient, settings: Settings, tenant: Tenant
) -> None:
    """No token to count by: a feed URL is counted as an anonymous read of its address."""
    url, _ = await create_feed(client, tenant.analyst, analyst_id=tenant.analysts[-1].id)
    limited = settings.model_copy(update={"rate_limit_read": "2/minute"})
    async with running(limited) as (_, http):
        answers = [await fetch(http, url) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    problem(answers[2], 429)
    assert int(answers[2].headers["Retry-After"]) > 0
