from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.notifications import schemas
from shiftplanner.notifications import service as feed_service
from shiftplanner.notifications.dependencies import FeedOwner

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_notifications(
    session: SessionDep,
    actor: FeedOwner,
    page: PageParamsDep,
    unread: Annotated[
        bool | None, Query(description="true: only unread; false: only read.")
    ] = None,
) -> Page[schemas.Notification]:
    """Your in-app notifications, newest first: alerts paged to you, your shifts
    changed, your requests decided, rosters with you applied."""
    return Page[schemas.Notification].build(
        *await feed_service.list_feed(session, actor, page, unread=unread)
    )


@router.get("/unread-count")
async def unread_count(session: SessionDep, actor: FeedOwner) -> schemas.UnreadCount:
    """How many of your notifications are unread (for a badge)."""
    return schemas.UnreadCount(unread=await feed_service.unread_count(session, actor))


@router.post("/read-all")
async def mark_all_read(session: SessionDep, actor: FeedOwner) -> schemas.MarkedRead:
    """Mark every one of your notifications read."""
    return schemas.MarkedRead(marked=await feed_service.mark_all_read(session, actor, now=utcnow()))


@router.get("/preferences")
async def get_preferences(session: SessionDep, actor: FeedOwner) -> schemas.Preferences:
    """What you receive beyond the feed (the defaults until you set them)."""
    return await feed_service.get_preferences(session, actor)


@router.put("/preferences")
async def put_preferences(
    data: schemas.PreferencesInput, session: SessionDep, actor: FeedOwner
) -> schemas.Preferences:
    """Choose what you receive by email beyond the feed."""
    return await feed_service.put_preferences(session, actor, data)


@router.post("/{notification_id}/read", responses=problems({404: "No such notification of yours"}))
async def mark_read(
    notification_id: IdPath, session: SessionDep, actor: FeedOwner
) -> schemas.Notification:
    """Mark one of your notifications read."""
    return schemas.Notification.model_validate(
        await feed_service.mark_read(session, actor, notification_id, now=utcnow())
    )
