from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Response, status

from shiftplanner.analysts.dependencies import AnalystFilter
from shiftplanner.calendar_feeds import export, ical, schemas
from shiftplanner.calendar_feeds import service as feed_service
from shiftplanner.calendar_feeds.dependencies import BaseUrl, Host
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.ranges import DateRange, date_range
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import CalendarFeed
from shiftplanner.performance.cache.dependencies import not_modified
from shiftplanner.security.dependencies import CurrentActor
from shiftplanner.teams.dependencies import TeamFilter

router = APIRouter(prefix="/api/calendar-feeds", tags=["calendar feeds"])
# The URL calendar apps fetch: no /api prefix, no credentials but the token in it.
feed_router = APIRouter(prefix="/ical", tags=["calendar feeds"])
# Registered before the schedule's router, whose /api/schedules/{assignment_id} would
# otherwise take `export.csv` for an assignment id.
export_router = APIRouter(prefix="/api/schedules", tags=["schedules"])

# As `GET /api/schedules`.
MAX_EXPORT_DAYS = 366
NOT_FOUND = {404: "No such calendar feed among those you manage"}
# Answers of a feed: kept by the subscriber's own cache only, and checked every time.
FEED_HEADERS = {"Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"}


def _text(media_type: str, description: str) -> dict[str, Any]:
    return {"content": {media_type: {"schema": {"type": "string"}}}, "description": description}


def _secret(base_url: str, feed: CalendarFeed, token: str) -> schemas.CalendarFeedSecret:
    return schemas.CalendarFeedSecret(
        url=base_url + feed_service.feed_path(token),
        feed=schemas.CalendarFeed.model_validate(feed),
    )


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_calendar_feeds(
    session: SessionDep, actor: CurrentActor, page: PageParamsDep
) -> Page[schemas.CalendarFeed]:
    """Calendar feeds, without their tokens: the ones you made; managers and admins see
    every feed of the organization. Revoked ones are listed with `revoked_at`."""
    return Page[schemas.CalendarFeed].build(*await feed_service.list_feeds(session, actor, page))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        {
            403: "Not a subject your role may subscribe to, or an API key",
            409: "Too many unrevoked feeds of yours",
            422: "Not exactly one of `analyst_id` and `team_id`, or one not in your organization",
        }
    ),
)
async def create_calendar_feed(
    data: schemas.CalendarFeedCreate, session: SessionDep, actor: CurrentActor, base_url: BaseUrl
) -> schemas.CalendarFeedSecret:
    """A secret iCalendar URL of one analyst's shifts or one team's, for Google Calendar,
    Outlook or Apple Calendar to subscribe to ("add calendar from URL"). The answer holds
    the URL, once. Managers and admins make feeds of any analyst or team; anyone, of the
    analyst they sign in as; viewers, of any team. The feed shows the shifts from 60 days
    back to a year ahead, and the approved absences you may see."""
    feed, token = await feed_service.create_feed(session, actor, data)
    return _secret(base_url, feed, token)


@router.post("/{feed_id}/regenerate", responses=problems({**NOT_FOUND, 409: "Revoked"}))
async def regenerate_calendar_feed(
    feed_id: IdPath, session: SessionDep, actor: CurrentActor, base_url: BaseUrl
) -> schemas.CalendarFeedSecret:
    """A new secret URL for the feed, shown in this answer only; the old one stops
    working at once. Events keep their UIDs, so re-subscribing shows the same events."""
    feed, token = await feed_service.regenerate_feed(session, actor, feed_id)
    return _secret(base_url, feed, token)


@router.delete(
    "/{feed_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems({**NOT_FOUND, 409: "Already revoked"}),
)
async def revoke_calendar_feed(feed_id: IdPath, session: SessionDep, actor: CurrentActor) -> None:
    """Revoke a feed: its URL answers 404 from now on."""
    await feed_service.revoke_feed(session, actor, feed_id)


@feed_router.get(
    "/{token}.ics",
    response_class=Response,
    responses={
        200: _text("text/calendar", "The feed (RFC 5545)"),
        304: {"description": "Not modified: `If-None-Match` names the current ETag"},
        **problems({404: "Unknown, regenerated or revoked"}),
    },
)
async def fetch_calendar_feed(
    token: Annotated[str, Path(max_length=200, description="The feed's secret token.")],
    session: SessionDep,
    host: Host,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    """A calendar feed, as calendar apps fetch it: no sign-in, the token in the URL is the
    credential. Every assignment from 60 days back to 365 days ahead is an event with a
    stable UID (`assignment-<id>@<host>`) and `SEQUENCE` its version, in the team's time
    zone; approved absences are all-day events. Answers carry an `ETag`; send it back as
    `If-None-Match` for a 304 when nothing changed."""
    opened = await feed_service.open_feed(session, token)
    await feed_service.record_fetch(session, opened.feed)
    today = utcnow().date()
    tag = feed_service.feed_etag(opened, host=host, today=today)
    if tag is not None and not_modified(tag, {"if-none-match": if_none_match or ""}):
        return Response(
            status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag, **FEED_HEADERS}
        )
    body = await feed_service.render_feed(session, opened, host=host, today=today)
    if tag is None:
        tag = feed_service.body_etag(body)
        if not_modified(tag, {"if-none-match": if_none_match or ""}):
            return Response(
                status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag, **FEED_HEADERS}
            )
    return Response(body, media_type=ical.MEDIA_TYPE, headers={"ETag": tag, **FEED_HEADERS})


@export_router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: _text("text/csv", "One row per assignment, with a header row"),
        **problems({422: "Range missing, inverted or longer than 366 days; an unknown filter"}),
    },
)
async def export_schedule_csv(
    session: SessionDep,
    actor: CurrentActor,
    period: Annotated[DateRange, Depends(date_range(MAX_EXPORT_DAYS))],
    analyst_id: AnalystFilter = None,
    team_id: TeamFilter = None,
) -> Response:
    """The assignments dated within the range (at most 366 days) as a CSV file: date,
    team, analyst, analyst email, shift type, starts at and ends at (ISO 8601 in the
    team's time zone), screener, locked. Readable by every role, as the schedule is."""
    text = await export.export_schedule(
        session, actor, start=period.start, end=period.end, analyst_id=analyst_id, team_id=team_id
    )
    name = export.filename(period.start, period.end)
    return Response(
        text,
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
