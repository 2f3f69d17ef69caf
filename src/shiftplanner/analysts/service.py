"""Analysts: the people who work shifts, with their skills and preferences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import schemas
from shiftplanner.analysts.repository import AnalystRepository
from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.validators import MAX_ID
from shiftplanner.models import Analyst, Role
from shiftplanner.orgs import service as org_service
from shiftplanner.scheduling.problem import Contract
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams import service as team_service
from shiftplanner.users import service as user_service


async def list_analysts(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    team_id: int | None = None,
    is_active: bool | None = None,
    skill: str | None = None,
) -> tuple[list[Analyst], str | None]:
    repository = AnalystRepository(session)
    query = repository.filtered(actor.org_id, team_id=team_id, is_active=is_active, skill=skill)
    return await repository.page(query, params)


async def get_analyst(session: AsyncSession, actor: Actor, analyst_id: int) -> Analyst:
    analyst = await AnalystRepository(session).get(actor.org_id, analyst_id)
    if analyst is None:
        raise NotFound.resource("Analyst", analyst_id)
    return analyst


async def get_many(session: AsyncSession, actor: Actor, ids: Iterable[int]) -> dict[int, Analyst]:
    return await AnalystRepository(session).get_many(actor.org_id, ids)


async def find_by_user(session: AsyncSession, actor: Actor, user_id: int) -> Analyst | None:
    """The analyst a user signs in as, if any."""
    return await AnalystRepository(session).get_by_user(actor.org_id, user_id)


async def own_analyst(session: AsyncSession, actor: Actor) -> Analyst | None:
    """The analyst the caller signs in as, if any."""
    if actor.user_id is None:
        return None
    return await find_by_user(session, actor, actor.user_id)


async def visible_analyst_ids(session: AsyncSession, actor: Actor) -> list[int] | None:
    """Whose personal records (absences, shift requests) the caller sees: None for
    everyone (managers and admins), otherwise only their own analyst's."""
    if actor.can_manage:
        return None
    own = await own_analyst(session, actor)
    return [own.id] if own else []


def sees(visible: list[int] | None, analyst_id: int) -> bool:
    """Whether `visible` (from `visible_analyst_ids`) takes in the analyst's records."""
    return visible is None or analyst_id in visible


def narrowed(visible: list[int] | None, analyst_id: int | None) -> list[int] | None:
    """The analysts a list filtered by `analyst_id` shows, within `visible`."""
    if analyst_id is None:
        return visible
    return [analyst_id] if sees(visible, analyst_id) else []


async def ensure_not_own_decision(
    session: AsyncSession, actor: Actor, analyst_id: int, what: str
) -> None:
    """The four-eyes rule: nobody approves or rejects a personal record (`what`) of the
    analyst they sign in as, while their organization keeps the rule; an admin may, when
    they are its last active admin (there is nobody else to ask)."""
    own = await own_analyst(session, actor)
    if own is None or own.id != analyst_id:
        return
    organization = await org_service.get_organization(session, actor, actor.org_id)
    if not organization.four_eyes:
        return
    if actor.role is Role.ADMIN and await user_service.count_active_admins(session, actor) <= 1:
        return
    raise Forbidden(
        f"You cannot decide your own {what}: another manager or admin must (four-eyes rule)."
    )


async def subject_of(
    session: AsyncSession, actor: Actor, analyst_id: int | None, refusal: str
) -> int:
    """The analyst a personal record is made for: the one named, or the caller's own.
    Analysts make records for themselves only (`refusal` says so)."""
    own = await own_analyst(session, actor)
    chosen = analyst_id if analyst_id is not None else (own.id if own else None)
    if chosen is None:
        raise InvalidInput(
            "Your account is not linked to an analyst; name the `analyst_id`.",
            pointer="#/analyst_id",
        )
    if not actor.can_manage and (own is None or own.id != chosen):
        raise Forbidden(refusal)
    return chosen


