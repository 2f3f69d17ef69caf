"""Helpers the calendar feed tests share: making a feed through the API and fetching it
as a calendar app does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
from icalendar import Calendar, Event
from sqlalchemy import select

from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime

URL = "/api/calendar-feeds"
FEED_URL = re.compile(r"http://testserver/ical/([A-Za-z0-9_-]{43})\.ics")


def today() -> date:
    return datetime.now(UTC).date()


async def create_feed(
    client: httpx.AsyncClient, headers: dict[str, str], **subject: int
) -> tuple[str, dict[str, Any]]:
    """The feed's URL (shown this once) and its record."""
    response = await client.post(URL, json=subject, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert FEED_URL.fullmatch(body["url"]), body["url"]
    return body["url"], body["feed"]


async def fetch(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    """A calendar app's fetch: no credentials but the URL."""
    return await client.get(url, headers=headers)


async def calendar(client: httpx.AsyncClient, url: str) -> Calendar:
    response = await fetch(client, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(parsed: Calendar) -> dict[str, Event]:
    """The calendar's events by UID."""
    return {str(event["UID"]): event for event in parsed.walk("VEVENT") if isinstance(event, Event)}


async def outbox(runtime: Runtime, prefix: str = "calendar_feed.") -> list[OutboxEvent]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type.startswith(prefix))
            .order_by(OutboxEvent.id)
        )
        return list(rows)
