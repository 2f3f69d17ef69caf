from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.alerts.schemas import Alert
from shiftplanner.alerting.rules import prometheus, schemas
from shiftplanner.alerting.rules import service as rule_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import AlertRule
from shiftplanner.orgs import service as org_service
from shiftplanner.security.dependencies import AdminActor, ManagerActor

router = APIRouter(prefix="/monitoring/alert-rules", tags=["alerting"])

NOT_FOUND = {404: "No such alert rule in your organization"}
SERVICE_METRIC = {403: "A service-wide metric, and you are not the platform operator"}
INVALID = {422: "Unknown metric or operator, or a policy, channel or team not yours"}


async def _with_alerts(session: AsyncSession, rules: list[AlertRule]) -> list[schemas.Rule]:
    """The rules as shown, each with its open alerts."""
    if not rules:
        return []
    open_alerts = await rule_service.open_alerts(session, rules[0].org_id, [r.id for r in rules])
    return [
        schemas.Rule.model_validate(rule).model_copy(
            update={"open_alerts": [Alert.model_validate(a) for a in open_alerts[rule.id]]}
        )
        for rule in rules
    ]


async def _shown(session: AsyncSession, rule: AlertRule) -> schemas.Rule:
    return (await _with_alerts(session, [rule]))[0]


@router.get("", response_model=Page[schemas.Rule])
async def list_rules(
    session: SessionDep, actor: ManagerActor, page: PageParamsDep
) -> Page[schemas.Rule]:
    """Your organization's alert rules with what their last evaluation saw (admin,
    manager)."""
    rules, cursor = await rule_service.list_rules(session, actor, page)
    return Page[schemas.Rule](items=await _with_alerts(session, rules), next_cursor=cursor)


@router.get("/metrics")
async def list_metrics(actor: ManagerActor) -> list[schemas.MetricInfo]:
    """Every metric a rule can name, with its unit and parameters. Service metrics
    measure the whole service: only the platform operator may use them."""
    return rule_service.metric_catalogue()


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {prometheus.MEDIA_TYPE: {}}, "description": "A rule file"}},
)
async def export_rules(
    session: SessionDep,
    actor: ManagerActor,
    format: Annotated[Literal["prometheus"], Query(description="The file's format.")],  # noqa: A002
) -> Response:
    """The rules as a Prometheus rule file (`promtool check rules` passes it): those
    whose metric an exported Prometheus metric measures; the others are listed in a
    comment at the top."""
    organization = await org_service.get_organization(session, actor, actor.org_id)
    rules = await rule_service.all_rules(session, actor)
    text = prometheus.rule_file(rules, org_name=organization.name, now=utcnow())
    return Response(text, media_type=prometheus.MEDIA_TYPE)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems({**SERVICE_METRIC, 409: "Name taken", **INVALID}),
)
async def create_rule(
    data: schemas.RuleCreate, session: SessionDep, actor: AdminActor
) -> schemas.Rule:
    """Add a rule (admin): `condition.metric` `operator` `threshold` held for
    `durationMinutes` fires an alert; it resolves once the condition has not held for
    `keepFiringMinutes`."""
    return await _shown(session, await rule_service.create_rule(session, actor, data))


@router.get("/{rule_id}", responses=problems(NOT_FOUND))
async def get_rule(rule_id: IdPath, session: SessionDep, actor: ManagerActor) -> schemas.Rule:
    """One rule, with its open alerts."""
    return await _shown(session, await rule_service.get_rule(session, actor, rule_id))


@router.patch(
    "/{rule_id}",
    responses=problems(
        {**NOT_FOUND, **SERVICE_METRIC, 409: "Name taken, or a stale version", **INVALID}
    ),
)
async def update_rule(
    rule_id: IdPath,
    data: schemas.RuleUpdate,
    session: SessionDep,
    actor: AdminActor,
    runtime: RuntimeDep,
) -> schemas.Rule:
    """Change a rule (admin). `enabled: false` resolves its open alerts."""
    rule = await rule_service.update_rule(
        session, actor, rule_id, data, now=utcnow(), public_url=runtime.settings.public_url
    )
    return await _shown(session, rule)


@router.delete(
    "/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems({**NOT_FOUND, **SERVICE_METRIC}),
)
async def delete_rule(
    rule_id: IdPath, session: SessionDep, actor: AdminActor, runtime: RuntimeDep
) -> None:
    """Delete a rule (admin); its open alerts are resolved, its alerts' records stay."""
    await rule_service.delete_rule(
        session, actor, rule_id, now=utcnow(), public_url=runtime.settings.public_url
    )
