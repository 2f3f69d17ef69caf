from __future__ import annotations

from fastapi import APIRouter

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.monitoring.errors import schemas
from shiftplanner.monitoring.errors import service as error_service
from shiftplanner.security.dependencies import OperatorActor

router = APIRouter(prefix="/monitoring/errors", tags=["operations"])


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_errors(
    session: SessionDep, actor: OperatorActor, page: PageParamsDep
) -> Page[schemas.ErrorGroup]:
    """Unhandled exceptions of every process, grouped by type and the function they
    escaped from, most recently seen first (the platform operator or a `monitoring`
    key): how often, since when, and the latest occurrence's request id, route and
    user. Clients that met one got a 500 problem document with that request id."""
    return Page[schemas.ErrorGroup].build(*await error_service.list_groups(session, page))


@router.get("/{error_id}", responses=problems({404: "No such error group"}))
async def get_error(
    error_id: IdPath, session: SessionDep, actor: OperatorActor
) -> schemas.ErrorGroupDetail:
    """One error group with the latest occurrence's traceback (bounded, without local
    variables)."""
    return schemas.ErrorGroupDetail.model_validate(await error_service.get_group(session, error_id))
