"""Each user's in-app feed (what was paged or told to them) and what they chose to
receive by email. Only ever the caller's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import NotFound
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Notification, NotificationPreference
from shiftplanner.notifications import schemas
from shiftplanner.notifications.repository import FeedRepository, PreferenceRepository
from shiftplanner.security.actor import Actor


def _user(actor: Actor) -> int:
    # The routes admit users only (an API key has no feed).
    assert actor.user_id is not None
    return actor.user_id


async def list_feed(
    session: AsyncSession, actor: Actor, params: PageParams, *, unread: bool | None = None
) -> tuple[list[Notification], str | None]:
    """The caller's notifications, newest first."""
    return await FeedRepository(session).page(actor.org_id, _user(actor), params, unread=unread)


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    return await FeedRepository(session).unread_count(actor.org_id, _user(actor))


async def mark_read(
    session: AsyncSession, actor: Actor, notification_id: int, *, now: datetime
) -> Notification:
    """Mark one of the caller's notifications read (again: no change)."""
    notification = await FeedRepository(session).get(actor.org_id, _user(actor), notification_id)
    if notification is None:
        raise NotFound.resource("Notification", notification_id)
    if notification.read_at is None:
        notification.read_at = now
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    return await FeedRepository(session).mark_all_read(actor.org_id, _user(actor), now)


async def get_preferences(session: AsyncSession, actor: Actor) -> schemas.Preferences:
    stored = await PreferenceRepository(session).get(actor.org_id, _user(actor))
    return schemas.Preferences(
        email_schedule_changes=stored.email_schedule_changes if stored else False
    )


async def put_preferences(
    session: AsyncSession, actor: Actor, data: schemas.PreferencesInput
) -> schemas.Preferences:
    repository = PreferenceRepository(session)
    stored = await repository.get(actor.org_id, _user(actor))
    if stored is None:
        stored = NotificationPreference(user_id=_user(actor), org_id=actor.org_id)
        session.add(stored)
    stored.email_schedule_changes = data.email_schedule_changes
    await session.flush()
    return schemas.Preferences(email_schedule_changes=stored.email_schedule_changes)


async def users_emailed(session: AsyncSession, org_id: int, user_ids: list[int]) -> set[int]:
    """Those of the organization's `user_ids` who opted in to schedule emails."""
    return await PreferenceRepository(session).emailed(org_id, user_ids)
