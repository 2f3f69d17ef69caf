from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import WebhookDeliveryStatus
from shiftplanner.security.dependencies import AdminActor
from shiftplanner.webhooks.deliveries import schemas as delivery_schemas
from shiftplanner.webhooks.deliveries import service as delivery_service
from shiftplanner.webhooks.dependencies import AddressPolicyDep, EndpointFromPath, SenderDep
from shiftplanner.webhooks.endpoints import schemas
from shiftplanner.webhooks.endpoints import service as endpoint_service

router = APIRouter(prefix="/monitoring/webhooks", tags=["webhooks"])

NOT_FOUND = {404: "No such webhook in your organization"}


@router.get("", responses=problems({422: "A cursor this list did not hand out"}))
async def list_webhooks(
    session: SessionDep, actor: AdminActor, page: PageParamsDep
) -> Page[schemas.Endpoint]:
    """Your organization's webhook endpoints (admin)."""
    return Page[schemas.Endpoint].build(
        *await endpoint_service.list_endpoints(session, actor, page)
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        {409: "Name taken", 422: "A URL, event pattern or secret that cannot be used"}
    ),
)
async def create_webhook(
    data: schemas.EndpointCreate, session: SessionDep, actor: AdminActor, policy: AddressPolicyDep
) -> schemas.EndpointWithSecret:
    """Subscribe an endpoint to your organization's events (admin). Every message is
    signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`) with the secret, which is in this response and never again
    (one is generated unless you give one)."""
    return schemas.EndpointWithSecret.model_validate(
        await endpoint_service.create_endpoint(session, actor, data, policy=policy)
    )


@router.get("/{endpoint_id}", responses=problems(NOT_FOUND))
async def get_webhook(endpoint: EndpointFromPath) -> schemas.Endpoint:
    """One webhook endpoint (admin)."""
    return schemas.Endpoint.model_validate(endpoint)


@router.patch(
    "/{endpoint_id}",
    responses=problems({**NOT_FOUND, 409: "Name taken, or a stale version", 422: "A bad field"}),
)
async def update_webhook(
    endpoint_id: IdPath,
    data: schemas.EndpointUpdate,
    session: SessionDep,
    actor: AdminActor,
    policy: AddressPolicyDep,
) -> schemas.Endpoint:
    """Change an endpoint (admin). Disabling it fails what it still had pending (replay
    them after enabling it again); enabling one the service disabled clears its reason."""
    return schemas.Endpoint.model_validate(
        await endpoint_service.update_endpoint(session, actor, endpoint_id, data, policy=policy)
    )


@router.delete(
    "/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(NOT_FOUND)
)
async def delete_webhook(endpoint_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete an endpoint with its deliveries and their history (admin)."""
    await endpoint_service.delete_endpoint(session, actor, endpoint_id)


@router.post("/{endpoint_id}/rotate-secret", responses=problems(NOT_FOUND))
async def rotate_secret(
    endpoint_id: IdPath,
    session: SessionDep,
    actor: AdminActor,
    runtime: RuntimeDep,
    data: schemas.SecretRotation | None = None,
) -> schemas.EndpointWithSecret:
    """A new signing secret (admin), shown in this response only. Until
    `previousSecretExpiresAt` every message is signed with the old secret too, so
    receivers can switch over without refusing one."""
    return schemas.EndpointWithSecret.model_validate(
        await endpoint_service.rotate_secret(
            session,
            actor,
            endpoint_id,
            grace_hours=data.grace_hours if data is not None else None,
            default_grace_hours=runtime.settings.webhook_secret_grace_hours,
        )
    )


@router.post("/{endpoint_id}/test", responses=problems(NOT_FOUND))
async def test_webhook(
    endpoint: EndpointFromPath, session: SessionDep, actor: AdminActor, sender: SenderDep
) -> delivery_schemas.TestResult:
    """Send a `webhook.test` message to the endpoint now, enabled or not (admin), and
    answer how the attempt went: the endpoint's status code, the start of its answer,
    the time it took, or the error. It is kept among the deliveries; it is not retried."""
    delivery_id = await sender.send_test(endpoint)
    delivery, message, attempts = await delivery_service.get_delivery(
        session, actor, endpoint, delivery_id
    )
    return delivery_schemas.TestResult(
        ok=delivery.status is WebhookDeliveryStatus.SUCCEEDED,
        delivery=delivery_schemas.detail(delivery, message, attempts),
    )
