from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import WebhookEndpoint
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.security.dependencies import AdminActor
from shiftplanner.webhooks.endpoints import service as endpoint_service
from shiftplanner.webhooks.sender import WebhookSender


async def get_sender(runtime: RuntimeDep) -> WebhookSender:
    return runtime.webhook_sender


async def get_address_policy(runtime: RuntimeDep) -> AddressPolicy:
    """Where webhook URLs may point: the sender's own rule, so that a URL accepted when
    saved is one it would send to."""
    return runtime.webhook_sender.http.policy


async def get_endpoint_from_path(
    endpoint_id: IdPath, session: SessionDep, actor: AdminActor
) -> WebhookEndpoint:
    """The caller's organization's webhook named in the path, or 404."""
    return await endpoint_service.get_endpoint(session, actor, endpoint_id)


SenderDep = Annotated[WebhookSender, Depends(get_sender)]
AddressPolicyDep = Annotated[AddressPolicy, Depends(get_address_policy)]
EndpointFromPath = Annotated[WebhookEndpoint, Depends(get_endpoint_from_path)]
