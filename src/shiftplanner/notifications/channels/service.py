"""Notification channels: an organization's email lists, Slack and webhook URLs, phone
numbers and in-app audiences, each validated for its type."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import apply_update, emit_resource_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.signing import new_secret
from shiftplanner.kit.time import utcnow
from shiftplanner.models import ChannelType, Notification, NotificationChannel
from shiftplanner.notifications.channels import schemas
from shiftplanner.notifications.channels.repository import ChannelRepository
from shiftplanner.notifications.deliveries.repository import DeliveryRepository
from shiftplanner.notifications.messages import Message, Recipient
from shiftplanner.notifications.senders import Outcome, Outgoing, Senders
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.notifications.senders.http import masked, url_problem
from shiftplanner.security.actor import Actor
from shiftplanner.users import service as user_service


async def get_channel(session: AsyncSession, actor: Actor, channel_id: int) -> NotificationChannel:
    channel = await find_channel(session, actor.org_id, channel_id)
    if channel is None:
        raise NotFound.resource("Notification channel", channel_id)
    return channel


async def find_channel(
    session: AsyncSession, org_id: int, channel_id: int
) -> NotificationChannel | None:
    """The organization's channel with that id, if any (enabled or not)."""
    return await ChannelRepository(session).get(org_id, channel_id)


async def list_channels(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[NotificationChannel], str | None]:
    repository = ChannelRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


async def _validated_config(
    session: AsyncSession,
    actor: Actor,
    channel_type: ChannelType,
    config: dict[str, Any],
    *,
    policy: AddressPolicy,
) -> dict[str, Any]:
    """The config as stored for the type, or 422 naming each bad field."""
    try:
        parsed = schemas.CONFIGS[channel_type].model_validate(config)
    except ValidationError as error:
        raise InvalidInput(
            f"The config does not fit a {channel_type.value} channel.",
            errors=[
                {
                    "pointer": "#/config/" + "/".join(str(part) for part in entry["loc"]),
                    "detail": entry["msg"],
                }
                for entry in error.errors()
            ],
        ) from None
    stored = parsed.model_dump()
    if isinstance(parsed, schemas.UrlConfig):
        problem = await url_problem(parsed.url, policy=policy)
        if problem is not None:
            raise InvalidInput(f"The URL {problem}.", pointer="#/config/url")
    if isinstance(parsed, schemas.InAppConfig):
        users = await user_service.get_many(session, actor, parsed.user_ids)
        for index, user_id in enumerate(parsed.user_ids):
            if user_id not in users:
                raise InvalidInput(
                    f"User {user_id} does not exist.", pointer=f"#/config/userIds/{index}"
                )
        stored["user_ids"] = list(dict.fromkeys(parsed.user_ids))
    if isinstance(parsed, schemas.EmailConfig | schemas.SmsConfig):
        stored["to"] = list(dict.fromkeys(stored["to"]))
    return stored


async def _ensure_name_free(
    repository: ChannelRepository, org_id: int, name: str, channel_id: int | None = None
) -> None:
    existing = await repository.get_by_name(org_id, name)
    if existing is not None and existing.id != channel_id:
        raise Conflict(f"Another notification channel is already named {name!r}.")


async def create_channel(
    session: AsyncSession,
    actor: Actor,
    data: schemas.NotificationChannelCreate,
    *,
    policy: AddressPolicy,
) -> NotificationChannel:
    """A new channel; a webhook channel gets its signing secret (shown this once)."""
    repository = ChannelRepository(session)
    config = await _validated_config(session, actor, data.type, data.config, policy=policy)
    await _ensure_name_free(repository, actor.org_id, data.name)
    channel = await repository.add(
        NotificationChannel(
            org_id=actor.org_id,
            name=data.name,
            type=data.type,
            config=config,
            enabled=data.enabled,
            secret=new_secret() if data.type is ChannelType.WEBHOOK else None,
        )
    )
    emit_resource_event(
        session,
        EventType.NOTIFICATION_CHANNEL_CREATED,
        channel,
        schemas.NotificationChannel,
        actor_user_id=actor.user_id,
    )
    return channel


async def update_channel(
    session: AsyncSession,
    actor: Actor,
    channel_id: int,
    data: schemas.NotificationChannelUpdate,
    *,
    policy: AddressPolicy,
) -> NotificationChannel:
    repository = ChannelRepository(session)
    channel = await get_channel(session, actor, channel_id)
    if data.version is not None and data.version != channel.version:
        raise StaleVersion(
            f"Notification channel {channel.id} is at version {channel.version}, not {data.version}."
        )
    values = data.changes()
    values.pop("version", None)
    if data.name is not None:
        await _ensure_name_free(repository, actor.org_id, data.name, channel.id)
    if data.config is not None:
        values["config"] = await _validated_config(
            session, actor, channel.type, data.config, policy=policy
        )
    config_before = channel.config
    changes = await apply_update(session, channel, values, schemas.NotificationChannel)
    if "config" in values and values["config"] != config_before and "config" not in changes:
        # A new Slack or webhook URL looks the same masked; the change is still recorded.
        changes["config"] = {"old": "(a secret URL)", "new": "(another secret URL)"}
    if changes:
        emit_resource_event(
            session,
            EventType.NOTIFICATION_CHANNEL_UPDATED,
            channel,
            schemas.NotificationChannel,
            actor_user_id=actor.user_id,
            changes=changes,
        )
    return channel


