"""Calendar feeds: made for one analyst or one team, shown once (the token is the whole
credential a calendar app sends, so only its SHA-256 is kept), regenerable (the old URL
stops at once) and revocable.

Who may make one: managers and admins, for any analyst or team of their organization;
anyone, for the analyst they sign in as; viewers, for any team (every role reads every
team's schedule, `GET /api/schedules`). Analysts subscribe to their own schedule only.

A feed reads as its creator would, now: the schedule (which every role reads) and the
approved absences the creator may see (all of them for managers, else their own). It
works only while its creator is an active user of the organization, so a feed never
outlives the person who shared it."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.calendar_feeds import entries, ical, schemas
from shiftplanner.calendar_feeds.repository import CalendarFeedRepository
from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import apply_update, emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.models import CalendarFeed, Role
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service

# 256 random bits, URL-safe: nobody guesses one, so a fast hash stores it well enough.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
PREFIX_LENGTH = 6
# Record a fetch at most this often: calendar apps poll, and a write per poll is waste.
FETCH_RECORD_INTERVAL = timedelta(minutes=1)
# What a feed shows, around the day it is fetched.
PAST_DAYS = 60
FUTURE_DAYS = 365
# Unrevoked feeds one person may have: one per device and team is plenty.
MAX_LIVE_FEEDS_PER_USER = 20
# Part of every ETag: a change to how feeds are rendered must not be answered with 304.
RENDERING = "1"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, dict[str, str]]:
    """A token and the columns that remember it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, {"token_hash": _digest(token), "token_prefix": token[:PREFIX_LENGTH]}


def feed_path(token: str) -> str:
    return f"/ical/{token}.ics"


async def create_feed(
    session: AsyncSession, actor: Actor, data: schemas.CalendarFeedCreate
) -> tuple[CalendarFeed, str]:
    """Returns the feed and its token, which only this answer ever shows."""
    if actor.user_id is None:
        raise Forbidden(
            "A calendar feed works only while the person who made it does: sign in to "
            "make one; an API key cannot."
        )
    if data.analyst_id is not None:
        await _check_analyst_subject(session, actor, data.analyst_id)
    elif data.team_id is not None:
        await _check_team_subject(session, actor, data.team_id)
    repository = CalendarFeedRepository(session)
    live = await repository.count_live_created_by(actor.org_id, actor.user_id)
    if live >= MAX_LIVE_FEEDS_PER_USER:
        raise Conflict(
            f"You have {live} calendar feeds; revoke one you no longer use before making another."
        )
    token, columns = _new_token()
    feed = await repository.add(
        CalendarFeed(
            org_id=actor.org_id,
            analyst_id=data.analyst_id,
            team_id=data.team_id,
            created_by_user_id=actor.user_id,
            **columns,
        )
    )
    emit_resource_event(
        session,
        EventType.CALENDAR_FEED_CREATED,
        feed,
        schemas.CalendarFeed,
        actor_user_id=actor.user_id,
    )
    return feed, token


async def _check_analyst_subject(session: AsyncSession, actor: Actor, analyst_id: int) -> None:
    found = await analyst_service.get_many(session, actor, [analyst_id])
    if analyst_id not in found:
        raise InvalidInput(
            f"Analyst {analyst_id} does not exist in your organization.", pointer="#/analyst_id"
        )
    if actor.can_manage:
        return
    own = await analyst_service.own_analyst(session, actor)
    if own is None or own.id != analyst_id:
        raise Forbidden(
            "You can make a feed of your own shifts only (the analyst you sign in as); "
            "ask a manager for anyone else's."
        )


async def _check_team_subject(session: AsyncSession, actor: Actor, team_id: int) -> None:
    if await team_service.find_team(session, actor, team_id) is None:
        raise InvalidInput(
            f"Team {team_id} does not exist in your organization.", pointer="#/team_id"
        )
    if actor.role is Role.ANALYST:
        raise Forbidden("Analysts subscribe to their own shifts; ask a manager for a team's feed.")


async def list_feeds(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[CalendarFeed], str | None]:
    """Managers and admins: every feed of the organization; anyone else: their own."""
    repository = CalendarFeedRepository(session)
    if actor.can_manage:
        query = repository.listed(actor.org_id, created_by=None)
    elif actor.user_id is not None:
        query = repository.listed(actor.org_id, created_by=actor.user_id)
    else:
        return [], None
    return await repository.page(query, params)


async def get_feed(session: AsyncSession, actor: Actor, feed_id: int) -> CalendarFeed:
    """A feed the caller may manage: any of the organization's for managers and admins,
    else one they made. Anything else does not exist for them."""
    feed = await CalendarFeedRepository(session).get(actor.org_id, feed_id)
    if feed is None or not (
        actor.can_manage or (actor.user_id is not None and feed.created_by_user_id == actor.user_id)
    ):
        raise NotFound.resource("Calendar feed", feed_id)
    return feed


