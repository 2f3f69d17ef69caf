"""Escalation policies: written by admins, read by managers, taken by alert rules; and the
manual escalation of an alert. Every reference a policy makes (users, channels, teams,
shift types) must be the organization's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation import engine, schemas
from shiftplanner.alerting.escalation.repository import EscalatingAlertRepository, PolicyRepository
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Alert, EscalationPolicy, Role
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams import service as team_service
from shiftplanner.users import service as user_service


async def list_policies(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[EscalationPolicy], str | None]:
    repository = PolicyRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


async def get_policy(session: AsyncSession, actor: Actor, policy_id: int) -> EscalationPolicy:
    policy = await find_policy(session, actor.org_id, policy_id)
    if policy is None:
        raise NotFound.resource("Escalation policy", policy_id)
    return policy


async def find_policy(
    session: AsyncSession, org_id: int, policy_id: int
) -> EscalationPolicy | None:
    """The organization's policy with that id, if any (rules check the id they are given;
    acknowledging an alert reads its reminder and lapse)."""
    return await PolicyRepository(session).get(org_id, policy_id)


async def _check_step(
    session: AsyncSession, actor: Actor, step: schemas.Step, pointer: str
) -> None:
    target = step.target
    if isinstance(target, schemas.UserTarget):
        if await user_service.find_user(session, actor, target.user_id) is None:
            raise InvalidInput(
                f"User {target.user_id} does not exist.", pointer=f"{pointer}/userId"
            )
    elif isinstance(target, schemas.ChannelTarget):
        if await channel_service.find_channel(session, actor.org_id, target.channel_id) is None:
            raise InvalidInput(
                f"Notification channel {target.channel_id} does not exist.",
                pointer=f"{pointer}/channelId",
            )
    elif isinstance(target, schemas.OnShiftTarget):
        team = await team_service.find_team(session, actor, target.team_id)
        if team is None:
            raise InvalidInput(
                f"Team {target.team_id} does not exist.", pointer=f"{pointer}/teamId"
            )
        if target.shift_type_id is not None:
            found = await shift_service.get_many(session, actor, [target.shift_type_id])
            shift_type = found.get(target.shift_type_id)
            if shift_type is None or shift_type.team_id != target.team_id:
                raise InvalidInput(
                    f"Shift type {target.shift_type_id} is not one of team {target.team_id}'s.",
                    pointer=f"{pointer}/shiftTypeId",
                )


async def _validate(
    session: AsyncSession,
    actor: Actor,
    *,
    steps: list[schemas.Step] | None,
    fallback_channel_id: int | None,
) -> None:
    for index, step in enumerate(steps or []):
        await _check_step(session, actor, step, f"#/steps/{index}/target")
    if (
        fallback_channel_id is not None
        and await channel_service.find_channel(session, actor.org_id, fallback_channel_id) is None
    ):
        raise InvalidInput(
            f"Notification channel {fallback_channel_id} does not exist.",
            pointer="#/fallbackChannelId",
        )


async def _ensure_name_free(
    session: AsyncSession, actor: Actor, name: str, policy_id: int | None = None
) -> None:
    other = await PolicyRepository(session).get_by_name(actor.org_id, name)
    if other is not None and other.id != policy_id:
        raise Conflict(f"Another escalation policy is already named {name!r}.")


def _stored_steps(steps: list[schemas.Step]) -> list[dict[str, Any]]:
    return [step.model_dump(mode="json") for step in steps]


async def create_policy(
    session: AsyncSession, actor: Actor, data: schemas.EscalationPolicyCreate
) -> EscalationPolicy:
    await _validate(session, actor, steps=data.steps, fallback_channel_id=data.fallback_channel_id)
    await _ensure_name_free(session, actor, data.name)
    values = data.model_dump(mode="json")
    policy = await PolicyRepository(session).add(EscalationPolicy(org_id=actor.org_id, **values))
    emit_resource_event(
        session,
        EventType.ESCALATION_POLICY_CREATED,
        policy,
        schemas.EscalationPolicy,
        actor_user_id=actor.user_id,
    )
    return policy


# What the default alert rules escalate by until someone writes a policy of their own.
DEFAULT_POLICY = schemas.EscalationPolicyCreate(
    name="Tell the admins",
    description="The default rules' policy: every admin of the organization in-app. Add email, "
    "SMS or the analysts on shift, or give the rules a policy of your own.",
    steps=[
        schemas.Step(
            wait_minutes=0,
            target=schemas.RoleTarget(type="role", role=Role.ADMIN),
            via=[schemas.Via.IN_APP],
        )
    ],
)


async def default_policy(session: AsyncSession, org_id: int) -> EscalationPolicy:
    """The organization's policy named as the default one, created if it has none."""
    existing = await PolicyRepository(session).get_by_name(org_id, DEFAULT_POLICY.name)
    if existing is not None:
        return existing
    return await create_policy(session, Actor.system(org_id), DEFAULT_POLICY)


async def update_policy(
    session: AsyncSession, actor: Actor, policy_id: int, data: schemas.EscalationPolicyUpdate
) -> EscalationPolicy:
    policy = await get_policy(session, actor, policy_id)
    values = data.changes()
    expected = values.pop("version", None)
    if expected is not None and expected != policy.version:
        raise StaleVersion(
            f"Escalation policy {policy.id} is at version {policy.version}, not {expected}."
        )
    await _validate(
        session, actor, steps=data.steps, fallback_channel_id=values.get("fallback_channel_id")
    )
    if "name" in values:
        await _ensure_name_free(session, actor, values["name"], policy.id)
    if data.steps is not None:
        values["steps"] = _stored_steps(data.steps)
    await update_with_event(
        session,
        policy,
        values,
        schemas.EscalationPolicy,
        EventType.ESCALATION_POLICY_UPDATED,
        actor_user_id=actor.user_id,
    )
    return policy


async def delete_policy(session: AsyncSession, actor: Actor, policy_id: int) -> None:
    """Rules and alerts that took the policy are left without one (their reference is
    set to null): their alerts stop escalating."""
    policy = await get_policy(session, actor, policy_id)
    emit_resource_event(
        session,
        EventType.ESCALATION_POLICY_DELETED,
        policy,
        schemas.EscalationPolicy,
        actor_user_id=actor.user_id,
    )
    await PolicyRepository(session).delete(policy)


async def escalate(
    session: AsyncSession, actor: Actor, alert_id: int, *, now: datetime, public_url: str
) -> tuple[Alert, engine.StepOutcome]:
    """Run the next step of the caller's organization's alert at once (`engine.escalate_now`)."""
    repository = EscalatingAlertRepository(session)
    if await repository.get(actor.org_id, alert_id) is None:
        raise NotFound.resource("Alert", alert_id)
    # The escalation timer may be running the same alert: one after the other.
    await lock_rows(session, Alert.id, [alert_id])
    [alert] = await repository.load([alert_id])
    outcome = await engine.escalate_now(
        session, alert, now=now, actor_user_id=actor.user_id, public_url=public_url
    )
    return alert, outcome
