"""Who a step notifies, found when the step runs: a user, every active user of a role, a
channel's addresses, or the analysts on shift at that moment. Domain facts come only
through the domains' services; an empty answer says why, so the skipped step's history
entry can tell people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation.schemas import (
    ChannelTarget,
    OnShiftTarget,
    RoleTarget,
    Step,
    UserTarget,
    Via,
)
from shiftplanner.analysts import service as analyst_service
from shiftplanner.errors import InvalidInput, NotFound
from shiftplanner.models import ChannelType, User
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.messages import Recipient
from shiftplanner.schedules import service as schedule_service
from shiftplanner.security.actor import Actor
from shiftplanner.users import service as user_service


@dataclass(frozen=True)
class Resolved:
    """The addresses a step reaches, with a line for the history: who they are, or why
    there is nobody."""

    recipients: list[Recipient]
    description: str
    people: list[str] = field(default_factory=list)


def _person(
    ways: Sequence[Via], *, user_id: int | None, email: str | None, phone: str | None
) -> list[Recipient]:
    found = []
    if Via.IN_APP in ways and user_id is not None:
        found.append(Recipient(ChannelType.IN_APP, str(user_id), user_id=user_id))
    if Via.EMAIL in ways and email:
        found.append(Recipient(ChannelType.EMAIL, email, user_id=user_id))
    if Via.SMS in ways and phone:
        found.append(Recipient(ChannelType.SMS, phone, user_id=user_id))
    return found


async def _users(
    session: AsyncSession, actor: Actor, users: Sequence[User], ways: Sequence[Via]
) -> list[Recipient]:
    found = []
    for user in users:
        # A user has no phone of their own; the analyst they sign in as may.
        analyst = (
            await analyst_service.find_by_user(session, actor, user.id) if Via.SMS in ways else None
        )
        found += _person(
            ways, user_id=user.id, email=user.email, phone=analyst.phone if analyst else None
        )
    return found


def _nobody(description: str, reason: str) -> Resolved:
    return Resolved([], f"{description}: {reason}")


def _reached(
    recipients: list[Recipient], description: str, people: list[str], ways: Sequence[Via]
) -> Resolved:
    if recipients:
        return Resolved(recipients, description, people)
    shown = ", ".join(way.value for way in ways)
    return _nobody(description, f"nobody of them can be reached by {shown}")


async def resolve(session: AsyncSession, org_id: int, step: Step, *, now: datetime) -> Resolved:
    """The recipients of `step` at `now` (empty when there is nobody to notify)."""
    actor = Actor.system(org_id)
    target = step.target
    ways = step.ways
    if isinstance(target, UserTarget):
        user = await user_service.find_user(session, actor, target.user_id)
        description = f"user {target.user_id}"
        if user is None or not user.is_active:
            return _nobody(description, "no such active user")
        people = [user.full_name or user.email]
        return _reached(await _users(session, actor, [user], ways), description, people, ways)
    if isinstance(target, RoleTarget):
        users = await user_service.active_with_role(session, actor, target.role)
        description = f"every {target.role.value}"
        if not users:
            return _nobody(description, f"no active user has the role {target.role.value}")
        people = [user.full_name or user.email for user in users]
        return _reached(await _users(session, actor, users, ways), description, people, ways)
    if isinstance(target, ChannelTarget):
        recipients = await channel_service.recipients_of(session, org_id, [target.channel_id])
        description = f"channel {target.channel_id}"
        if not recipients:
            return _nobody(description, "the channel is disabled, deleted or has no address")
        return Resolved(recipients, description, [description])
    return await _on_shift(session, actor, target, ways, now=now)


async def _on_shift(
    session: AsyncSession,
    actor: Actor,
    target: OnShiftTarget,
    ways: Sequence[Via],
    *,
    now: datetime,
) -> Resolved:
    description = f"on shift in team {target.team_id}" + (
        f", shift type {target.shift_type_id}" if target.shift_type_id is not None else ""
    )
    if target.screeners_only:
        description += ", screeners only"
    try:
        working = await schedule_service.on_shift(
            session,
            actor,
            team_id=target.team_id,
            at=now,
            shift_type_id=target.shift_type_id,
            screeners_only=target.screeners_only,
        )
    except (NotFound, InvalidInput) as error:
        # The team or shift type went after the policy was written.
        return _nobody(description, error.detail)
    if not working:
        return _nobody(description, "nobody is on shift (or everyone on shift is absent)")
    recipients = [
        recipient
        for analyst in working
        for recipient in _person(
            ways, user_id=analyst.user_id, email=analyst.email, phone=analyst.phone
        )
    ]
    people = [f"{analyst.name} ({analyst.shift_type_name})" for analyst in working]
    return _reached(recipients, description, people, ways)
