from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.notifications.channels import schemas
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.channels.dependencies import AddressPolicyDep, SendersDep
from shiftplanner.security.dependencies import AdminActor

router = APIRouter(prefix="/monitoring/notification-channels", tags=["alerting"])

NOT_FOUND = {404: "No such channel in your organization"}


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_channels(
    session: SessionDep, actor: AdminActor, page: PageParamsDep
) -> Page[schemas.NotificationChannel]:
    """Your organization's notification channels (admin). Slack and webhook URLs are
    shown masked."""
    return Page[schemas.NotificationChannel].build(
        *await channel_service.list_channels(session, actor, page)
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems({409: "Name taken", 422: "A config that does not fit the type"}),
)
async def create_channel(
    data: schemas.NotificationChannelCreate,
    session: SessionDep,
    actor: AdminActor,
    policy: AddressPolicyDep,
) -> schemas.NotificationChannelCreated:
    """Add a channel (admin): email addresses, a Slack incoming webhook, a generic
    webhook, phone numbers for SMS, or users' in-app feeds. A webhook channel's signing
    secret is in this response and never again."""
    return schemas.NotificationChannelCreated.model_validate(
        await channel_service.create_channel(session, actor, data, policy=policy)
    )


@router.get("/{channel_id}", responses=problems(NOT_FOUND))
async def get_channel(
    channel_id: IdPath, session: SessionDep, actor: AdminActor
) -> schemas.NotificationChannel:
    """One channel (admin)."""
    return schemas.NotificationChannel.model_validate(
        await channel_service.get_channel(session, actor, channel_id)
    )


@router.patch(
    "/{channel_id}",
    responses=problems({**NOT_FOUND, 409: "Name taken, or a stale version", 422: "A bad config"}),
)
async def update_channel(
    channel_id: IdPath,
    data: schemas.NotificationChannelUpdate,
    session: SessionDep,
    actor: AdminActor,
    policy: AddressPolicyDep,
) -> schemas.NotificationChannel:
    """Rename, reconfigure, enable or disable a channel (admin). What is still queued for
    a disabled channel is cancelled when its turn comes."""
    return schemas.NotificationChannel.model_validate(
        await channel_service.update_channel(session, actor, channel_id, data, policy=policy)
    )


@router.delete(
    "/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(NOT_FOUND)
)
async def delete_channel(channel_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete a channel (admin); its queued deliveries are cancelled, rules and policies
    that name it skip it."""
    await channel_service.delete_channel(session, actor, channel_id)


@router.post(
    "/{channel_id}/rotate-secret",
    responses=problems({**NOT_FOUND, 409: "Not a webhook channel"}),
)
async def rotate_secret(
    channel_id: IdPath, session: SessionDep, actor: AdminActor
) -> schemas.NotificationChannelCreated:
    """A new signing secret for a webhook channel (admin), shown in this response only;
    the old one stops signing at once."""
    return schemas.NotificationChannelCreated.model_validate(
        await channel_service.rotate_secret(session, actor, channel_id)
    )


@router.post("/{channel_id}/test", responses=problems(NOT_FOUND))
async def test_channel(
    channel_id: IdPath, session: SessionDep, actor: AdminActor, senders: SendersDep
) -> schemas.ChannelTestResult:
    """Send a test message through the channel now, whether or not it is enabled (admin),
    and answer how each recipient's attempt went: `ok`, the receiver's `status` and the
    `error`. Nothing is queued or retried."""
    return await channel_service.test_channel(session, actor, channel_id, senders)