async def rotate_secret(
    session: AsyncSession, actor: Actor, channel_id: int
) -> NotificationChannel:
    """A new signing secret for a webhook channel (the old one stops working now)."""
    channel = await get_channel(session, actor, channel_id)
    if channel.type is not ChannelType.WEBHOOK:
        raise Conflict("Only a webhook channel has a signing secret.")
    channel.secret = new_secret()
    await session.flush()
    emit_resource_event(
        session,
        EventType.NOTIFICATION_CHANNEL_UPDATED,
        channel,
        schemas.NotificationChannel,
        actor_user_id=actor.user_id,
        changes={"secret": {"old": "…", "new": "…"}},
    )
    return channel


async def delete_channel(session: AsyncSession, actor: Actor, channel_id: int) -> None:
    """Delete a channel; what was still waiting to go through it is cancelled."""
    channel = await get_channel(session, actor, channel_id)
    await DeliveryRepository(session).cancel_pending(
        actor.org_id, channel.id, "The channel was deleted."
    )
    emit_resource_event(
        session,
        EventType.NOTIFICATION_CHANNEL_DELETED,
        channel,
        schemas.NotificationChannel,
        actor_user_id=actor.user_id,
    )
    await ChannelRepository(session).delete(channel)


def addresses(channel: NotificationChannel) -> list[Recipient]:
    """The channel's recipients, one per address."""
    config = channel.config
    match channel.type:
        case ChannelType.SLACK | ChannelType.WEBHOOK:
            values = [str(config.get("url", ""))]
        case ChannelType.IN_APP:
            values = [str(user_id) for user_id in config.get("user_ids", [])]
        case _:
            values = [str(address) for address in config.get("to", [])]
    return [
        Recipient(
            channel_type=channel.type,
            address=value,
            user_id=int(value) if channel.type is ChannelType.IN_APP else None,
            channel_id=channel.id,
        )
        for value in values
        if value
    ]


async def recipients_of(
    session: AsyncSession, org_id: int, channel_ids: Sequence[int]
) -> list[Recipient]:
    """The addresses of the organization's enabled channels among `channel_ids` (others skipped)."""
    channels = await ChannelRepository(session).enabled_among(org_id, channel_ids)
    order = {channel_id: index for index, channel_id in reversed(list(enumerate(channel_ids)))}
    channels.sort(key=lambda channel: order.get(channel.id, len(order)))
    return [recipient for channel in channels for recipient in addresses(channel)]


def _shown(recipient: Recipient) -> str:
    if recipient.channel_type in (ChannelType.SLACK, ChannelType.WEBHOOK):
        return masked(recipient.address)
    return recipient.address


async def test_channel(
    session: AsyncSession, actor: Actor, channel_id: int, senders: Senders
) -> schemas.ChannelTestResult:
    """Send a test message through the channel now (not queued) and say how it went;
    in-app recipients find it in their feed."""
    channel = await get_channel(session, actor, channel_id)
    public_url = senders.settings.public_url.rstrip("/")
    message = Message(
        kind="channel.test",
        subject=f"ShiftPlanner test notification ({channel.name})",
        text=f"This is a test of the notification channel “{channel.name}”. "
        "If you can read it, the channel works.",
        link=f"{public_url}/operations#ops-alerts",
        data={"channel_id": channel.id, "channel": channel.name},
    )
    recipients = addresses(channel)
    test_id = secrets.token_hex(8)
    message_ids = {r.key: f"msg_test_{test_id}_{index}" for index, r in enumerate(recipients)}

    async def send(recipient: Recipient) -> Outcome:
        if recipient.channel_type is ChannelType.IN_APP:
            return await _write_feed_test(session, actor, recipient, message)
        outgoing = Outgoing(
            address=recipient.address,
            message=message,
            message_id=message_ids[recipient.key],
            secret=channel.secret,
        )
        return await senders.send(recipient.channel_type, outgoing)

    feed = [r for r in recipients if r.channel_type is ChannelType.IN_APP]
    others = [r for r in recipients if r.channel_type is not ChannelType.IN_APP]
    # The feed entries share the request's session, so one after another.
    outcomes = {r.key: await send(r) for r in feed}
    for recipient, outcome in zip(
        others, await asyncio.gather(*(send(r) for r in others)), strict=True
    ):
        outcomes[recipient.key] = outcome
    results = [
        schemas.RecipientOutcome(
            recipient=_shown(r),
            ok=outcomes[r.key].ok,
            status=outcomes[r.key].status,
            error=outcomes[r.key].error,
        )
        for r in recipients
    ]
    return schemas.ChannelTestResult(
        ok=all(r.ok for r in results) and bool(results), results=results
    )


async def _write_feed_test(
    session: AsyncSession, actor: Actor, recipient: Recipient, message: Message
) -> Outcome:
    users = await user_service.get_many(session, actor, [int(recipient.address)])
    user = users.get(int(recipient.address))
    if user is None or not user.is_active:
        return Outcome.failed(f"User {recipient.address} is no longer an active user.")
    session.add(
        Notification(
            org_id=actor.org_id,
            user_id=user.id,
            kind=message.kind,
            title=message.subject,
            body=message.text,
            link=message.link,
            data=dict(message.data),
            created_at=utcnow(),
        )
    )
    await session.flush()
    return Outcome(ok=True)