async def regenerate_feed(
    session: AsyncSession, actor: Actor, feed_id: int
) -> tuple[CalendarFeed, str]:
    """A new token for the feed: its old URL answers 404 from now on. The events keep
    their UIDs, so a calendar that subscribes to the new URL shows the same events."""
    feed = await get_feed(session, actor, feed_id)
    if feed.revoked_at is not None:
        raise Conflict("The feed is revoked; make a new one.")
    token, columns = _new_token()
    changes = await apply_update(
        session, feed, {**columns, "last_fetched_at": None}, schemas.CalendarFeed
    )
    # Always an event, even in the unlikely case that the new prefix equals the old one.
    emit_resource_event(
        session,
        EventType.CALENDAR_FEED_REGENERATED,
        feed,
        schemas.CalendarFeed,
        actor_user_id=actor.user_id,
        changes=changes,
    )
    return feed, token


async def revoke_feed(session: AsyncSession, actor: Actor, feed_id: int) -> CalendarFeed:
    """The feed's URL answers 404 from now on; its record stays for the audit trail."""
    feed = await get_feed(session, actor, feed_id)
    if feed.revoked_at is not None:
        raise Conflict("The feed is already revoked.")
    await update_with_event(
        session,
        feed,
        {"revoked_at": utcnow()},
        schemas.CalendarFeed,
        EventType.CALENDAR_FEED_REVOKED,
        actor_user_id=actor.user_id,
    )
    return feed


@dataclass(frozen=True, slots=True)
class OpenFeed:
    """A live feed as a calendar app fetches it: who it reads as, and the version of its
    organization's data (None before the organization's first change)."""

    feed: CalendarFeed
    reader: Actor
    data_version: str | None


async def open_feed(session: AsyncSession, token: str) -> OpenFeed:
    """The live feed a token names, or NotFound: for an unknown, regenerated or revoked
    token, and for a feed whose creator is gone, disabled or moved elsewhere."""
    gone = NotFound("No such calendar feed: it may have been revoked or regenerated.")
    if not TOKEN_PATTERN.fullmatch(token):
        raise gone
    digest = _digest(token)
    found = await CalendarFeedRepository(session).find_by_token_hash(digest)
    # The lookup is by hash, so its timing says nothing of the token; compare anyway.
    if found is None or not hmac.compare_digest(found.feed.token_hash, digest):
        raise gone
    feed, creator = found.feed, found.creator
    if (
        feed.revoked_at is not None
        or creator is None
        or not creator.is_active
        or creator.org_id != feed.org_id
    ):
        raise gone
    reader = Actor(
        org_id=feed.org_id, role=creator.role, user_id=creator.id, data_version=found.data_version
    )
    return OpenFeed(feed=feed, reader=reader, data_version=found.data_version)


async def record_fetch(session: AsyncSession, feed: CalendarFeed) -> None:
    now = utcnow()
    await CalendarFeedRepository(session).mark_fetched(
        feed.id, now, not_since=now - FETCH_RECORD_INTERVAL
    )


def window(today: date) -> tuple[date, date]:
    """The days a feed fetched on `today` (UTC) shows."""
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def feed_etag(opened: OpenFeed, *, host: str, today: date) -> str | None:
    """A tag for the feed's answer that needs no rendering: what it shows changes only
    with its organization's data (every change bumps the data version), its window (the
    day) and the host its UIDs name. None when the organization has no version yet
    (then `body_etag` of the rendering serves)."""
    if opened.data_version is None:
        return None
    key = f"{RENDERING}|{opened.feed.id}|{opened.data_version}|{today}|{host}"
    return f'"{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}"'


def body_etag(body: bytes) -> str:
    """The tag of a rendered feed, for an organization without a data version yet (the
    rendering is deterministic: the same data gives the same bytes)."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


async def render_feed(session: AsyncSession, opened: OpenFeed, *, host: str, today: date) -> bytes:
    """The feed's iCalendar document: its subject's assignments and approved absences
    from `PAST_DAYS` before `today` to `FUTURE_DAYS` after."""
    feed, reader = opened.feed, opened.reader
    first, last = window(today)
    if feed.analyst_id is not None:
        analyst = await analyst_service.get_analyst(session, reader, feed.analyst_id)
        team = await team_service.get_team(session, reader, analyst.team_id)
        name = f"{analyst.name} — shifts"
    else:
        assert feed.team_id is not None
        team = await team_service.get_team(session, reader, feed.team_id)
        name = f"{team.name} — shifts"
    subject = {"analyst_id": feed.analyst_id, "team_id": feed.team_id}
    document = ical.FeedDocument(
        feed_id=feed.id,
        name=name,
        timezone=team.timezone,
        host=host,
        first=first,
        last=last,
        team_feed=feed.team_id is not None,
        shifts=await entries.shifts(session, reader, start=first, end=last, **subject),
        absences=await entries.absences(session, reader, start=first, end=last, **subject),
    )
    return ical.render(document)
