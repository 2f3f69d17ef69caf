from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, func, select

from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import (
    OPEN_ALERT_STATUSES,
    Alert,
    AlertEvent,
    AlertSeverity,
    AlertStatus,
    EscalationPolicy,
)


class AlertRepository(OrgScopedRepository[Alert]):
    model = Alert

    def filtered(
        self,
        org_id: int,
        *,
        severity: AlertSeverity | None,
        status: AlertStatus | None,
        resolved: bool | None,
    ) -> Select[Alert]:
        query = self.scoped(org_id)
        if severity is not None:
            query = query.where(Alert.severity == severity)
        if status is not None:
            query = query.where(Alert.status == status)
        if resolved is True:
            query = query.where(Alert.status == AlertStatus.RESOLVED)
        elif resolved is False:
            query = query.where(Alert.status.in_(OPEN_ALERT_STATUSES))
        return query

    async def newest_first(
        self, query: Select[Alert], params: PageParams
    ) -> tuple[list[Alert], str | None]:
        return await paginate(self.session, query, keys=[Alert.id], params=params, descending=True)

    async def locked(self, org_id: int, alert_id: int) -> Alert | None:
        """The alert, re-read after the caller locked it (`db.lock_rows`)."""
        query = (
            self.scoped(org_id)
            .where(Alert.id == alert_id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(query)).one_or_none()

    async def of_rules(self, rule_ids: Collection[int]) -> list[Alert]:
        """The open alerts of these rules, and their resolved ones that wait to be
        reopened (a manual resolve while the condition held), re-read."""
        if not rule_ids:
            return []
        query = (
            select(Alert)
            .where(
                Alert.rule_id.in_(set(rule_ids)),
                Alert.status.in_(OPEN_ALERT_STATUSES)
                | ((Alert.status == AlertStatus.RESOLVED) & Alert.reopen_check.is_(True)),
            )
            .order_by(Alert.id)
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(query)).all())

    async def open_ids(self, rule_ids: Collection[int] | None = None) -> list[int]:
        """The ids of open alerts (of these rules), to lock before a change."""
        query = select(Alert.id).where(
            Alert.status.in_(OPEN_ALERT_STATUSES)
            | ((Alert.status == AlertStatus.RESOLVED) & Alert.reopen_check.is_(True))
        )
        if rule_ids is not None:
            query = query.where(Alert.rule_id.in_(set(rule_ids)))
        return list(await self.session.scalars(query))

    async def open_of_rules(self, org_id: int, rule_ids: Collection[int]) -> list[Alert]:
        if not rule_ids:
            return []
        query = (
            self.scoped(org_id)
            .where(Alert.rule_id.in_(set(rule_ids)), Alert.status.in_(OPEN_ALERT_STATUSES))
            .order_by(Alert.id)
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(query)).all())

    async def counts(
        self, resolved_since: datetime
    ) -> dict[tuple[AlertSeverity, AlertStatus], int]:
        """Open alerts, and alerts resolved since then, by severity and status, across
        organizations."""
        query = (
            select(Alert.severity, Alert.status, func.count())
            .where(
                Alert.status.in_(OPEN_ALERT_STATUSES)
                | ((Alert.status == AlertStatus.RESOLVED) & (Alert.resolved_at >= resolved_since))
            )
            .group_by(Alert.severity, Alert.status)
        )
        rows = (await self.session.execute(query)).all()
        return {(severity, status): int(count) for severity, status, count in rows}

    async def policy(self, org_id: int, policy_id: int | None) -> EscalationPolicy | None:
        if policy_id is None:
            return None
        query = select(EscalationPolicy).where(
            EscalationPolicy.org_id == org_id, EscalationPolicy.id == policy_id
        )
        return (await self.session.scalars(query)).one_or_none()


class AlertEventRepository(OrgScopedRepository[AlertEvent]):
    model = AlertEvent

    async def history(
        self, org_id: int, alert_id: int, params: PageParams
    ) -> tuple[list[AlertEvent], str | None]:
        query = self.scoped(org_id).where(AlertEvent.alert_id == alert_id)
        return await self.page(query, params)

    async def count_kind(self, alert_id: int, kind: str) -> int:
        query = select(func.count()).where(AlertEvent.alert_id == alert_id, AlertEvent.kind == kind)
        return int(await self.session.scalar(query) or 0)
