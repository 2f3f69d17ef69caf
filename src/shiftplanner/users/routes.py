from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import Role
from shiftplanner.security.dependencies import AdminActor
from shiftplanner.users import schemas
from shiftplanner.users import service as user_service

router = APIRouter(prefix="/api/users", tags=["users"])

NOT_FOUND = problems({404: "No such user in your organization"})


@router.get("")
async def list_users(
    session: SessionDep,
    actor: AdminActor,
    page: PageParamsDep,
    role: Annotated[Role | None, Query()] = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> Page[schemas.User]:
    """The accounts of your organization (admin)."""
    result = await user_service.list_users(session, actor, page, role=role, is_active=is_active)
    return Page[schemas.User].build(*result)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: problem("`org_id` of another organization, and not the platform operator"),
        409: problem("Email already has an account"),
    },
)
async def create_user(
    data: schemas.UserCreate, session: SessionDep, runtime: RuntimeDep, actor: AdminActor
) -> schemas.User:
    """Create an account (admin). The platform operator may name another organization's
    `org_id`, e.g. to create its first admin."""
    user = await user_service.create_user(session, actor, runtime.passwords, data)
    return schemas.User.model_validate(user)


@router.get("/{user_id}", responses=NOT_FOUND)
async def get_user(user_id: IdPath, session: SessionDep, actor: AdminActor) -> schemas.User:
    """One account (admin)."""
    return schemas.User.model_validate(await user_service.get_user(session, actor, user_id))


OPERATOR = problems({403: "The platform operator's account, and you are not an operator"})


@router.patch(
    "/{user_id}",
    responses={**NOT_FOUND, **OPERATOR, 409: problem("Would leave no active admin")},
)
async def update_user(
    user_id: IdPath,
    data: schemas.UserUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    actor: AdminActor,
) -> schemas.User:
    """Change an account's name, role, password or status (admin). The organization always
    keeps at least one active admin; the platform operator's account is changed only by
    an operator (never by an API key)."""
    user = await user_service.update_user(session, actor, runtime.passwords, user_id, data)
    return schemas.User.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **OPERATOR, 409: problem("Your own account, or the last admin")},
)
async def delete_user(user_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete an account (admin). A linked analyst stays, unlinked."""
    await user_service.delete_user(session, actor, user_id)
