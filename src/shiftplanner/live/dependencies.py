from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.errors import Forbidden
from shiftplanner.live import service as live_service
from shiftplanner.live.access import Reader
from shiftplanner.security.dependencies import CurrentActor
from shiftplanner.security.tokens import TokenClaims

MAX_EVENT_ID = 2**63 - 1

LastEventId = Annotated[
    int | None,
    Header(
        alias="Last-Event-ID",
        ge=0,
        le=MAX_EVENT_ID,
        description="The `id` of the last message received: what came after it is sent first.",
    ),
]
AfterQuery = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_EVENT_ID,
        description="`Last-Event-ID` for clients that cannot set headers (the header wins).",
    ),
]


@dataclass(frozen=True, slots=True)
class Listener:
    reader: Reader
    claims: TokenClaims
    after: int | None


async def get_listener(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    last_event_id: LastEventId = None,
    after: AfterQuery = None,
) -> Listener:
    """Who opens the stream: a person signed in (an API key has webhooks instead)."""
    if actor.user_id is None:
        raise Forbidden(
            "Live updates are for people signed in; a machine client subscribes to "
            "webhooks (/monitoring/webhooks)."
        )
    claims: TokenClaims = request.state.claims
    reader = Reader(
        org_id=actor.org_id,
        user_id=actor.user_id,
        role=actor.role,
        analyst_id=await live_service.own_analyst_id(session, actor),
    )
    return Listener(reader, claims, last_event_id if last_event_id is not None else after)


async def open_connection(
    runtime: RuntimeDep, listener: Annotated[Listener, Depends(get_listener)]
) -> AsyncIterator[live_service.Connection]:
    """A place among the hub's streams for as long as the response lasts (429 or 503
    when there is none)."""
    subscription = runtime.live.subscribe(listener.reader)
    assert listener.claims.family_id is not None
    try:
        yield live_service.Connection(
            subscription=subscription,
            after=listener.after,
            family_id=listener.claims.family_id,
            expires_at=listener.claims.expires_at,
        )
    finally:
        runtime.live.unsubscribe(subscription)


LiveConnection = Annotated[live_service.Connection, Depends(open_connection, scope="request")]
