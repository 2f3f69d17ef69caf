from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.orgs import schemas
from shiftplanner.orgs import service as org_service
from shiftplanner.security.dependencies import AdminActor, CurrentActor, SuperuserActor

router = APIRouter(prefix="/api/organizations", tags=["organizations"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems({409: "Slug taken"}))
async def create_organization(
    data: schemas.OrganizationCreate, session: SessionDep, actor: SuperuserActor
) -> schemas.Organization:
    """Create an organization (platform operator only). Create its first admin next with
    `POST /api/users` and its `org_id`."""
    organization = await org_service.create_organization(session, actor, data)
    return schemas.Organization.model_validate(organization)


@router.get("")
async def list_organizations(
    session: SessionDep, actor: CurrentActor, page: PageParamsDep
) -> Page[schemas.Organization]:
    """Your organization; every organization for the platform operator."""
    items, next_cursor = await org_service.list_organizations(session, actor, page)
    return Page[schemas.Organization].build(items, next_cursor)


@router.get("/{org_id}", responses=problems({404: "Not found or not yours"}))
async def get_organization(
    org_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.Organization:
    """One organization: your own, or any for the platform operator."""
    organization = await org_service.get_organization(session, actor, org_id)
    return schemas.Organization.model_validate(organization)


@router.patch("/{org_id}", responses=problems({404: "Not found or not yours"}))
async def update_organization(
    org_id: IdPath, data: schemas.OrganizationUpdate, session: SessionDep, actor: AdminActor
) -> schemas.Organization:
    """Rename the organization or change its time zone, scheduling rules and the four-eyes
    rule (admin)."""
    organization = await org_service.update_organization(session, actor, org_id, data)
    return schemas.Organization.model_validate(organization)
