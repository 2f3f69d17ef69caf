from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shiftplanner.errors import Forbidden
from shiftplanner.security.actor import Actor
from shiftplanner.security.dependencies import CurrentActor


async def require_person(actor: CurrentActor) -> Actor:
    """A signed-in user: a feed and preferences belong to a person, not an API key."""
    if actor.user_id is None:
        raise Forbidden("Notifications belong to a user's sign-in; an API key has none.")
    return actor


FeedOwner = Annotated[Actor, Depends(require_person)]
