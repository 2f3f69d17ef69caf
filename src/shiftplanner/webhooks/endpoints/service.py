"""Webhook endpoints (subscriptions): where an organization's events go, which ones, and
the secret they are signed with. URLs follow the notification senders' address rule
(https; no credentials; nothing outside the public internet unless the operator allows
its network), checked when saved and again at every send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import apply_update, emit_resource_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.signing import new_secret, secret_problem
from shiftplanner.kit.time import utcnow
from shiftplanner.models import WebhookEndpoint
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.notifications.senders.http import url_problem
from shiftplanner.security.actor import Actor
from shiftplanner.webhooks.deliveries import service as delivery_service
from shiftplanner.webhooks.endpoints import schemas
from shiftplanner.webhooks.endpoints.repository import EndpointRepository
from shiftplanner.webhooks.event_types.service import matches, pattern_problem


async def get_endpoint(session: AsyncSession, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await EndpointRepository(session).get(actor.org_id, endpoint_id)
    if endpoint is None:
        raise NotFound.resource("Webhook", endpoint_id)
    return endpoint


async def list_endpoints(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[WebhookEndpoint], str | None]:
    repository = EndpointRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


# Where a session keeps the enabled endpoints it read, by organization.
ENABLED_IN_SESSION = "webhooks.enabled_endpoints"


async def subscribers(session: AsyncSession, org_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The organization's enabled endpoints that subscribed to `event_type`, read once
    a session: the outbox hands the consumer a batch of events in one session (and one
    transaction), and every event of the batch sees the same endpoints."""
    cached: dict[int, list[WebhookEndpoint]] = session.info.setdefault(ENABLED_IN_SESSION, {})
    if org_id not in cached:
        cached[org_id] = await EndpointRepository(session).enabled(org_id)
    return [endpoint for endpoint in cached[org_id] if matches(endpoint.events, event_type)]


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets an attempt is signed with: the current one, and the one before the
    last rotation while its grace period lasts."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


async def _check(
    data: schemas.EndpointCreate | schemas.EndpointUpdate, *, policy: AddressPolicy
) -> None:
    """422 naming every field that cannot be accepted."""
    errors: list[dict[str, str]] = []
    if data.url is not None:
        problem = await url_problem(data.url, policy=policy)
        if problem is not None:
            errors.append({"pointer": "#/url", "detail": f"The URL {problem}."})
    for index, pattern in enumerate(data.events or []):
        problem = pattern_problem(pattern)
        if problem is not None:
            errors.append({"pointer": f"#/events/{index}", "detail": problem})
    secret = getattr(data, "secret", None)
    if secret is not None:
        problem = secret_problem(secret)
        if problem is not None:
            errors.append({"pointer": "#/secret", "detail": f"The secret {problem}."})
    if errors:
        raise InvalidInput("The webhook cannot be saved as it is.", errors=errors)


async def _ensure_name_free(
    repository: EndpointRepository, org_id: int, name: str, own_id: int | None = None
) -> None:
    existing = await repository.get_by_name(org_id, name)
    if existing is not None and existing.id != own_id:
        raise Conflict(f"A webhook named {name!r} exists already.")


def _unique(patterns: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(patterns))


async def create_endpoint(
    session: AsyncSession, actor: Actor, data: schemas.EndpointCreate, *, policy: AddressPolicy
) -> WebhookEndpoint:
    await _check(data, policy=policy)
    repository = EndpointRepository(session)
    await _ensure_name_free(repository, actor.org_id, data.name)
    endpoint = await repository.add(
        WebhookEndpoint(
            org_id=actor.org_id,
            name=data.name,
            url=data.url,
            description=data.description,
            events=_unique(data.events),
            secret=data.secret or new_secret(),
            enabled=data.enabled,
            ordered=data.ordered,
            batch=data.batch,
            created_by_user_id=actor.user_id,
        )
    )
    emit_resource_event(
        session, EventType.WEBHOOK_CREATED, endpoint, schemas.Endpoint, actor_user_id=actor.user_id
    )
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: int,
    data: schemas.EndpointUpdate,
    *,
    policy: AddressPolicy,
) -> WebhookEndpoint:
    """Change an endpoint. Disabling it fails what it still had pending (a replay sends
    them later); enabling it again clears what the service said when it disabled it."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    if data.version is not None and data.version != endpoint.version:
        raise StaleVersion(
            f"Webhook {endpoint.id} is at version {endpoint.version}, not {data.version}."
        )
    await _check(data, policy=policy)
    values = data.changes()
    values.pop("version", None)
    if data.name is not None:
        await _ensure_name_free(EndpointRepository(session), actor.org_id, data.name, endpoint.id)
    if data.events is not None:
        values["events"] = _unique(data.events)
    if data.enabled is True and not endpoint.enabled:
        values.update(disabled_reason=None, disabled_at=None, failing_since=None)
    changes = await apply_update(session, endpoint, values, schemas.Endpoint)
    if data.enabled is False and "enabled" in changes:
        await delivery_service.fail_pending(session, endpoint, "The webhook was disabled.")
    if changes:
        emit_resource_event(
            session,
            EventType.WEBHOOK_UPDATED,
            endpoint,
            schemas.Endpoint,
            actor_user_id=actor.user_id,
            changes=changes,
        )
    return endpoint


async def rotate_secret(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: int,
    *,
    grace_hours: float | None,
    default_grace_hours: float,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """A new signing secret. The old one keeps signing too for `grace_hours` (the
    server's default when None), so receivers can switch without refusing a message; a
    rotation during the grace period of the last one ends that one (two secrets at most)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    now = now or utcnow()
    grace = timedelta(hours=default_grace_hours if grace_hours is None else grace_hours)
    endpoint.previous_secret = endpoint.secret if grace > timedelta(0) else None
    endpoint.previous_secret_expires_at = now + grace if grace > timedelta(0) else None
    endpoint.secret = new_secret()
    await session.flush()
    emit_resource_event(
        session,
        EventType.WEBHOOK_SECRET_ROTATED,
        endpoint,
        schemas.Endpoint,
        actor_user_id=actor.user_id,
    )
    return endpoint


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: int) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    emit_resource_event(
        session, EventType.WEBHOOK_DELETED, endpoint, schemas.Endpoint, actor_user_id=actor.user_id
    )
    await EndpointRepository(session).delete(endpoint)
