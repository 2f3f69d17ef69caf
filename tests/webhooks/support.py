"""What the webhook tests share: subscribing through the API and running the outbox and
the sender until they are done."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import OutboxEvent, Role, WebhookAttempt, WebhookDelivery
from shiftplanner.runtime import Runtime
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service
from shiftplanner.teams.schemas import TeamUpdate
from shiftplanner.webhooks.sender import WebhookSender
from tests.factories import Tenant
from tests.receivers import Arrival, Received

_names = itertools.count(1)


async def subscribe(
    client: httpx.AsyncClient,
    tenant: Tenant,
    url: str,
    events: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    # A name of its own unless given (never built from `extra`: it may hold the secret).
    name = extra.pop("name", f"hook {next(_names)}")
    response = await client.post(
        "/monitoring/webhooks",
        json={"name": name, "url": url, "events": events or ["*"]} | extra,
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def flush(runtime: Runtime, now: datetime | None = None) -> int:
    """Hand every pending event to the consumers, then send what is due at `now`;
    returns how many attempts were made."""
    while await runtime.dispatcher.dispatch_pending():
        pass
    made = 0
    while attempts := await runtime.webhook_sender.run_once(now):
        made += attempts
    return made


async def deliveries(session: AsyncSession) -> list[WebhookDelivery]:
    session.expire_all()
    return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def attempts(session: AsyncSession) -> list[WebhookAttempt]:
    session.expire_all()
    return list(await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


async def dispatch(runtime: Runtime) -> None:
    """Hand every pending event to the consumers (deliveries are queued, none sent)."""
    while await runtime.dispatcher.dispatch_pending():
        pass


async def send(sender: WebhookSender, now: datetime | None = None) -> int:
    """Run `sender` until nothing more is due at `now`; returns how many attempts."""
    made = 0
    while attempts := await sender.run_once(now):
        made += attempts
    return made


@asynccontextmanager
async def sender_with(runtime: Runtime, **settings: Any) -> AsyncIterator[WebhookSender]:
    """A sender of its own over the test's database, with these settings changed."""
    sender = WebhookSender(runtime.settings.model_copy(update=settings), runtime.session_factory)
    try:
        yield sender
    finally:
        await sender.close()


async def endpoint_of(
    client: httpx.AsyncClient, tenant: Tenant, endpoint_id: int
) -> dict[str, Any]:
    """The endpoint as the API shows it now."""
    response = await client.get(f"/monitoring/webhooks/{endpoint_id}", headers=tenant.admin)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


async def outbox_events(session: AsyncSession, event_type: str) -> list[OutboxEvent]:
    """The events of `event_type` in the outbox, oldest first."""
    query = select(OutboxEvent).where(OutboxEvent.event_type == event_type)
    return list(
        await session.scalars(
            query.order_by(OutboxEvent.id).execution_options(populate_existing=True)
        )
    )


def bodies(requests: Iterable[Received], path: str | None = None) -> list[dict[str, Any]]:
    """The JSON bodies the receiver got (at `path`, if given), in order of arrival."""
    return [json.loads(r.body) for r in requests if path is None or r.path == path]


def metric(name: str, **labels: str) -> float:
    """A sample of the process's Prometheus registry (0 before it was first set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def new_team(client: httpx.AsyncClient, tenant: Tenant, code: str) -> dict[str, Any]:
    """A change through the API: a team named after `code` (a `team.created` event)."""
    response = await client.post(
        "/api/teams",
        json={"name": f"Team {code}", "code": code, "timezone": "UTC"},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    team: dict[str, Any] = response.json()
    return team


async def rename_team(
    session: AsyncSession, tenant: Tenant, numbers: range, *, per_commit: int
) -> None:
    """Real changes through the team service, the team renamed "Burst 0000", "Burst 0001",
    ... (one for each of `numbers`): each writes a `team.updated` event into the outbox,
    `per_commit` of them to a transaction."""
    admin = tenant.users[Role.ADMIN]
    actor = Actor(org_id=admin.org_id, role=Role.ADMIN, user_id=admin.id)
    team_id = tenant.team.id
    for done, n in enumerate(numbers, start=1):
        await team_service.update_team(session, actor, team_id, TeamUpdate(name=f"Burst {n:04}"))
        if done % per_commit == 0:
            await session.commit()
    await session.commit()


def by_path(arrivals: list[Arrival]) -> dict[str, list[Arrival]]:
    """A threaded receiver's requests by path (without the leading slash)."""
    found: dict[str, list[Arrival]] = defaultdict(list)
    for arrival in arrivals:
        found[arrival.path.lstrip("/")].append(arrival)
    return found


def webhook_ids(arrivals: list[Arrival]) -> set[str]:
    """The distinct messages among `arrivals`."""
    return {arrival.headers["webhook-id"] for arrival in arrivals}


def first_arrivals(arrivals: list[Arrival]) -> list[Arrival]:
    """Each message's first arrival, in order of arrival (what a receiver that drops
    duplicates by `webhook-id` takes in)."""
    seen: set[str] = set()
    firsts = []
    for arrival in arrivals:
        if arrival.headers["webhook-id"] not in seen:
            seen.add(arrival.headers["webhook-id"])
            firsts.append(arrival)
    return firsts


def overlapping(arrivals: list[Arrival]) -> list[tuple[Arrival, Arrival]]:
    """Pairs of requests the sender had in flight at once: the later one reached the
    receiver before the earlier one's answer was written."""
    in_order = sorted(arrivals, key=lambda arrival: arrival.started)
    return [
        (before, after)
        for before, after in itertools.pairwise(in_order)
        if before.answered is None or after.started < before.answered
    ]
