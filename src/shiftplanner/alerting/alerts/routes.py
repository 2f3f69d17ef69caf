from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.alerting.alerts import schemas
from shiftplanner.alerting.alerts import service as alert_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import AlertSeverity, AlertStatus
from shiftplanner.security.dependencies import ManagerActor, StaffActor

router = APIRouter(prefix="/monitoring/alerts", tags=["alerting"])

NOT_FOUND = {404: "No such alert in your organization"}


@router.get("")
async def list_alerts(
    session: SessionDep,
    actor: StaffActor,
    page: PageParamsDep,
    severity: Annotated[AlertSeverity | None, Query()] = None,
    status: Annotated[AlertStatus | None, Query()] = None,
    resolved: Annotated[
        bool | None,
        Query(description="true: only resolved alerts; false: only open (pending, firing)."),
    ] = None,
) -> Page[schemas.Alert]:
    """Your organization's alerts, newest first (admin, manager, analyst: whoever may be
    paged)."""
    result = await alert_service.list_alerts(
        session, actor, page, severity=severity, status=status, resolved=resolved
    )
    return Page[schemas.Alert].build(*result)


@router.get("/{alert_id}", responses=problems(NOT_FOUND))
async def get_alert(
    alert_id: IdPath, session: SessionDep, actor: StaffActor
) -> schemas.AlertDetail:
    """One alert with the first entries of its history."""
    return await alert_service.detail(session, actor, alert_id)


@router.get("/{alert_id}/history", responses=problems(NOT_FOUND))
async def alert_history(
    alert_id: IdPath, session: SessionDep, actor: StaffActor, page: PageParamsDep
) -> Page[schemas.AlertEvent]:
    """Every state change of the alert, acknowledgement, silence, escalation step and
    notification, oldest first, with who did it (null: the evaluator)."""
    return Page[schemas.AlertEvent].build(
        *await alert_service.history(session, actor, alert_id, page)
    )


@router.post(
    "/{alert_id}/acknowledge",
    responses=problems({**NOT_FOUND, 409: "Not firing, or acknowledged already"}),
)
async def acknowledge_alert(
    alert_id: IdPath, session: SessionDep, actor: StaffActor
) -> schemas.Alert:
    """Take the alert: its escalation stops (admin, manager, analyst)."""
    return schemas.Alert.model_validate(
        await alert_service.acknowledge(session, actor, alert_id, now=utcnow())
    )


@router.post("/{alert_id}/resolve", responses=problems({**NOT_FOUND, 409: "Not firing"}))
async def resolve_alert(
    alert_id: IdPath, session: SessionDep, actor: ManagerActor, runtime: RuntimeDep
) -> schemas.ResolvedAlert:
    """Resolve a firing alert by hand (admin, manager). If its condition still held at
    the last evaluation, the next evaluation checks again and reopens it if it still
    holds; `message` says which."""
    return await alert_service.resolve(
        session, actor, alert_id, now=utcnow(), public_url=runtime.settings.public_url
    )


@router.post("/{alert_id}/silence", responses=problems({**NOT_FOUND, 409: "Not open"}))
async def silence_alert(
    alert_id: IdPath, data: schemas.SilenceInput, session: SessionDep, actor: ManagerActor
) -> schemas.Alert:
    """No notices about an open alert for `minutes`, or until it resolves
    (`untilResolved: true`, which also stops its escalation) (admin, manager)."""
    return schemas.Alert.model_validate(
        await alert_service.silence(session, actor, alert_id, data, now=utcnow())
    )
