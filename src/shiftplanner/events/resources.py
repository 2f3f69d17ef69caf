"""Emitting the events of ordinary create / update / delete changes in one call each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events.outbox import emit
from shiftplanner.events.types import DomainEvent, EventType, changes_between


class OrgOwned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def org_id(self) -> int: ...


def public(schema: type[BaseModel], obj: object) -> dict[str, Any]:
    """The resource as the API shows it, JSON-ready: what events carry."""
    return schema.model_validate(obj, from_attributes=True).model_dump(mode="json", by_alias=True)


def emit_resource_event(
    session: AsyncSession,
    event_type: EventType,
    obj: OrgOwned,
    schema: type[BaseModel],
    *,
    actor_user_id: int | None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    emit(
        session,
        DomainEvent(
            type=event_type,
            org_id=obj.org_id,
            resource_type=event_type.value.split(".", 1)[0],
            resource_id=obj.id,
            data=public(schema, obj),
            actor_user_id=actor_user_id,
            changes=changes,
        ),
    )


async def apply_update(
    session: AsyncSession, obj: object, values: Mapping[str, Any], schema: type[BaseModel]
) -> dict[str, Any]:
    """Set `values` on `obj`, flush, and return what changed (old and new, as the API
    shows them); empty when the update changed nothing."""
    before = public(schema, obj)
    for name, value in values.items():
        setattr(obj, name, value)
    await session.flush()
    return changes_between(before, public(schema, obj))


async def update_with_event(
    session: AsyncSession,
    obj: OrgOwned,
    values: Mapping[str, Any],
    schema: type[BaseModel],
    event_type: EventType,
    *,
    actor_user_id: int | None,
) -> dict[str, Any]:
    """`apply_update`, then the event of the update if it changed anything."""
    changes = await apply_update(session, obj, values, schema)
    if changes:
        emit_resource_event(
            session, event_type, obj, schema, actor_user_id=actor_user_id, changes=changes
        )
    return changes