async def _validate(
    session: AsyncSession, actor: Actor, values: dict[str, Any], analyst_id: int | None = None
) -> None:
    repository = AnalystRepository(session)
    if (
        "team_id" in values
        and await team_service.find_team(session, actor, values["team_id"]) is None
    ):
        raise InvalidInput(f"Team {values['team_id']} does not exist.", pointer="#/team_id")
    if "email" in values:
        other = await repository.get_by_email(actor.org_id, values["email"])
        if other is not None and other.id != analyst_id:
            raise Conflict(f"Another analyst already has the email {values['email']}.")
    if values.get("user_id") is not None:
        if await user_service.find_user(session, actor, values["user_id"]) is None:
            raise InvalidInput(f"User {values['user_id']} does not exist.", pointer="#/user_id")
        linked = await repository.get_by_user(actor.org_id, values["user_id"])
        if linked is not None and linked.id != analyst_id:
            raise Conflict(f"User {values['user_id']} is already linked to analyst {linked.id}.")
    preferred = (values.get("preferences") or {}).get("preferred_shift_type_ids", [])
    known = await shift_service.get_many(session, actor, preferred)
    unknown = sorted(set(preferred) - set(known))
    if unknown:
        raise InvalidInput(
            f"Shift types {unknown} do not exist.", pointer="#/preferences/preferred_shift_type_ids"
        )
    if "contract" in values:
        await _validate_contract(session, actor, values["contract"])


async def _validate_contract(session: AsyncSession, actor: Actor, contract: dict[str, Any]) -> None:
    """The shift types a contract limits are the organization's (JSON keys: strings), and
    no least exceeds its most (the organization's most consecutive days included: schedule
    generation caps the contract's by it)."""
    organization = await org_service.get_organization(session, actor, actor.org_id)
    contradictions = Contract.model_validate(contract).contradictions(
        organization.max_consecutive_days
    )
    if contradictions:
        raise InvalidInput(
            contradictions[0][1],
            errors=[
                {"pointer": f"#/contract/{field}", "detail": detail}
                for field, detail in contradictions
            ],
        )
    limited = {int(key) for key in contract["max_shifts_per_type"]}
    known = await shift_service.get_many(
        session, actor, [shift_type_id for shift_type_id in limited if 1 <= shift_type_id <= MAX_ID]
    )
    unknown = sorted(limited - set(known))
    if unknown:
        raise InvalidInput(
            f"Shift types {unknown} do not exist.",
            errors=[
                {
                    "pointer": f"#/contract/max_shifts_per_type/{shift_type_id}",
                    "detail": f"Shift type {shift_type_id} does not exist.",
                }
                for shift_type_id in unknown
            ],
        )


async def create_analyst(
    session: AsyncSession, actor: Actor, data: schemas.AnalystCreate
) -> Analyst:
    values = data.model_dump(mode="json")
    await _validate(session, actor, values)
    analyst = await AnalystRepository(session).add(Analyst(org_id=actor.org_id, **values))
    emit_resource_event(
        session, EventType.ANALYST_CREATED, analyst, schemas.Analyst, actor_user_id=actor.user_id
    )
    return analyst


async def update_analyst(
    session: AsyncSession, actor: Actor, analyst_id: int, data: schemas.AnalystUpdate
) -> Analyst:
    analyst = await get_analyst(session, actor, analyst_id)
    values = data.model_dump(mode="json", exclude_unset=True)
    if data.contract is not None:
        # A new contract replaces the old one whole, stored as the solver's model dumps it.
        values["contract"] = data.contract.model_dump(mode="json")
    await _validate(session, actor, values, analyst.id)
    await update_with_event(
        session,
        analyst,
        values,
        schemas.Analyst,
        EventType.ANALYST_UPDATED,
        actor_user_id=actor.user_id,
    )
    return analyst


async def delete_analyst(session: AsyncSession, actor: Actor, analyst_id: int) -> None:
    repository = AnalystRepository(session)
    analyst = await get_analyst(session, actor, analyst_id)
    if await repository.has_history(analyst.id):
        raise Conflict(
            "The analyst has assignments or absences; deactivate them (`is_active: false`) to keep the history."
        )
    emit_resource_event(
        session, EventType.ANALYST_DELETED, analyst, schemas.Analyst, actor_user_id=actor.user_id
    )
    await repository.delete(analyst)


async def count_active_by_organization(session: AsyncSession) -> dict[int, int]:
    """Active analysts per organization (organizations with none are absent), for the
    domain gauges."""
    return await AnalystRepository(session).count_active_by_org()
