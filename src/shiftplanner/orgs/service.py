"""Organizations: the tenants. Only the platform operator creates them; an admin edits
their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, NotFound
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.events.resources import apply_update, public
from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.models import Organization
from shiftplanner.orgs import schemas
from shiftplanner.orgs.repository import OrganizationRepository
from shiftplanner.security.actor import Actor


def _event(
    kind: EventType, org: Organization, actor: Actor, changes: dict[str, Any] | None = None
) -> DomainEvent:
    return DomainEvent(
        type=kind,
        org_id=org.id,
        resource_type="organization",
        resource_id=org.id,
        data=public(schemas.Organization, org),
        actor_user_id=actor.user_id,
        changes=changes,
    )


async def create_organization(
    session: AsyncSession, actor: Actor, data: schemas.OrganizationCreate
) -> Organization:
    repository = OrganizationRepository(session)
    if await repository.get_by_slug(data.slug) is not None:
        raise Conflict(f"An organization with the slug {data.slug!r} already exists.")
    organization = await repository.add(Organization(**data.model_dump()))
    emit(session, _event(EventType.ORGANIZATION_CREATED, organization, actor))
    return organization


async def get_organization(session: AsyncSession, actor: Actor, org_id: int) -> Organization:
    """Your own organization; any organization for the platform operator."""
    organization = None
    if actor.is_superuser or org_id == actor.org_id:
        organization = await OrganizationRepository(session).get(org_id)
    if organization is None:
        raise NotFound.resource("Organization", org_id)
    return organization


async def list_organizations(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[Organization], str | None]:
    repository = OrganizationRepository(session)
    query = repository.all() if actor.is_superuser else repository.only(actor.org_id)
    return await paginate(session, query, keys=[Organization.id], params=params)


async def update_organization(
    session: AsyncSession, actor: Actor, org_id: int, data: schemas.OrganizationUpdate
) -> Organization:
    organization = await get_organization(session, actor, org_id)
    changes = await apply_update(session, organization, data.changes(), schemas.Organization)
    if changes:
        emit(session, _event(EventType.ORGANIZATION_UPDATED, organization, actor, changes))
    return organization


async def organization_ids(session: AsyncSession) -> list[int]:
    """Every organization's id, for operations work that spans tenants (the domain
    gauges)."""
    return await OrganizationRepository(session).ids()
