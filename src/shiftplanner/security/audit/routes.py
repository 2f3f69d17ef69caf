from __future__ import annotations

from fastapi import APIRouter

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.security.audit import schemas
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.audit.dependencies import AuditQueryDep
from shiftplanner.security.dependencies import AdminActor

router = APIRouter(prefix="/monitoring/security", tags=["security"])


@router.get(
    "/audit-logs", responses=problems({422: "A date that is not one, or an inverted range"})
)
async def list_audit_logs(
    session: SessionDep, actor: AdminActor, page: PageParamsDep, query: AuditQueryDep
) -> Page[schemas.AuditEntry]:
    """Your organization's audit trail, newest first (admin): every change with its old
    and new values, every sign-in and failed sign-in, lockouts, refused writes, token
    reuse and API key use, each with who, from where and the request id. Filter by
    `start_date`, `end_date` (dates mean whole days), `user_id`, `action`,
    `resource_type`."""
    result = await audit_service.list_entries(
        session,
        actor,
        page,
        since=query.since,
        until=query.until,
        user_id=query.user_id,
        action=query.action,
        resource_type=query.resource_type,
    )
    return Page[schemas.AuditEntry].build(*result)
