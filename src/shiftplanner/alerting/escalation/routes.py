from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.alerting.escalation import schemas
from shiftplanner.alerting.escalation import service as escalation_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.security.dependencies import AdminActor, ManagerActor

router = APIRouter(prefix="/monitoring/escalation-policies", tags=["alerting"])
alerts_router = APIRouter(prefix="/monitoring/alerts", tags=["alerting"])

NOT_FOUND = problems({404: "No such escalation policy in your organization"})
INVALID = {
    409: "Another policy has this name",
    422: "A step names a user, channel, team or shift type your organization does not have "
    "(the `pointer` says which), no steps, a negative wait or `repeat` outside 0..10",
}


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_policies(
    session: SessionDep, actor: ManagerActor, page: PageParamsDep
) -> Page[schemas.EscalationPolicy]:
    """Your organization's escalation policies (managers and admins)."""
    return Page[schemas.EscalationPolicy].build(
        *await escalation_service.list_policies(session, actor, page)
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(INVALID))
async def create_policy(
    data: schemas.EscalationPolicyCreate, session: SessionDep, actor: AdminActor
) -> schemas.EscalationPolicy:
    """Add an escalation policy (admin): ordered steps, each "wait `waitMinutes`, then
    notify `target`" — a user (`{"type": "user", "userId"}`), a channel (`{"type":
    "channel", "channelId"}`), every active user of a role (`{"type": "role", "role"}`) or
    the analysts of a team on shift at that moment (`{"type": "on_shift", "teamId",
    "shiftTypeId"?, "screenersOnly"?}`), reached `via` in-app and email unless told
    (`sms` only when asked). A step with nobody to notify is skipped at once and recorded
    in the alert's history. The steps run again `repeat` more times until someone
    acknowledges; `reminderMinutes` reminds whoever acknowledged, and
    `unacknowledgeAfterMinutes` lets an acknowledgement lapse while the alert still fires."""
    return schemas.EscalationPolicy.model_validate(
        await escalation_service.create_policy(session, actor, data)
    )


@router.get("/{policy_id}", responses=NOT_FOUND)
async def get_policy(
    policy_id: IdPath, session: SessionDep, actor: ManagerActor
) -> schemas.EscalationPolicy:
    """One escalation policy (managers and admins)."""
    return schemas.EscalationPolicy.model_validate(
        await escalation_service.get_policy(session, actor, policy_id)
    )


@router.patch(
    "/{policy_id}",
    responses=problems(
        {404: "No such escalation policy in your organization", **INVALID}
        | {409: "Another policy has this name, or `version` is stale"}
    ),
)
async def update_policy(
    policy_id: IdPath,
    data: schemas.EscalationPolicyUpdate,
    session: SessionDep,
    actor: AdminActor,
) -> schemas.EscalationPolicy:
    """Change an escalation policy (admin); `steps`, when sent, replace the steps whole.
    Send the `version` you read to refuse (409) a change made since. Alerts already
    escalating follow the changed steps from where they are."""
    return schemas.EscalationPolicy.model_validate(
        await escalation_service.update_policy(session, actor, policy_id, data)
    )


@router.delete("/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_policy(policy_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete an escalation policy (admin), even one that rules use: those rules are left
    without a policy (it is not refused, so a policy can always be retired), and their
    alerts that are escalating stop escalating. Their channels still hear of them."""
    await escalation_service.delete_policy(session, actor, policy_id)


@alerts_router.post(
    "/{alert_id}/escalate",
    responses=problems(
        {
            404: "No such alert in your organization",
            409: "The alert is not firing, or has no escalation policy",
        }
    ),
)
async def escalate_alert(
    alert_id: IdPath, session: SessionDep, actor: ManagerActor, runtime: RuntimeDep
) -> schemas.EscalationResult:
    """Run the alert's next escalation step now, without waiting (managers and admins);
    steps with nobody to notify are skipped on to the next, each recorded in the alert's
    history with your name. After the last step it starts another round. Escalation then
    goes on from there unless the alert is acknowledged."""
    alert, outcome = await escalation_service.escalate(
        session, actor, alert_id, now=utcnow(), public_url=runtime.settings.public_url
    )
    return schemas.EscalationResult(
        alert_id=alert.id,
        step=outcome.step,
        round=outcome.round,
        notified=outcome.notified,
        message=outcome.message,
        next_step=alert.escalation_step if alert.next_escalation_at is not None else None,
        next_escalation_at=alert.next_escalation_at,
    )
