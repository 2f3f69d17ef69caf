from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import Id
from shiftplanner.models import DeliveryStatus
from shiftplanner.notifications.deliveries import schemas
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.security.dependencies import ManagerActor

router = APIRouter(prefix="/monitoring/notification-deliveries", tags=["alerting"])


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_deliveries(
    session: SessionDep,
    actor: ManagerActor,
    page: PageParamsDep,
    alert_id: Annotated[Id | None, Query(description="Only those about this alert.")] = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only those in this state.")] = None,
) -> Page[schemas.NotificationDelivery]:
    """Every notification your organization sent or is sending, newest first (admin or
    manager): to whom, over which channel, how many attempts, the receiver's last answer
    or error, and any fallback it was handed to."""
    return Page[schemas.NotificationDelivery].build(
        *await delivery_service.list_deliveries(
            session, actor, page, alert_id=alert_id, status=status
        )
    )
