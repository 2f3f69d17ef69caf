from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.security.api_keys import schemas
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.dependencies import AdminActor, SignedInAdmin

router = APIRouter(prefix="/api/api-keys", tags=["api keys"])

NOT_FOUND = problems({404: "No such key in your organization"})


@router.get("")
async def list_api_keys(
    session: SessionDep, actor: AdminActor, page: PageParamsDep
) -> Page[schemas.ApiKey]:
    """Your organization's API keys, without their secrets (admin)."""
    return Page[schemas.ApiKey].build(*await api_key_service.list_api_keys(session, actor, page))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems({403: "Not an admin, or an API key (keys cannot create keys)"}),
)
async def create_api_key(
    data: schemas.ApiKeyCreate, session: SessionDep, actor: SignedInAdmin
) -> schemas.ApiKeyCreated:
    """Create a key for a machine client (an admin, signed in). The answer holds the key
    itself, once: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`. The key
    works only while you remain an active admin: disabling, demoting or deleting your
    account revokes the keys you created."""
    key, secret = await api_key_service.create_api_key(session, actor, data)
    return schemas.ApiKeyCreated(key=secret, api_key=schemas.ApiKey.model_validate(key))


@router.get("/{api_key_id}", responses=NOT_FOUND)
async def get_api_key(api_key_id: IdPath, session: SessionDep, actor: AdminActor) -> schemas.ApiKey:
    """One key (admin)."""
    return schemas.ApiKey.model_validate(
        await api_key_service.get_api_key(session, actor, api_key_id)
    )


@router.delete("/{api_key_id}", responses={**NOT_FOUND, **problems({409: "Already revoked"})})
async def revoke_api_key(
    api_key_id: IdPath, session: SessionDep, actor: AdminActor
) -> schemas.ApiKey:
    """Revoke a key (admin): it stops working at once; its record stays for the audit trail."""
    return schemas.ApiKey.model_validate(
        await api_key_service.revoke_api_key(session, actor, api_key_id)
    )
